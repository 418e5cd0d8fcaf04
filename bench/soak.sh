#!/bin/sh
# soak.sh - crawld as a service over a long crawl while its worker processes
# are killed: 2,000,000 URLs of the project's test server (on 127.0.0.1) in
# JOBS job files dropped into the spool, a random worker process killed with
# SIGKILL every KILL_MIN_S to KILL_MAX_S seconds, and the resident memory of
# the supervisor and of each worker process sampled every SAMPLE_S seconds.
# Needs CRAWLD, CRAWLCTL and TESTSERVER (make soak sets them), jq and ps.
#
#   make soak
#   URLS=200000 SOAK=/tmp/soak.md sh bench/soak.sh
#
# At the end every job's journal in done/ must hold exactly one record for
# each line of its job file (seq 0..n-1 once each: none lost, none doubled),
# and the supervisor's RSS may grow by less than RSS_LIMIT_PCT from the first
# sample after WARMUP_S to the last. The report goes to standard output and
# to SOAK (default: SOAK.md beside this script); the exit status is 1 when a
# target is missed. Every process started here is stopped here, by its PID.
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${CRAWLCTL:?set CRAWLCTL to the crawlctl binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
URLS=${URLS:-2000000}
JOBS=${JOBS:-8}
THREADS=${THREADS:-1}
PROCESSES=${PROCESSES:-2}
INFLIGHT=${INFLIGHT:-64}
# One URL in SITE_EVERY is an HTML page of the test site instead of the
# delay route, so that titles and snippets are extracted too.
SITE_EVERY=${SITE_EVERY:-10}
KILL_MIN_S=${KILL_MIN_S:-3}
KILL_MAX_S=${KILL_MAX_S:-5}
SAMPLE_S=${SAMPLE_S:-10}
WARMUP_S=${WARMUP_S:-30}
RSS_LIMIT_PCT=${RSS_LIMIT_PCT:-5}
# crawld doubles a worker's restart delay with each crash in a row, up to
# respawn_backoff_max (30 s by default). Killed every few seconds, both
# workers would soon wait 30 s to come back and the soak would mostly measure
# the thread; 1 s keeps them working.
RESPAWN_MAX_S=${RESPAWN_MAX_S:-1}
# The whole crawl must be done by then.
MAX_S=${MAX_S:-3600}
SOAK=${SOAK:-$(dirname "$0")/SOAK.md}

for tool in jq ps; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "soak: $tool is not installed (Debian packages jq, procps)" >&2
		exit 1
	}
done

work=$(mktemp -d)
server=""
daemon=""
killer=""
cleanup() {
	touch "$work/stop"
	for pid in $killer $daemon $server; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() {
	date +%s.%N
}
started=$(now)
# Seconds since the start, to 0.1 s.
elapsed() {
	echo "$(now) $started" | awk '{ printf "%.1f", $1 - $2 }'
}
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}
# The daemon's live children: its worker processes.
workers() {
	ps -o pid=,stat= --ppid "$daemon" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }'
}
running() {
	kill -0 "$daemon" 2>/dev/null
}
ctl() {
	"$CRAWLCTL" --runtime-dir "$work/run" --json "$@"
}

"$TESTSERVER" --quiet >"$work/ports" </dev/null &
server=$!
while [ ! -s "$work/ports" ]; do sleep 0.1; done
base="http://127.0.0.1:$(head -n 1 "$work/ports")"

mkdir -p "$work/state/incoming/.tmp"
cat >"$work/crawld.conf" <<EOF
[workers]
threads = $THREADS
processes = $PROCESSES
inflight = $INFLIGHT
respawn_backoff_max = $RESPAWN_MAX_S
[politeness]
# One host, crawled as hard as crawld goes: the soak is of the engine and
# its workers, so politeness (4 fetches at once per host and a robots.txt
# first, by default) is lifted: the most per host allowed, no robots.txt.
per_host = 16384
robots = off
EOF
"$CRAWLD" --config "$work/crawld.conf" --state-dir "$work/state" \
	--runtime-dir "$work/run" 2>"$work/crawld.log" &
daemon=$!
tries=0
until ctl status >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ] || ! running; then
		echo "soak: crawld did not start; its log:" >&2
		cat "$work/crawld.log" >&2
		exit 1
	fi
	sleep 0.1
done

