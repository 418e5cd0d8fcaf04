# common.sh - sourced by the benchmark scripts, not run: installing what
# a benchmark lacks, the static site and the nginx that serves it, the wait
# for idle CPUs and what other processes used of them. Both scripts crawl
# the same static pages from the same server, so that their figures
# compare; one copy of the setup keeps it so.
#
# The caller sets INSTALL (auto or no), STATIC_PAGES and WAIT_IDLE, makes
# its scratch directory the current directory and names it in work, keeps
# in pids the PIDs it stops on exit (start_nginx adds the server's) and in
# servers the PIDs of the servers it runs, for own_ticks.
# Those variables are the caller's, and so are the ones start_nginx sets for
# it: shellcheck, reading this file alone, sees neither side.
# shellcheck shell=sh disable=SC2034,SC2154

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
say() { printf '%s\n' "$*" >&2; }

# apt_install ALTERNATIVES...: each argument a package, or packages separated
# by '|' of which the first that installs will do. Only as root with
# apt-get and INSTALL other than no; otherwise it says what it skipped.
apt_install() {
	[ $# -gt 0 ] || return 0
	if [ "$INSTALL" = no ] || [ "$(id -u)" -ne 0 ] || ! have apt-get; then
		say "not installing (INSTALL=$INSTALL, uid $(id -u)): $*"
		return 0
	fi
	updated=no
	for alternatives in "$@"; do
		ok=no
		for pkg in $(echo "$alternatives" | tr '|' ' '); do
			# Try; on failure refresh the package lists once and try again.
			for _ in 1 2; do
				if DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
					--no-install-recommends "$pkg" >/dev/null 2>&1; then
					say "installed $pkg"
					ok=yes
					break
				fi
				[ "$updated" = no ] || break
				apt-get update -q >/dev/null 2>&1 || :
				updated=yes
			done
			[ "$ok" = no ] || break
		done
		[ "$ok" = yes ] || say "could not install $alternatives"
	done
}

free_port() {
	if have python3; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
	else
		awk -v seed="$$" 'BEGIN { srand(seed); print 20000 + int(rand() * 30000) }'
	fi
}

# The static site: the same pages as the test server's /site/N (title,
# heading, a sentence and two links), one file each.
make_site() {
	mkdir -p site/site
	awk -v n="$STATIC_PAGES" 'BEGIN {
		for (i = 0; i < n; i++) {
			f = "site/site/" i
			a = (i + 1) % n
			b = (i * 7 + 3) % n
			printf "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page %d</title></head><body><h1>Page %d</h1><p>This is page %d of the crawld demo site.</p><p><a href=\"/site/%d\">Page %d</a> <a href=\"/site/%d\">Page %d</a></p></body></html>", i, i, i, a, a, b, b > f
			close(f)
		}
	}'
}

# nginx_find: the nginx binary, empty when none is installed.
nginx_find() { command -v nginx 2>/dev/null || { [ ! -x /usr/sbin/nginx ] || echo /usr/sbin/nginx; }; }
nginx_version() { "$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)" -v 2>&1 | sed 's|.*/||'; }

# start_nginx: the site above served by nginx_bin on a free port of
# 127.0.0.1. Sets nginx_pid, static_server and static_base; returns 1 when
# nginx would not come up.
start_nginx() {
	make_site
	mkdir -p nginx/tmp
	user_line=""
	# A master running as root would hand the workers to "nobody", who
	# cannot read this mode-700 scratch directory: keep the current user.
	[ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		cat >nginx/nginx.conf <<EOF
# minimal nginx for the benchmarks: one worker, static files, no logs
$user_line
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
	access_log off;
	default_type text/html;
	charset utf-8;
	sendfile on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx/tmp/body;
	proxy_temp_path $work/nginx/tmp/proxy;
	fastcgi_temp_path $work/nginx/tmp/fastcgi;
	uwsgi_temp_path $work/nginx/tmp/uwsgi;
	scgi_temp_path $work/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $work/site;
	}
}
EOF
		"$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" \
			-c "$work/nginx/nginx.conf" 2>>nginx/start.log &
		nginx_pid=$!
		pids="$pids $nginx_pid"
		for _ in $(seq 50); do
			kill -0 "$nginx_pid" 2>/dev/null || break
			code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/site/0" || :)
			if [ "$code" = 200 ]; then
				static_server="nginx $(nginx_version), 1 worker process"
				static_base="http://127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		# Most likely the port was taken between the probe and the bind.
		kill "$nginx_pid" 2>/dev/null || :
		wait "$nginx_pid" 2>/dev/null || :
		say "nginx did not come up on port $port (try $try): $(tail -n 1 nginx/error.log 2>/dev/null)"
	done
	return 1
}

