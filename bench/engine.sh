#!/bin/sh
# engine.sh - pages/s of crawld --once in each worker mode, and peak RSS against the
# length of the URL file. Local only: every URL points at the project's test server on
# 127.0.0.1. Needs CRAWLD and TESTSERVER (make bench sets them) and GNU time.
#
#   URLS=10000 DELAY_MS=50 RUNS=3 sh bench/engine.sh modes
#   RSS_LINES="10000 1000000" sh bench/engine.sh rss
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
URLS=${URLS:-10000}
DELAY_MS=${DELAY_MS:-50}
RUNS=${RUNS:-3}
INFLIGHT=${INFLIGHT:-32}
RSS_LINES=${RSS_LINES:-"10000 100000 1000000"}
# Every URL here is on one host, crawled as hard as crawld goes: these figures
# are the engine's, so its politeness (4 fetches at once per host and a
# robots.txt first, by default) is lifted: the most per host it allows, no
# robots.txt. bench/politeness.sh measures what politeness costs.
one_host="--per-host 16384 --ignore-robots"
# Each mode as "name|crawld flags". Sequential is the baseline: one fetch at a time.
MODES=${MODES:-"sequential|--threads 1 --processes 0 --inflight 1
threads|--threads 2 --processes 0 --inflight $INFLIGHT
processes|--threads 0 --processes 2 --inflight $INFLIGHT
mixed|--threads 1 --processes 1 --inflight $INFLIGHT"}

work=$(mktemp -d)
"$TESTSERVER" --quiet >"$work/ports" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT INT TERM
while [ ! -s "$work/ports" ]; do sleep 0.1; done
base="http://127.0.0.1:$(head -n 1 "$work/ports")"

# url_list COUNT DELAY FILE: COUNT distinct URLs of the delay route.
url_list() {
	awk -v n="$1" -v base="$base" -v ms="$2" \
		'BEGIN { for (i = 0; i < n; i++) printf "%s/delay?ms=%d&n=%d\n", base, ms, i }' >"$3"
}

# median of the numbers on standard input
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

modes() {
	url_list "$URLS" "$DELAY_MS" "$work/urls.txt"
	echo "$URLS URLs, server delay $DELAY_MS ms, median of $RUNS runs, $(nproc) CPUs"
	printf '%-12s %12s %12s %10s  %s\n' mode "wall s" "pages/s" speedup flags
	baseline=""
	echo "$MODES" | while IFS='|' read -r name flags; do
		: >"$work/rates"
		: >"$work/walls"
		for run in $(seq "$RUNS"); do
			start=$(date +%s.%N)
			# shellcheck disable=SC2086
			"$CRAWLD" --once "$work/urls.txt" $flags $one_host --output "$work/out.jsonl" 2>/dev/null
			end=$(date +%s.%N)
			records=$(wc -l <"$work/out.jsonl")
			ok=$(grep -c '"ok":true' "$work/out.jsonl" || true)
			if [ "$records" -ne "$URLS" ] || [ "$ok" -ne "$URLS" ]; then
				echo "$name run $run: $records records, $ok ok (expected $URLS)" >&2
				exit 1
			fi
			echo "$end - $start" | bc -l >>"$work/walls"
			echo "$URLS / ($end - $start)" | bc -l >>"$work/rates"
		done
		wall=$(median <"$work/walls")
		rate=$(median <"$work/rates")
		[ -n "$baseline" ] || baseline=$rate
		printf '%-12s %12.2f %12.1f %9.1fx  %s\n' "$name" "$wall" "$rate" \
			"$(echo "$rate / $baseline" | bc -l)" "$flags"
		# The subshell of this loop keeps baseline across iterations.
	done
}

rss() {
	echo "peak RSS of the supervisor (GNU time, KiB) against URL-file length; --threads 2"
	printf '%-10s %12s %12s\n' lines "peak KiB" "pages/s"
	for lines in $RSS_LINES; do
		url_list "$lines" 0 "$work/urls.txt"
		start=$(date +%s.%N)
		# shellcheck disable=SC2086
		/usr/bin/time -f '%M' -o "$work/rss" "$CRAWLD" --once "$work/urls.txt" \
			--threads 2 --processes 0 $one_host --output /dev/null 2>/dev/null
		end=$(date +%s.%N)
		printf '%-10s %12s %12.1f\n' "$lines" "$(cat "$work/rss")" \
			"$(echo "$lines / ($end - $start)" | bc -l)"
	done
}

case "${1:-modes}" in
modes) modes ;;
rss) rss ;;
*) echo "usage: engine.sh modes|rss" >&2; exit 2 ;;
esac
