#!/bin/sh
# crawl_rss.sh - crawld's memory over a recursive crawl of a million pages: the
# URLs a job finds go to a file that is also their queue, and the seen-set
# keeps 44-bit digests, so RSS should hardly grow with the pages crawled.
# Local only: the project's test server on 127.0.0.1, stopped here by its
# PID. Needs CRAWLD and TESTSERVER (make bench-crawl-rss sets them; it also
# sets SEEN_FP, bench/seen_fp, for the seen-set's own bytes). Writes
# CRAWL_RSS (default: CRAWL_RSS.md beside this script).
#
#   make bench-crawl-rss
#   PAGES=200000 MARK=20000 sh bench/crawl_rss.sh
#
# One crawl: testserver --pages PAGES serves /site/N linking to
# /site/(N+1)%PAGES and /site/(N*7+3)%PAGES; crawld --once starts from
# /site/0 with --depth DEPTH (1,000,000, the most crawld takes), --scope
# host. Every second the script reads VmRSS of the supervisor and of its
# whole process tree (the worker processes), the records written so far and
# the size of the file of found URLs; it keeps /proc/PID/smaps at MARK
# records and at the last sample, to say which mappings grew.
# Target: RSS at PAGES records / RSS at MARK records <= 1.10, supervisor and
# tree alike. The crawl must give exactly PAGES records, every /site/N once
# with status 200, or the script exits 1 after the report.
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
PAGES=${PAGES:-1000000}
MARK=${MARK:-100000}
DEPTH=${DEPTH:-1000000}
# Worker processes, so that the supervisor's RSS is the frontier's, the
# seen-set's and the records' alone, and the workers' (libcurl, libxml2)
# shows apart. One host crawled as hard as crawld goes, as in engine.sh: the
# most per host it allows and no robots.txt (the test server has none).
FLAGS=${FLAGS:-"--threads 0 --processes 2 --inflight 32 --per-host 16384 --ignore-robots"}
SEEN_FP=${SEEN_FP:-}
TIMEOUT=${TIMEOUT:-1800}
WAIT_IDLE=${WAIT_IDLE:-60}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
CRAWL_RSS=${CRAWL_RSS:-$here/CRAWL_RSS.md}
# say, calc, now, wait_idle, stop_all
# shellcheck source=bench/common.sh
. "$here/common.sh"

CRAWLD=$(absolute "$CRAWLD")
TESTSERVER=$(absolute "$TESTSERVER")
[ -z "$SEEN_FP" ] || SEEN_FP=$(absolute "$SEEN_FP")
CRAWL_RSS=$(absolute "$CRAWL_RSS")
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

# crawld's most depth: DEPTH must be taken and DEPTH + 1 refused (exit 2).
: >empty.txt
depth_ok=yes
"$CRAWLD" --once empty.txt --depth "$DEPTH" --output /dev/null 2>/dev/null || depth_ok=no
rc=0
"$CRAWLD" --once empty.txt --depth $((DEPTH + 1)) --output /dev/null 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || depth_ok=no
if [ "$depth_ok" = no ]; then
	say "--depth $DEPTH is not crawld's most depth (--depth $((DEPTH + 1)) gave exit $rc)"
	failed=1
fi

# The site's own depths: a breadth-first walk of its links from /site/0
# gives each page's fewest links from the seed; the largest must be within
# DEPTH, or a single seed would not reach every page.
say "walking the site's $PAGES pages breadth first"
bfs=$(awk -v n="$PAGES" 'BEGIN {
	for (i = 0; i < n; i++) d[i] = -1
	d[0] = 0; q[0] = 0; head = 0; tail = 1; most = 0
	while (head < tail) {
		x = q[head]; delete q[head]; head++
		y[1] = (x + 1) % n; y[2] = (x * 7 + 3) % n
		for (k = 1; k <= 2; k++)
			if (d[y[k]] < 0) { d[y[k]] = d[x] + 1; q[tail++] = y[k]; if (d[y[k]] > most) most = d[y[k]] }
	}
	print most, n - tail }')
read -r bfs_depth bfs_unreached <<EOF
$bfs
EOF
if [ "$bfs_unreached" -ne 0 ] || [ "$bfs_depth" -gt "$DEPTH" ]; then
	say "from /site/0, $bfs_unreached pages are out of reach and the deepest is $bfs_depth links away"
	failed=1
fi

"$TESTSERVER" --quiet --pages "$PAGES" >ts.ports 2>ts.log &
pids="$pids $!"
for _ in $(seq 100); do [ -s ts.ports ] && break; sleep 0.1; done
port=$(head -n 1 ts.ports)
[ -n "$port" ] || { say "the test server did not start"; cat ts.log >&2; exit 1; }
base="http://127.0.0.1:$port"
echo "$base/site/0" >seeds.txt

