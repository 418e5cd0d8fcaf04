#!/bin/sh
# check_systemd.sh - the files in systemd/ are valid, and the unit stays hardened.
#
# make check runs this from the build directory with srcdir set; by hand, run it
# from the top source directory. Everything happens offline, in a temporary
# directory: nothing is installed and no running systemd is needed.
# Exit status: 0 pass, 1 fail, 77 skip (no systemd-analyze), 99 cannot test.
set -u

systemd_dir=${srcdir:-.}/systemd
unit=$systemd_dir/crawld.service
max_exposure=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	exit 77
fi
if ! systemd-analyze --help 2>/dev/null | grep -q -e '--offline'; then
	echo "SKIP: systemd-analyze is older than systemd 250 (no security --offline)"
	exit 77
fi
for file in "$unit" "$systemd_dir/crawld.sysusers" "$systemd_dir/crawld.tmpfiles"; do
	[ -r "$file" ] || { echo "cannot read $file" >&2; exit 99; }
done

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM

# Messages are compared word for word, so they must not be translated.
LC_ALL=C
export LC_ALL
status=0

# fail CHECK OUTPUT-FILE: reports a failed check with the output that failed it.
fail() {
	echo "not ok - $1"
	sed 's/^/#   /' "$2"
	status=1
}

# 1. verify. crawld is not installed while its tests run, so verify reports
# ExecStart's binary as missing: that exact line is expected and dropped, and
# anything else fails. The man pages are not installed either (--man=no).
missing_binary="crawld.service: Command /usr/sbin/crawld is not executable: No such file or directory"
systemd-analyze verify --man=no "$unit" >"$tmp/verify" 2>&1
verify_status=$?
grep -v -x -F "$missing_binary" "$tmp/verify" >"$tmp/verify.rest"
if [ -s "$tmp/verify.rest" ]; then
	fail "verify clean" "$tmp/verify.rest"
elif [ "$verify_status" -ne 0 ] && ! grep -q -x -F "$missing_binary" "$tmp/verify"; then
	echo "systemd-analyze verify exited $verify_status without a message" >"$tmp/verify.rest"
	fail "verify clean" "$tmp/verify.rest"
else
	echo "ok - verify clean"
fi

# 2. security. The last line reads "→ Overall exposure level for crawld.service:
# 1.1 OK 🙂" ("->" and ":-)" in the C locale).
systemd-analyze --no-pager security --offline=true "$unit" >"$tmp/security" 2>&1
exposure=$(awk '/Overall exposure level for crawld\.service:/ {
	sub(/.*Overall exposure level for crawld\.service: */, ""); print $1 }' "$tmp/security")
case $exposure in
'' | *[!0-9.]*)
	fail "exposure is a number (got '$exposure')" "$tmp/security"
	;;
*)
	if awk -v exposure="$exposure" -v max="$max_exposure" \
		'BEGIN { exit !(exposure + 0 <= max + 0) }'; then
		echo "ok - exposure $exposure <= $max_exposure"
	else
		# The items that cost something: their last column is a number.
		awk '$NF ~ /^[0-9.]+$/ || /Overall/' "$tmp/security" >"$tmp/security.costs"
		fail "exposure $exposure <= $max_exposure" "$tmp/security.costs"
	fi
	;;
esac

# 3. sysusers, into an empty root: it must create user crawld, whose primary
# group is group crawld and whose home is the spool, and say nothing else.
root=$tmp/root
mkdir -p "$root/etc"
systemd-sysusers --root="$root" - <"$systemd_dir/crawld.sysusers" >"$tmp/sysusers" 2>&1
sysusers_status=$?
grep -v -e "^Creating group 'crawld'" -e "^Creating user 'crawld'" "$tmp/sysusers" \
	>"$tmp/sysusers.rest"
uid=$(awk -F: '$1 == "crawld" { print $3 }' "$root/etc/passwd" 2>/dev/null)
gid=$(awk -F: '$1 == "crawld" { print $3 }' "$root/etc/group" 2>/dev/null)
user=$(awk -F: '$1 == "crawld" { print $4 ":" $6 }' "$root/etc/passwd" 2>/dev/null)
if [ "$sysusers_status" -ne 0 ] || [ -s "$tmp/sysusers.rest" ] || [ -z "$uid" ] ||
	[ -z "$gid" ] || [ "$user" != "$gid:/var/lib/crawld" ]; then
	cat "$root/etc/passwd" "$root/etc/group" >>"$tmp/sysusers" 2>&1
	fail "sysusers creates user and group crawld" "$tmp/sysusers"
else
	echo "ok - sysusers creates user and group crawld ($uid:$gid)"
fi

# 4. tmpfiles, into the same root, whose passwd and group now name crawld. Only
# root can give the directory to crawld: as another user the one failed chown
# (exit status 73, EX_CANTCREAT) is expected, and only the mode is checked.
systemd-tmpfiles --root="$root" --create - <"$systemd_dir/crawld.tmpfiles" >"$tmp/tmpfiles" 2>&1
tmpfiles_status=$?
spool=$(ls -lnd "$root/var/lib/crawld" 2>/dev/null | awk '{ print $1, $3 ":" $4 }')
if [ "$(id -u)" -eq 0 ]; then
	cp "$tmp/tmpfiles" "$tmp/tmpfiles.rest"
	expected="drwxr-x--- $uid:$gid"
	owner_note=""
else
	grep -v -x -F "fchownat() of $root/var/lib/crawld failed: Operation not permitted" \
		"$tmp/tmpfiles" >"$tmp/tmpfiles.rest"
	[ "$tmpfiles_status" -eq 73 ] && tmpfiles_status=0
	expected="drwxr-x--- ${spool#* }"
	owner_note=", owner not checked: not root"
fi
if [ "$tmpfiles_status" -ne 0 ] || [ -s "$tmp/tmpfiles.rest" ] || [ "$spool" != "$expected" ]; then
	echo "got '$spool', expected '$expected'" >>"$tmp/tmpfiles"
	fail "tmpfiles creates /var/lib/crawld" "$tmp/tmpfiles"
else
	echo "ok - tmpfiles creates /var/lib/crawld 0750 ($spool$owner_note)"
fi

exit $status
