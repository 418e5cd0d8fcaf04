#!/bin/sh
# frontier_rss.sh - crawld's memory against the length of its URL file: the
# frontier keeps a bounded number of URLs in memory and the queue of a host
# that cannot take them now on disk, so peak RSS should not grow with the
# file. Local only: two of the project's test servers, each on 127.0.0.2 ..
# 127.0.0.41, stopped here by their PIDs. Needs CRAWLD and TESTSERVER (make
# bench-frontier-rss sets them). Writes FRONTIER_RSS (default:
# FRONTIER_RSS.md beside this script).
#
#   make bench-frontier-rss
#   LINES="10000 1000000" RUNS=1 sh bench/frontier_rss.sh
#
# Two cases, each at every length in LINES, each figure a median of RUNS:
#   denied     the lines spread over 40 hosts in turn, every host's
#              robots.txt "Disallow: /": every line becomes a robots_denied
#              record without a fetch, as fast as the frontier can read and
#              answer. What reading and queueing cost, and nothing else.
#   throttled  90% of the lines on one host, /page/N?ms=10000 crawled with
#              --per-host 1 (one page every 10 s), the other 10% spread
#              over the other 39 hosts, answered at once. The issue's case:
#              the slow host's queue goes to disk while the others' URLs run.
#              Measured when every record of the other hosts is out (then
#              crawld is stopped with SIGTERM): peak RSS, the spill file's
#              size, and the time the fast 10% took.
# Peak RSS is the supervisor's VmHWM (--threads 2 --processes 0: workers are
# threads, one process holds everything). Target: peak RSS at the longest
# length over peak RSS at 1,000,000 lines <= 1.10, in each case.
# A run whose record count or codes are wrong makes the script exit 1 after
# the report.
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
LINES=${LINES:-"10000 1000000 10000000"}
RUNS=${RUNS:-3}
HOSTS=40
SLOW_MS=${SLOW_MS:-10000}
TIMEOUT=${TIMEOUT:-900}
FLAGS="--threads 2 --processes 0 --inflight 64"
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
FRONTIER_RSS=${FRONTIER_RSS:-$here/FRONTIER_RSS.md}
. "$here/common.sh"