# Job j holds the URLs numbered j*per .. (j+1)*per-1 (the last takes the
# rest), each written and renamed into incoming/ the way producers must.
per=$((URLS / JOBS))
job=0
while [ "$job" -lt "$JOBS" ]; do
	first=$((job * per))
	count=$per
	[ "$job" -lt $((JOBS - 1)) ] || count=$((URLS - first))
	awk -v first="$first" -v n="$count" -v base="$base" -v every="$SITE_EVERY" 'BEGIN {
		for (i = first; i < first + n; i++)
			if (every > 0 && i % every == every - 1)
				printf "%s/site/%d\n", base, i % 10000
			else
				printf "%s/delay?ms=0&n=%d\n", base, i
	}' >"$work/state/incoming/.tmp/soak-$job"
	mv "$work/state/incoming/.tmp/soak-$job" "$work/state/incoming/soak-$job.txt"
	job=$((job + 1))
done
echo "soak: $URLS URLs in $JOBS jobs dropped at $(elapsed) s" >&2

# The killer: one random live worker process every KILL_MIN_S..KILL_MAX_S
# seconds, until told to stop or MAX_S has passed.
: >"$work/kills"
(
	while [ ! -e "$work/stop" ]; do
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		span=$(((KILL_MAX_S - KILL_MIN_S) * 10 + 1))
		sleep "$(echo "$KILL_MIN_S $r $span" | awk '{ printf "%.1f", $1 + ($2 % $3) / 10 }')"
		[ ! -e "$work/stop" ] || break
		awk -v t="$(elapsed)" -v max="$MAX_S" 'BEGIN { exit !(t > max) }' && break
		# One positional parameter per pid: the split is wanted.
		# shellcheck disable=SC2046
		set -- $(workers)
		[ $# -gt 0 ] || continue
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		shift $((r % $#))
		kill -KILL "$1" 2>/dev/null && echo "$(elapsed) $1" >>"$work/kills"
	done
) &
killer=$!

# The sampler: every SAMPLE_S seconds, records committed so far, the rate
# over the interval, and the RSS of the supervisor and of each worker.
: >"$work/samples"
printf '%8s %10s %10s %10s  %s\n' "t (s)" records "records/s" "sup KiB" "worker KiB" >&2
prev_t=0
prev_done=0
tick=1
while :; do
	target=$(echo "$started $tick $SAMPLE_S" | awk '{ printf "%.3f", $1 + $2 * $3 }')
	wait_s=$(echo "$target $(now)" | awk '{ d = $1 - $2; printf("%.3f", d > 0 ? d : 0) }')
	sleep "$wait_s"
	tick=$((tick + 1))
	running || {
		echo "soak: crawld exited during the crawl; the last of its log:" >&2
		tail -n 20 "$work/crawld.log" >&2
		exit 1
	}
	t=$(elapsed)
	status=$(ctl status) || continue
	done_now=$(echo "$status" | jq '.urls.done + .urls.failed')
	sup=$(rss_kib "$daemon")
	worker_rss=""
	for pid in $(workers); do
		worker_rss="$worker_rss${worker_rss:+ }$(rss_kib "$pid")"
	done
	rate=$(echo "$done_now $prev_done $t $prev_t" | awk '{ printf "%.0f", ($1 - $2) / ($3 - $4) }')
	echo "$t $done_now $rate $sup ${worker_rss:--}" >>"$work/samples"
	printf '%8s %10s %10s %10s  %s\n' "$t" "$done_now" "$rate" "$sup" "${worker_rss:--}" >&2
	prev_t=$t
	prev_done=$done_now
	jobs_done=$(echo "$status" | jq '.jobs.done + .jobs.failed')
	[ "$jobs_done" -lt "$JOBS" ] || break
	awk -v t="$t" -v max="$MAX_S" 'BEGIN { exit !(t > max) }' && {
		echo "soak: not done after $MAX_S s" >&2
		exit 1
	}
done
finished=$(elapsed)
touch "$work/stop"
wait "$killer" || true
killer=""
restarts=$(ctl status | jq '.workers.process.restarts')
failed_jobs=$(ctl status | jq '.jobs.failed')
kill -TERM "$daemon"
exit_status=0
wait "$daemon" || exit_status=$?
daemon=""

# One record per line of each job file: lost = seqs without one, doubled =
# records beyond the first for a seq.
: >"$work/tally"
for journal in "$work"/state/done/*.jsonl; do
	lines=$(wc -l <"${journal%.jsonl}.urls")
	awk -v n="$lines" '
		match($0, /"seq":[0-9]+/) { seq = substr($0, RSTART + 6, RLENGTH - 6) + 0
			if (seq >= n) bad++; else if (seen[seq]++) doubled++; else distinct++
			records++ }
		!/"seq":[0-9]+/ { bad++ }
		/"code":"worker_crash"/ { crash++ }
		END { printf "%d %d %d %d %d %d\n", n, records, n - distinct, doubled, bad, crash }
	' "$journal" >>"$work/tally"
done
read -r lines records lost doubled bad crash <<EOF
$(awk '{ for (i = 1; i <= 6; i++) s[i] += $i } END { printf "%d %d %d %d %d %d", s[1], s[2], s[3], s[4], s[5], s[6] }' "$work/tally")
EOF
journals=$(wc -l <"$work/tally")
kills=$(wc -l <"$work/kills")

# Start: the first sample at or after the warm-up; end: the last.
read -r start_t start_rss end_t end_rss <<EOF
$(awk -v w="$WARMUP_S" '$1 >= w && !s { st = $1; sr = $4; s = 1 } { et = $1; er = $4 }
	END { print st + 0, sr + 0, et + 0, er + 0 }' "$work/samples")
EOF
growth=$(echo "$start_rss $end_rss" | awk '{ printf("%.1f", $1 > 0 ? ($2 - $1) * 100 / $1 : 0) }')
worker_range=$(awk -v w="$WARMUP_S" '$1 >= w && $5 != "-" { for (i = 5; i <= NF; i++) {
	if (!min || $i < min) min = $i; if ($i > max) max = $i } }
	END { printf "%d-%d", min, max }' "$work/samples")
mean_rate=$(echo "$records $finished" | awk '{ printf "%.0f", $1 / $2 }')

verdict=pass
check() { # check WHAT OK
	if [ "$2" = 1 ]; then echo "- [x] $1"; else echo "- [ ] $1 (missed)"; verdict=fail; fi
}
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }

{
	echo "# Soak: $URLS URLs through the daemon while its workers are killed"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, crawld $("$CRAWLD" --version | awk '{ print $2 }'):"
	echo "$THREADS thread(s), $PROCESSES worker processes, inflight $INFLIGHT,"
	echo "respawn_backoff_max $RESPAWN_MAX_S s; $JOBS job files; one URL in $SITE_EVERY a /site/ page,"
	echo "the rest /delay?ms=0. A random worker process killed (SIGKILL) every"
	echo "$KILL_MIN_S-$KILL_MAX_S s; RSS (VmRSS) sampled every $SAMPLE_S s."
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| crawl time | $finished s |"
	echo "| mean throughput | $mean_rate records/s |"
	echo "| worker processes killed | $kills (crawld counted $restarts restarts) |"
	echo "| journals in done/ | $journals of $JOBS ($failed_jobs jobs failed) |"
	echo "| records | $records for $lines lines |"
	echo "| lost / doubled / malformed | $lost / $doubled / $bad |"
	echo "| records with error worker_crash | $crash |"
	echo "| supervisor RSS at $start_t s (start) | $start_rss KiB |"
	echo "| supervisor RSS at $end_t s (end) | $end_rss KiB |"
	echo "| supervisor RSS growth | $growth % |"
	echo "| worker process RSS after warm-up | $worker_range KiB |"
	echo "| crawld exit status on SIGTERM | $exit_status |"
	echo
	check "no record lost" "$(ok "$lost == 0 && $journals == $JOBS && $records == $lines + $doubled")"
	check "no record doubled" "$(ok "$doubled == 0 && $bad == 0")"
	check "supervisor RSS growth under $RSS_LIMIT_PCT %" "$(ok "$growth < $RSS_LIMIT_PCT")"
	check "crawld exits 0 on SIGTERM" "$(ok "$exit_status == 0")"
	echo
	echo "## Over time"
	echo
	echo "| t (s) | records | records/s | supervisor RSS (KiB) | worker RSS (KiB, each) |"
	echo "| ---: | ---: | ---: | ---: | --- |"
	awk '{ w = $5; for (i = 6; i <= NF; i++) w = w ", " $i
		printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, w }' "$work/samples"
} >"$work/report"
cat "$work/report"
cp "$work/report" "$SOAK"
echo "soak: report written to $SOAK" >&2
[ "$verdict" = pass ]