# tree_rss PID: VmRSS in KiB of PID and all its descendants
tree_rss() {
	t_sum=0
	t_level=$1
	while [ -n "$t_level" ]; do
		t_next=""
		for t_pid in $t_level; do
			t_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$t_pid/status" 2>/dev/null || :)
			t_sum=$((t_sum + ${t_kib:-0}))
			t_next="$t_next $(ps -o pid= --ppid "$t_pid" 2>/dev/null | tr '\n' ' ')"
		done
		t_level=$(echo "$t_next" | tr -s ' ')
		[ "$t_level" != " " ] || t_level=""
	done
	echo "$t_sum"
}
# found_bytes PID: bytes of the unnamed files PID holds open (O_TMPFILE: the
# file of found URLs, and a spill file if a queue went to disk)
found_bytes() {
	f_sum=0
	for f_fd in /proc/"$1"/fd/*; do
		case $(readlink "$f_fd" 2>/dev/null) in
		*"(deleted)") f_sum=$((f_sum + $(stat -L -c %s "$f_fd" 2>/dev/null || echo 0))) ;;
		esac
	done
	echo "$f_sum"
}

wait_idle
# The records go through a FIFO to awk, which keeps "url status depth" of
# each and flushes every 1,000 lines, so that the line count of recs is the
# records written so far (give or take what sits in the pipe and awk's
# input buffer: a few hundred records) and the full records, about 900
# bytes each, never touch the disk.
mkfifo out.fifo
awk '{
	url = ""; status = "null"; depth = -1
	if (match($0, /"url":"[^"]*"/)) url = substr($0, RSTART + 7, RLENGTH - 8)
	if (match($0, /"status":[0-9]+/)) status = substr($0, RSTART + 9, RLENGTH - 9)
	if (match($0, /"depth":[0-9]+/)) depth = substr($0, RSTART + 8, RLENGTH - 8)
	print url, status, depth >"recs"
	if (NR % 1000 == 0) fflush("recs")
}' <out.fifo &
reader=$!
say "crawling $PAGES pages of $base/site/ from /site/0, --depth $DEPTH"
start=$(now)
# shellcheck disable=SC2086
"$CRAWLD" --once seeds.txt --depth "$DEPTH" --scope host $FLAGS --output out.fifo 2>crawld.err &
crawld=$!
pids="$pids $crawld"
# samples: seconds records supervisor-KiB tree-KiB supervisor-HWM-KiB
# supervisor-anonymous-KiB found-file-bytes
: >samples
marked=no
smaps_mark_recs=0
deadline=$(($(date +%s) + TIMEOUT))
while kill -0 "$crawld" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		say "crawld still ran after $TIMEOUT s: stopped"
		kill -TERM "$crawld" 2>/dev/null || :
		failed=1
		break
	fi
	s_t=$(calc "$(now) - $start")
	s_sup=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' "/proc/$crawld/status" 2>/dev/null || :)
	s_anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$crawld/smaps_rollup" 2>/dev/null || :)
	s_tree=$(tree_rss "$crawld")
	s_found=$(found_bytes "$crawld")
	cp "/proc/$crawld/smaps" smaps.now 2>/dev/null || :
	s_recs=$(wc -l <recs 2>/dev/null || echo 0)
	[ -n "$s_sup" ] || break
	set -- $s_sup
	echo "$s_t $s_recs $1 $s_tree $2 ${s_anon:-0} $s_found" >>samples
	if [ -s smaps.now ]; then
		if [ "$marked" = no ] && [ "$s_recs" -ge "$MARK" ]; then
			cp smaps.now smaps.mark
			smaps_mark_recs=$s_recs
			marked=yes
		fi
		mv smaps.now smaps.last
	fi
	sleep 1
done
crawld_rc=0
wait "$crawld" || crawld_rc=$?
end=$(now)
wait "$reader" || :
pids=$(echo "$pids" | sed "s/ $crawld\$//")
wall=$(calc "$end - $start")
say "crawld exited $crawld_rc after $wall s"

# --- checks ----------------------------------------------------------------
records=$(wc -l <recs)
ok200=$(awk '$2 == 200 { n++ } END { print n + 0 }' recs)
distinct=$(cut -d' ' -f1 recs | sort -u | wc -l)
# every URL one of /site/0 .. /site/PAGES-1 of this server, each once
in_site=$(awk -v b="$base/site/" -v n="$PAGES" 'index($1, b) == 1 {
	k = substr($1, length(b) + 1)
	if (k ~ /^(0|[1-9][0-9]*)$/ && k + 0 < n) c++ } END { print c + 0 }' recs)
most_depth=$(awk '$3 > m { m = $3 } END { print m + 0 }' recs)
checks="$records records, $distinct distinct URLs, $in_site of them pages of the site, $ok200 with status 200"
if [ "$records" -ne "$PAGES" ] || [ "$distinct" -ne "$PAGES" ] || [ "$in_site" -ne "$PAGES" ] ||
	[ "$ok200" -ne "$PAGES" ] || [ "$crawld_rc" -ne 0 ]; then
	say "the crawl is wrong: $checks, exit $crawld_rc"
	failed=1
	verified="**NO**: $checks, exit $crawld_rc"
else
	verified="yes: $checks, crawld exit 0"
fi

# --- figures -----------------------------------------------------------------
# at MARK: the first sample with MARK records or more; at the end: the last
# sample, taken while crawld still ran
# At MARK: the samples on either side of MARK records, interpolated to
# MARK exactly (a second holds some 15,000 records), the first at or past it
# when there is none before.
mark_row=$(awk -v m="$MARK" '$2 >= m {
	if (prev == "" || $2 == p[2]) { print; exit }
	f = (m - p[2]) / ($2 - p[2]); $2 = m
	for (i = 3; i <= NF; i++) $i = sprintf("%.0f", p[i] + f * ($i - p[i]))
	print; exit }
	{ prev = $0; for (i = 1; i <= NF; i++) p[i] = $i }' samples)
last_row=$(tail -n 1 samples)
[ -n "$mark_row" ] || { mark_row="0 0 0 0 0 0 0"; failed=1; say "no sample at $MARK records"; }
read -r _ m_recs m_sup m_tree m_hwm _ _ <<EOF
$mark_row
EOF
read -r _ l_recs l_sup l_tree _ _ _ <<EOF
$last_row
EOF
hwm_end=$(awk '{ if ($5 > h) h = $5 } END { print h + 0 }' samples)
r_sup=$(calc "$l_sup / ($m_sup > 0 ? $m_sup : 1)")
r_tree=$(calc "$l_tree / ($m_tree > 0 ? $m_tree : 1)")
r_hwm=$(calc "$hwm_end / ($m_hwm > 0 ? $m_hwm : 1)")
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { awk -v r="$1" 'BEGIN { print (r <= 1.10) ? "**met**" : "**NOT met**" }'; }

# What grew between the two smaps: Rss by mapping (its path, or [heap],
# [stack], or "anonymous" for the mappings without a name), largest growth
# first.
smaps_by_name() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "anonymous"; next }
		/^Rss:/ { rss[name] += $2 }
		END { for (k in rss) print k, rss[k] }' "$1"
}
if [ -s smaps.mark ] && [ -s smaps.last ]; then
	smaps_by_name smaps.mark | sort >grow.mark
	smaps_by_name smaps.last | sort >grow.last
	join -a 1 -a 2 -e 0 -o 0,1.2,2.2 grow.mark grow.last |
		awk '{ print $3 - $2, $1, $2, $3 }' | sort -k1,1nr >grow
else
	: >grow
fi

# The seen-set by itself at both counts (bench/seen_fp adds generated URLs
# of a similar length to a set; its size depends on the count).
seen_at() {
	"$SEEN_FP" "$1" 2>/dev/null | awk '/^seen_bytes/ { printf "%.2f", $2 / 1048576 }'
}
seen_mark="-" seen_end="-"
if [ -n "$SEEN_FP" ] && [ -x "$SEEN_FP" ]; then
	seen_mark=$(seen_at "$MARK")
	seen_end=$(seen_at "$PAGES")
fi

# a row every tenth of the crawl, from the samples
curve() {
	awk -v step="$((PAGES / 10))" -v mark="$MARK" '
		function row() { printf "| %.0f | %d | %.1f | %.1f | %.1f | %.1f |\n", $1, $2, $3 / 1024, $4 / 1024, $6 / 1024, $7 / 1048576; shown = NR }
		$2 >= next_at || ($2 >= mark && !marked) { row(); while (next_at <= $2) next_at += step }
		$2 >= mark { marked = 1 }
		END { if (shown != NR) row() }' samples
}

{
	echo "# crawld's memory over a recursive crawl of $PAGES pages"
	echo
	echo "Written by \`make bench-crawl-rss\` (bench/crawl_rss.sh) on $started; it took $(calc "$(now) - $t0" | cut -d. -f1) s."
	echo "One crawl; the test server ran on 127.0.0.1."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
	echo "| cores | $(nproc) |"
	echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| system | Debian $(cat /etc/debian_version 2>/dev/null || echo '?') |"
	# idle_start: set by wait_idle (common.sh)
	# shellcheck disable=SC2154
	echo "| CPUs idle in the second before the run | $idle_start% |"
	echo "| crawld | $("$CRAWLD" --version | head -n 1), commit $(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown) |"
	echo
	echo "## Targets"
	echo
	echo "| target | figure | threshold | verdict |"
	echo "| --- | --- | --- | --- |"
	echo "| supervisor VmRSS at $l_recs records / at $m_recs | $(mib "$l_sup") / $(mib "$m_sup") MiB = $(printf '%.3f' "$r_sup") | <= 1.10 | $(verdict "$r_sup") |"
	echo "| supervisor + workers VmRSS at $l_recs records / at $m_recs | $(mib "$l_tree") / $(mib "$m_tree") MiB = $(printf '%.3f' "$r_tree") | <= 1.10 | $(verdict "$r_tree") |"
	echo
	echo "RSS at $m_recs records is interpolated between the samples either side of it; at $l_recs, the last"
	echo "sample taken while crawld ran. Beside them, the supervisor's peak (VmHWM) by the end over its peak at"
	echo "$m_recs records: $(mib "$hwm_end") / $(mib "$m_hwm") MiB = $(printf '%.3f' "$r_hwm")."
	if [ "$seen_end" != "-" ]; then
		echo
		echo "The supervisor grew by $(mib $((l_sup - m_sup))) MiB between the two. The seen-set's tables by themselves grow by"
		echo "$(calc "$seen_end - $seen_mark" | awk '{ printf "%.1f", $1 }') MiB from $MARK to $PAGES URLs (bench/seen_fp: $seen_mark and $seen_end MiB): it keeps a digest of"
		echo "every URL the job has found in memory, $(calc "$seen_end * 1048576 / $PAGES" | awk '{ printf "%.1f", $1 }') bytes a URL at $PAGES URLs ($(calc "($seen_end - $seen_mark) * 1048576 / ($PAGES - $MARK)" | awk '{ printf "%.1f", $1 }') a URL"
		echo "added past $MARK; seen.h: 4.6 to 6.9 bytes a URL as its tables fill and grow), so it grows with the crawl by design."
		echo "The rest, $(calc "($l_sup - $m_sup) / 1024 - ($seen_end - $seen_mark)" | awk '{ printf "%.1f", $1 }') MiB, is not split further here."
	fi
	echo
	echo "## The crawl"
	echo
	echo "- command: \`crawld --once seeds.txt --depth $DEPTH --scope host $FLAGS --output out.fifo\`,"
	echo "  seeds.txt holding the one line \`http://127.0.0.1:PORT/site/0\`; test server: \`testserver --quiet --pages $PAGES\`"
	echo "- took $(printf '%.1f' "$wall") s, $(calc "$records / $wall" | cut -d. -f1) records/s, crawld exit $crawld_rc"
	echo "- exactly the site's pages: $verified"
	echo "- depth: --depth $DEPTH is crawld's most (it takes $DEPTH and refuses $((DEPTH + 1)) with exit 2: $depth_ok)."
	echo "  The site's links from /site/0 reach every page within $bfs_depth links (a breadth-first walk of the"
	echo "  graph; $bfs_unreached pages out of reach), so the one seed /site/0 reaches them all. crawld does not crawl"
	echo "  breadth first, so a page's depth is that of the page that found it first, plus one: the deepest"
	echo "  record has depth $most_depth. Any depth is the length of a path without repeats, below $PAGES, so"
	echo "  within $DEPTH whatever the order."
	echo
	echo "## RSS over the crawl"
	echo
	echo "Sampled every second while crawld ran. Records: lines written so far (read through a FIFO; a few"
	echo "hundred may still sit in the pipe). Supervisor: VmRSS of crawld's process; tree: VmRSS of it and its"
	echo "worker processes summed (shared pages counted in each); anonymous: the supervisor's anonymous"
	echo "memory (smaps_rollup), its heap and malloc's arenas; found file: bytes of the unnamed files it holds"
	echo "open, the URLs found (and queue spill files, if any)."
	echo
	echo "| s | records | supervisor MiB | tree MiB | supervisor anonymous MiB | found file MiB |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
	curve
	echo
	echo "## What grew"
	echo
	echo "The supervisor's Rss by mapping (/proc/PID/smaps) at the first sample past $MARK records ($smaps_mark_recs) and at the last"
	echo "($l_recs records), mappings that changed by 64 KiB or more, the largest growth first:"
	echo
	echo "| mapping | KiB at $smaps_mark_recs | KiB at $l_recs | growth KiB |"
	echo "| --- | ---: | ---: | ---: |"
	awk '$1 >= 64 || $1 <= -64 { printf "| %s | %d | %d | %+d |\n", $2, $3, $4, $1 }' grow
	echo
	echo "The seen-set alone (bench/seen_fp, its seen_bytes after adding that many generated URLs):"
	echo "$seen_mark MiB at $MARK URLs, $seen_end MiB at $PAGES."
} >"$CRAWL_RSS"
say "wrote $CRAWL_RSS"
cat "$CRAWL_RSS" >&2
exit "$failed"