work=$(mktemp -d)
pids=""
cleanup() {
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$work"
failed=0
started=$(date -u +%Y-%m-%dT%H:%MZ)
t0=$(now)

# start_server NAME [FLAGS]: a test server with 40 hosts; its hosts file is
# NAME.hosts ("ADDR PORT" a line).
start_server() {
	name=$1
	shift
	"$TESTSERVER" --quiet --pages 1 --hosts "$HOSTS" --hosts-file "$name.hosts" \
		--port-file "$name.port" "$@" >/dev/null &
	pids="$pids $!"
	while [ ! -s "$name.port" ]; do sleep 0.05; done
}

mkdir robots
for i in $(seq 2 $((HOSTS + 1))); do
	printf 'User-agent: *\nDisallow: /\n' >"robots/127.0.0.$i"
done
start_server deny --robots-dir robots
start_server open

# urls_denied N: N lines over the deny server's hosts, in turn.
urls_denied() {
	awk -v n="$1" 'NR == FNR { base[c++] = "http://" $1 ":" $2; next }
		END { for (i = 0; i < n; i++) printf "%s/page/%d\n", base[i % c], i }' \
		deny.hosts /dev/null >urls.txt
}
# urls_throttled N: 9 lines in 10 on the open server's first host, slow; the
# 10th on the other hosts in turn.
urls_throttled() {
	awk -v n="$1" -v ms="$SLOW_MS" 'NR == FNR { base[c++] = "http://" $1 ":" $2; next }
		END {
			for (i = 0; i < n; i++)
				if (i % 10) printf "%s/page/%d?ms=%d\n", base[0], i, ms
				else printf "%s/page/%d\n", base[1 + (i / 10) % (c - 1)], i
		}' open.hosts /dev/null >urls.txt
}

# mawk fills its whole input buffer before it looks at a line, so the last
# records before a quiet spell would wait for the next ones; -W interactive
# makes it read a line at a time. Other awks read what there is.
line_awk="awk"
if awk -W version 2>&1 | head -n 1 | grep -q '^mawk'; then
	line_awk="awk -W interactive"
fi

kib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# run_denied N RUN: peak KiB, seconds, records/s; checks every record.
run_denied() {
	start=$(now)
	# shellcheck disable=SC2086
	timeout "$TIMEOUT" /usr/bin/time -f '%M' -o time.out \
		"$CRAWLD" --once urls.txt $FLAGS --output - 2>crawld.err |
		awk '/"code":"robots_denied"/ { d++ } END { print NR, d + 0 }' >counts
	end=$(now)
	read -r records denied <counts
	if [ "$records" -ne "$1" ] || [ "$denied" -ne "$1" ]; then
		say "denied, $1 lines, run $2: $records records, $denied robots_denied"
		failed=1
	fi
	echo "$(tail -n 1 time.out) $(calc "$end - $start") $(calc "$1 / ($end - $start)")"
}

# run_throttled N RUN: peak KiB, RSS KiB, spill MiB, seconds for the fast
# 10%, slow-host records by then. Reads /proc while crawld still runs.
run_throttled() {
	fast=$(($1 / 10))
	rm -f out.fifo fast.done
	mkfifo out.fifo
	start=$(now)
	# shellcheck disable=SC2086
	"$CRAWLD" --once urls.txt $FLAGS --per-host 1 --output out.fifo 2>crawld.err &
	crawld=$!
	pids="$pids $crawld"
	slow=$(head -n 1 open.hosts | awk '{ print "http://" $1 ":" $2 "/" }')
	# shellcheck disable=SC2086
	$line_awk -v slow="$slow" -v fast="$fast" '
		index($0, "\"url\":\"" slow) { s++; next }
		{ if (++f == fast) { print s + 0 >"done.tmp"; close("done.tmp"); system("mv done.tmp fast.done") } }
		END { print f + 0, s + 0 >"drained" }' <out.fifo &
	reader=$!
	deadline=$(($(date +%s) + TIMEOUT))
	while [ ! -e fast.done ] && kill -0 "$crawld" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.1
	done
	end=$(now)
	if [ -e fast.done ]; then
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$crawld/status")
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$crawld/status")
		spill=0
		for fd in /proc/"$crawld"/fd/*; do
			case $(readlink "$fd" 2>/dev/null) in
			*"(deleted)") spill=$(stat -L -c %s "$fd") ;;
			esac
		done
		slow_done=$(cat fast.done)
	else
		say "throttled, $1 lines, run $2: the fast hosts' records never all came"
		failed=1
		hwm=0 rss=0 spill=0 slow_done=0
	fi
	kill -TERM "$crawld" 2>/dev/null || :
	wait "$crawld" 2>/dev/null || :
	wait "$reader" || :
	pids=$(echo "$pids" | sed "s/ $crawld\$//")
	echo "$hwm $rss $(calc "$spill / 1048576") $(calc "$end - $start") $slow_done"
}

for lines in $LINES; do
	urls_denied "$lines"
	: >runs
	for run in $(seq "$RUNS"); do
		run_denied "$lines" "$run" >>runs
		say "denied $lines run $run: $(tail -n 1 runs) (peak KiB, s, records/s)"
	done
	printf '%s %s %s %s\n' "$lines" "$(cut -d' ' -f1 runs | median)" \
		"$(cut -d' ' -f2 runs | median)" "$(cut -d' ' -f3 runs | median)" >>denied.rows
	urls_throttled "$lines"
	: >runs
	for run in $(seq "$RUNS"); do
		run_throttled "$lines" "$run" >>runs
		say "throttled $lines run $run: $(tail -n 1 runs) (peak KiB, RSS KiB, spill MiB, s, slow records)"
	done
	printf '%s %s %s %s %s %s\n' "$lines" "$(cut -d' ' -f1 runs | median)" \
		"$(cut -d' ' -f2 runs | median)" "$(cut -d' ' -f3 runs | median)" \
		"$(cut -d' ' -f4 runs | median)" "$(cut -d' ' -f5 runs | median)" >>throttled.rows
done
rm -f urls.txt

# ratio ROWS: peak at the longest length over peak at 1,000,000 lines.
ratio() { awk '$1 == 1000000 { base = $2 } { last = $2 } END { if (base) printf "%.3f", last / base; else print "-" }' "$1"; }
verdict() { awk -v r="$1" 'BEGIN { print (r != "-" && r <= 1.10) ? "**met**" : "**NOT met**" }'; }
longest=$(echo "$LINES" | tr ' ' '\n' | tail -n 1)
r_denied=$(ratio denied.rows)
r_throttled=$(ratio throttled.rows)

{
	echo "# The frontier's memory against the URL file's length"
	echo
	echo "Written by \`make bench-frontier-rss\` (bench/frontier_rss.sh) on $started; it took $(calc "$(now) - $t0" | cut -d. -f1) s."
	echo "Every figure is a median of $RUNS runs on this machine; every server ran on loopback addresses."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
	echo "| cores | $(nproc) |"
	echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| crawld | $("$CRAWLD" --version | head -n 1), commit $(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown) |"
	echo
	echo "## Targets"
	echo
	echo "| target | figure | threshold | verdict |"
	echo "| --- | --- | --- | --- |"
	echo "| Denied: peak RSS at $longest lines / at 1000000 | $r_denied | <= 1.10 | $(verdict "$r_denied") |"
	echo "| Throttled: peak RSS at $longest lines / at 1000000 | $r_throttled | <= 1.10 | $(verdict "$r_throttled") |"
	echo
	echo "## Denied: every line a robots_denied record, no fetch"
	echo
	echo "The lines take turns over 40 hosts of one test server (127.0.0.2 .. 127.0.0.41), each answering"
	echo "robots.txt with \`User-agent: *\` / \`Disallow: /\`. Peak RSS is GNU time's maximum resident set size;"
	echo "records/s is lines over wall time, the records read from crawld's standard output and counted."
	echo
	echo "| lines | peak RSS MiB | wall s | records/s |"
	echo "| ---: | ---: | ---: | ---: |"
	while read -r n peak wall rate; do
		printf '| %s | %s | %.2f | %.0f |\n' "$n" "$(kib "$peak")" "$wall" "$rate"
	done <denied.rows
	echo
	echo "## Throttled: 90% of the lines on one host at one page per $((SLOW_MS / 1000)) s"
	echo
	echo "Nine lines in ten are \`/page/N?ms=$SLOW_MS\` on 127.0.0.2 (one page in flight, \`--per-host 1\`: a"
	echo "page every $((SLOW_MS / 1000)) s), the tenth a page of one of the other 39 hosts, answered at once."
	echo "Read from /proc while crawld runs, once the last record of the other hosts is out: peak RSS"
	echo "(VmHWM), RSS now (VmRSS), the spill file's size (the slow host's queue on disk), and the time"
	echo "from the start; then crawld is stopped with SIGTERM. \`--per-host 1\` holds the other hosts too (one"
	echo "fetch each at a time), so their pace is politeness-bound as well: what matters is that it does not"
	echo "fall as the slow host's queue grows."
	echo
	echo "| lines | peak RSS MiB | RSS MiB | spill file MiB | fast 10% done after s | slow host's records by then |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
	while read -r n peak rss spill wall slow; do
		printf '| %s | %s | %s | %.1f | %.2f | %s |\n' "$n" "$(kib "$peak")" "$(kib "$rss")" "$spill" "$wall" "$slow"
	done <throttled.rows
	echo
	echo "## Commands"
	echo
	echo "- test servers: \`testserver --quiet --pages 1 --hosts 40 --hosts-file H --port-file P\`, one of them with \`--robots-dir robots\`"
	echo "- denied: \`crawld --once urls.txt $FLAGS --output -\` under \`/usr/bin/time -f %M\`"
	echo "- throttled: \`crawld --once urls.txt $FLAGS --per-host 1 --output out.fifo\`"
} >"$FRONTIER_RSS"
say "wrote $FRONTIER_RSS"
exit "$failed"
