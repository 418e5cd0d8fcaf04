#!/bin/sh
# check_valgrind.sh - valgrind memcheck on crawld --once over 1,000 URLs of the
# test server, once with worker threads only (-t 2 -p 0) and once with worker
# processes only (-t 0 -p 2). Worker processes are exec'd, so
# --trace-children=yes puts each of them under memcheck too, with a log of its
# own. Every process must exit with no leak valgrind calls definite or
# indirect, no invalid read, write or free, and no other memcheck error; the
# crawl must give exactly one record per URL. The LEAK SUMMARY of each process
# (or valgrind's line saying every block was freed) is printed for the report.
#
# make check runs this with CRAWLD and TESTSERVER set; by hand:
#   CRAWLD=build/crawld TESTSERVER=build/tests/testserver sh tests/check_valgrind.sh
# Exit status: 0 pass, 1 fail, 77 skip (no valgrind, or a sanitizer build),
# 99 cannot test.
set -u

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
urls=1000
# A mode under valgrind takes about 5 s here; this bounds a hang.
limit_s=300

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed (Debian package valgrind)"
	exit 77
fi
# ASan and TSan map shadow memory valgrind cannot run under; those builds
# have their own checks.
if grep -q -a -e __asan_init -e __tsan_init "$CRAWLD"; then
	echo "SKIP: $CRAWLD is built with a sanitizer; valgrind needs a plain build"
	exit 77
fi

# valgrind's messages are matched word for word.
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d) || exit 99
"$TESTSERVER" --quiet >"$tmp/ports" </dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM
tries=0
while [ ! -s "$tmp/ports" ]; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
		echo "the test server did not start" >&2
		exit 99
	fi
	sleep 0.1
done
base="http://127.0.0.1:$(head -n 1 "$tmp/ports")"
awk -v n="$urls" -v base="$base" \
	'BEGIN { for (i = 0; i < n; i++) printf "%s/delay?ms=0&n=%d\n", base, i }' \
	>"$tmp/urls.txt"

status=0

# fail MODE MESSAGE [FILE]: reports a failed check, with the file that shows it.
fail() {
	echo "not ok - $1: $2"
	[ $# -lt 3 ] || sed 's/^/#   /' "$3"
	failed=1
	status=1
}

# run_mode NAME PROCESSES FLAGS...: one crawl under memcheck; expects one log
# for the supervisor and one for each worker process.
run_mode() {
	name=$1
	processes=$2
	shift 2
	failed=0
	mkdir "$tmp/$name"
	timeout -k 10 "$limit_s" valgrind --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--trace-children=yes --vgdb=no --log-file="$tmp/$name/valgrind.%p.log" \
		"$CRAWLD" --once "$tmp/urls.txt" --output "$tmp/$name/out.jsonl" "$@" \
		2>"$tmp/$name/crawld.log"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$name" "crawld under valgrind exited $rc" "$tmp/$name/crawld.log"

	# Exactly one record for each seq 0..urls-1.
	records=$(wc -l <"$tmp/$name/out.jsonl" 2>/dev/null || echo 0)
	seqs=$(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$tmp/$name/out.jsonl" 2>/dev/null |
		awk -v n="$urls" '$1 < n && !seen[$1]++ { count++ } END { print count + 0 }')
	if [ "$records" -ne "$urls" ] || [ "$seqs" -ne "$urls" ]; then
		fail "$name" "$records records, $seqs distinct seqs for $urls URLs"
	fi

	count=0
	for log in "$tmp/$name"/valgrind.*.log; do
		[ -e "$log" ] || continue
		count=$((count + 1))
		pid=${log##*/valgrind.}
		pid=${pid%.log}
		if grep -q -e '--worker' "$log"; then role="worker process $pid"; else role="supervisor $pid"; fi
		# The summary for the report: valgrind prints LEAK SUMMARY only when
		# something was still allocated at exit.
		grep -e 'LEAK SUMMARY' -e 'definitely lost:' -e 'indirectly lost:' \
			-e 'possibly lost:' -e 'still reachable:' -e 'All heap blocks were freed' \
			-e 'ERROR SUMMARY' "$log" | sed "s/^==[0-9]*== */$name, $role: /"
		if grep -q -E '(definitely|indirectly) lost: [1-9]' "$log"; then
			fail "$name" "$role leaks memory" "$log"
		elif grep -q -E 'Invalid (read|write|free)' "$log"; then
			fail "$name" "$role made an invalid memory access" "$log"
		elif ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
			fail "$name" "$role has memcheck errors" "$log"
		fi
	done
	if [ "$count" -ne $((1 + processes)) ]; then
		fail "$name" "$count valgrind logs, expected $((1 + processes)) (supervisor + workers)"
	fi
	[ "$failed" -ne 0 ] || echo "ok - $name: $urls records, $count processes clean"
}

run_mode threads 0 --threads 2 --processes 0
run_mode processes 2 --threads 0 --processes 2
exit $status
