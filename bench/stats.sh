#!/bin/sh
# stats.sh - what recording live statistics costs: the same job through the
# service built with statistics (CRAWLD) and without (CRAWLD_NOSTATS,
# configure --disable-stats), alternating, RUNS times each. The time of a
# run is from the first to the last record's fetched_at, so start-up and
# polling do not count. Local only: URLs point at the test server on
# 127.0.0.1.
#
#   URLS=50000 RUNS=5 sh bench/stats.sh
set -eu

: "${CRAWLD:?set CRAWLD}"
: "${CRAWLD_NOSTATS:?set CRAWLD_NOSTATS}"
: "${TESTSERVER:?set TESTSERVER}"
URLS=${URLS:-50000}
RUNS=${RUNS:-5}
# Every URL here is on one host, crawled as hard as crawld goes: the cost of
# statistics shows against the engine, so its politeness (4 fetches at once
# per host and a robots.txt first, by default) is lifted: the most per host
# it allows, no robots.txt.
one_host="--per-host 16384 --ignore-robots"

work=$(mktemp -d)
"$TESTSERVER" --quiet >"$work/ports" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT INT TERM
while [ ! -s "$work/ports" ]; do sleep 0.1; done
base="http://127.0.0.1:$(head -n 1 "$work/ports")"
awk -v n="$URLS" -v base="$base" \
	'BEGIN { for (i = 0; i < n; i++) printf "%s/delay?ms=0&n=%d\n", base, i }' >"$work/urls.txt"
: >"$work/empty.conf"

# run BINARY: one job through a fresh daemon; prints its seconds
run() {
	rm -rf "$work/state" "$work/run"
	# shellcheck disable=SC2086
	"$1" --config "$work/empty.conf" --state-dir "$work/state" \
		--runtime-dir "$work/run" --threads 2 --processes 0 $one_host 2>"$work/log" &
	daemon=$!
	while [ ! -d "$work/state/incoming/.tmp" ]; do sleep 0.05; done
	cp "$work/urls.txt" "$work/state/incoming/.tmp/job"
	mv "$work/state/incoming/.tmp/job" "$work/state/incoming/job"
	until ls "$work"/state/done/*.jsonl >/dev/null 2>&1; do sleep 0.05; done
	kill "$daemon"
	wait "$daemon" || true
	records=$(cat "$work"/state/done/*.jsonl | wc -l)
	[ "$records" -eq "$URLS" ] || { echo "$1: $records records" >&2; exit 1; }
	jq -r '.fetched_at' "$work"/state/done/*.jsonl | sort | sed -n '1p;$p' |
		while read -r at; do date -d "$at" +%s.%N; done | paste -sd' ' |
		awk '{ printf "%.3f\n", $2 - $1 }'
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$work/on"
: >"$work/off"
for i in $(seq "$RUNS"); do
	run "$CRAWLD" >>"$work/on"
	run "$CRAWLD_NOSTATS" >>"$work/off"
done
on=$(median <"$work/on")
off=$(median <"$work/off")
echo "$URLS URLs through the service, --threads 2, median of $RUNS runs each, $(nproc) CPUs"
printf '%-22s %10s %12s\n' build seconds pages/s
printf '%-22s %10.3f %12.1f\n' "statistics on" "$on" "$(echo "$URLS / $on" | bc -l)"
printf '%-22s %10.3f %12.1f\n' "statistics compiled out" "$off" "$(echo "$URLS / $off" | bc -l)"
printf 'cost of statistics: %.2f%% of throughput\n' "$(echo "($on - $off) / $off * 100" | bc -l)"