# idle_pct: how idle the CPUs were over the next second, in percent
idle_pct() {
	i_a=$(head -n 1 /proc/stat)
	sleep 1
	i_b=$(head -n 1 /proc/stat)
	echo "$i_a
$i_b" | awk '{ idle[NR] = $5 + $6; total[NR] = 0; for (f = 2; f <= NF; f++) total[NR] += $f }
		END { d = total[2] - total[1]; printf "%.0f", (d > 0 ? 100 * (idle[2] - idle[1]) / d : 100) }'
}

# wait_idle: waits up to WAIT_IDLE seconds for the CPUs to be 90% idle, as
# figures taken beside other work are not this machine's; sets idle_start.
wait_idle() {
	idle_start=$(idle_pct)
	waited=0
	while [ "$idle_start" -lt 90 ] && [ "$waited" -lt "$WAIT_IDLE" ]; do
		[ "$waited" -gt 0 ] || say "the CPUs are $idle_start% idle: waiting up to $WAIT_IDLE s for 90%"
		sleep 4
		waited=$((waited + 5))
		idle_start=$(idle_pct)
	done
	[ "$idle_start" -ge 90 ] || say "the CPUs are only $idle_start% idle: the figures will be low"
}

# How much of the machine something else used while a part ran: all the
# CPU time spent (/proc/stat) less this script's (its children, reaped, and
# the servers, still running: the PIDs in servers, each with its children).
# In clock ticks.
# Interrupt and softirq time (loopback TCP runs much of its receive path
# there) is charged to no process, so it is left out of both.
machine_ticks() { head -n 1 /proc/stat | awk '{ busy = $2 + $3 + $4; all = busy + $5 + $6 + $7 + $8 + $9; print busy, all }'; }
own_ticks() {
	# /proc/PID/stat after "(comm) ": utime, stime, cutime, cstime are $12..$15
	o_total=$(sed 's/.*) //' "/proc/$$/stat" | awk '{ print $12 + $13 + $14 + $15 }')
	for o_server in $servers; do
		for o_pid in "$o_server" $(ps -o pid= --ppid "$o_server"); do
			o_t=$(sed 's/.*) //' "/proc/$o_pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
			o_total=$((o_total + ${o_t:-0}))
		done
	done
	echo "$o_total"
}
part_start() { p_machine=$(machine_ticks); p_own=$(own_ticks); }
# part_end PART: appends "PART|percent of the machine's CPU others used" to
# the file busy
part_end() {
	e_machine=$(machine_ticks)
	e_own=$(own_ticks)
	echo "$p_machine $e_machine $p_own $e_own" | awk -v part="$1" '{
		busy = $3 - $1; all = $4 - $2; own = $6 - $5; other = busy - own
		if (other < 0) other = 0
		printf "%s|%.0f\n", part, (all > 0 ? 100 * other / all : 0) }' >>busy
	say "  other processes used $(tail -n 1 busy | cut -d'|' -f2)% of the CPUs during this part"
}

# absolute PATH: PATH from the directory the script started in, for a
# script that runs in a scratch directory (a bare name is looked up in PATH).
absolute() {
	case $1 in
	/*) echo "$1" ;;
	*/*) echo "$(pwd)/$1" ;;
	*) command -v "$1" || echo "$(pwd)/$1" ;;
	esac
}

# stop_all: SIGTERM to every PID in pids, then a wait for each, so that
# nothing the script started outlives it.
stop_all() {
	for pid in $pids; do kill "$pid" 2>/dev/null || :; done
	for pid in $pids; do wait "$pid" 2>/dev/null || :; done
}

# Seconds now, arithmetic, and the median of the numbers on standard input.
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
