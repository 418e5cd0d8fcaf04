#!/bin/sh
# tools.sh - crawld against the tools a user would otherwise reach for, on the
# same URL list, plus crawld's memory per transfer in flight. Local only:
# every URL points at 127.0.0.1 (the project's test server, and nginx when it
# is installed); every server started here is stopped here, by its PID.
# Needs CRAWLD and TESTSERVER (make bench sets them). Writes RESULTS
# (default: RESULTS.md beside this script) once every part has run.
#
#   sh bench/tools.sh            install what is missing (root + apt-get), run, report
#   sh bench/tools.sh install    only install what is missing
#   RUNS=5 PROFILE=no sh bench/tools.sh
#
# The figures mean little while something else loads the machine: before it
# starts, the script waits up to WAIT_IDLE seconds for the CPUs to be 90%
# idle, and RESULTS says how idle they were.
#
# Three parts, each figure the median of RUNS runs:
#   io      IO_URLS URLs of the test server's /delay?ms=IO_DELAY_MS route at
#           concurrency IO_WORKERS x IO_INFLIGHT: crawld's modes, curl
#           --parallel, wget2 and xargs -P with curl. Target: crawld's best
#           mode reaches 90% of concurrency / delay and beats curl --parallel.
#   static  a generated site of STATIC_PAGES pages served by nginx (the test
#           server's /site/N when nginx is missing), no delay, every page
#           once at concurrency STATIC_CONC, the same tools, and wrk -t2 for
#           the server's own ceiling. Targets: crawld's best mode makes at
#           least 1.5x the pages/s of curl --parallel and 30% of wrk's
#           requests/s.
#   memory  crawld --once on MEM_URLS URLs of /delay?ms=MEM_DELAY_MS with
#           MEM_INFLIGHT transfers in flight: RSS (supervisor + worker
#           processes) at full flight minus the idle RSS of the same
#           processes before the first URL, per transfer. Target: under
#           64 KiB.
# A missed speed target is profiled with perf (PROFILE=auto, the default) and
# the top functions go into RESULTS. Each tool's run is bounded by TIMEOUT
# seconds; a tool that is not installed gets a "not installed" row.
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
RUNS=${RUNS:-3}
IO_URLS=${IO_URLS:-10000}
IO_DELAY_MS=${IO_DELAY_MS:-100}
IO_WORKERS=${IO_WORKERS:-2}
IO_INFLIGHT=${IO_INFLIGHT:-128}
STATIC_PAGES=${STATIC_PAGES:-20000}
XARGS_URLS=${XARGS_URLS:-2000}
STATIC_CONC=${STATIC_CONC:-64}
WRK_SECONDS=${WRK_SECONDS:-10}
MEM_URLS=${MEM_URLS:-8192}
MEM_INFLIGHT=${MEM_INFLIGHT:-4096}
MEM_DELAY_MS=${MEM_DELAY_MS:-2000}
TIMEOUT=${TIMEOUT:-300}
INSTALL=${INSTALL:-auto}
PROFILE=${PROFILE:-auto}
PARTS=${PARTS:-"io static memory"}
WAIT_IDLE=${WAIT_IDLE:-120}
NGINX=${NGINX:-auto}
here=$(cd "$(dirname "$0")" && pwd)
RESULTS=${RESULTS:-$here/RESULTS.md}
# Every list here is one host crawled as hard as crawld goes: these figures
# are the engine's, so its politeness (4 fetches at once per host and a
# robots.txt first, by default) is lifted: the most per host it allows, no
# robots.txt. bench/politeness.sh measures what politeness costs.
one_host="--per-host 16384 --ignore-robots"

# have, say, apt_install, the static site and its nginx, wait_idle
# shellcheck source=bench/common.sh
. "$here/common.sh"

# --- tools: install what is missing when root on Debian --------------------
# nginx-light is nginx plus one module; plain nginx does as well. A service
# the package starts is not ours: on Debian the package starts nginx only
# where invoke-rc.d allows it (a container's policy-rc.d usually forbids it).
install_missing() {
	missing=""
	have nginx || missing="$missing nginx-light|nginx"
	have wget2 || missing="$missing wget2"
	have wrk || missing="$missing wrk"
	have curl || missing="$missing curl"
	have jq || missing="$missing jq"
	have bc || missing="$missing bc"
	[ -x /usr/bin/time ] || missing="$missing time"
	have perf || missing="$missing linux-perf"
	have ss || missing="$missing iproute2"
	have ps || missing="$missing procps"
	# One argument per package: the split is wanted.
	# shellcheck disable=SC2086
	apt_install $missing
}

case "${1:-all}" in
install) install_missing; exit 0 ;;
all) ;;
*) say "usage: tools.sh [all|install]"; exit 2 ;;
esac
install_missing
have curl || { say "curl is needed to check the servers"; exit 1; }

# 4,096 sockets in one process, and more with the servers' side (dash,
# bash and busybox sh all have ulimit -n).
# shellcheck disable=SC3045
ulimit -n "$(ulimit -H -n)" 2>/dev/null || :

CRAWLD=$(absolute "$CRAWLD")
# Optional: bench/libcurl_only (make bench-tools builds it), set beside
# crawld on the static list.
LIBCURL_ONLY=${LIBCURL_ONLY:-}
[ -z "$LIBCURL_ONLY" ] || LIBCURL_ONLY=$(absolute "$LIBCURL_ONLY")
TESTSERVER=$(absolute "$TESTSERVER")
case $RESULTS in /*) ;; *) RESULTS=$(pwd)/$RESULTS ;; esac

work=$(mktemp -d)
pids=""
cleanup() {
	: >"$work/gate" 2>/dev/null || :
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

# How a command is shown in RESULTS: the binaries by name, files relative to
# the scratch directory the runs happen in.
shown() {
	printf '%s\n' "$*" | sed -e "s|\"$CRAWLD\"|crawld|g" -e "s|$work/||g" \
		-e "s|\"${LIBCURL_ONLY:-/nonexistent}\"|bench/libcurl_only|g"
}

# --- servers -----------------------------------------------------------------
"$TESTSERVER" --quiet --pages "$STATIC_PAGES" >ts.ports 2>ts.log &
ts_pid=$!
pids="$pids $ts_pid"
for _ in $(seq 100); do [ -s ts.ports ] && break; sleep 0.1; done
ts_port=$(head -n 1 ts.ports)
[ -n "$ts_port" ] || { say "the test server did not start"; cat ts.log >&2; exit 1; }
ts_base="http://127.0.0.1:$ts_port"

nginx_bin=""
case " $PARTS " in *" static "*) ;; *) NGINX=no ;; esac
[ "$NGINX" = no ] || nginx_bin=$(nginx_find)
static_server="test server"
static_base=$ts_base
nginx_pid=""
if [ -n "$nginx_bin" ]; then
	start_nginx || { say "nginx would not start: static pages come from the test server"; nginx_bin=""; }
fi

# --- the report --------------------------------------------------------------
: >rows     # part|tool|urls|concurrency|wall|rate|cpu|verified|cpu per page
: >rounds   # part|tool|pages/s of each round, in round order
: >commands # part|tool|command
: >targets  # target|figure|threshold|verdict
: >profiles.md

version_of() {
	case "$1" in
	crawld) "$CRAWLD" --version 2>&1 | head -n 1 ;;
	curl) curl --version | head -n 1 ;;
	wget2) have wget2 && wget2 --version 2>&1 | head -n 1 || echo "not installed" ;;
	nginx) have nginx && nginx_version || echo "not installed" ;;
	wrk) have wrk && { wrk -v 2>&1 | head -n 1 || :; } || echo "not installed" ;;
	libevent) dpkg-query -W -f '${Version}' libevent-2.1-7 2>/dev/null || echo "?" ;;
	esac
}

# --- running the tools, RUNS rounds --------------------------------------------
# plan PART TOOL CONCURRENCY EXPECTED COMMAND COUNT adds a tool to the plan.
# COMMAND (run with eval in the scratch directory, bounded by TIMEOUT) fetches
# the list; COUNT (eval) then prints how many URLs came back with status 200.
tab=$(printf '\t')
plan() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>plan
	printf '%s|%s|%s\n' "$1" "$2" "$(shown "$5")" >>commands
}

# run_plan: RUNS rounds, each running every tool of the plan once, in turn,
# so that whatever else the machine does falls on all tools alike. A row per
# tool: the median wall time, pages/s and CPU time (user + system of the
# tool and its children: GNU time), and whether every run fetched exactly
# EXPECTED pages with 200.
run_plan() {
	r_time=""
	[ ! -x /usr/bin/time ] || r_time="/usr/bin/time -f '%U %S' -o cpu.txt"
	r_count=$(wc -l <plan)
	for r_i in $(seq "$r_count"); do
		: >"walls.$r_i"
		: >"rates.$r_i"
		: >"cpus.$r_i"
		: >"verified.$r_i"
	done
	for r_run in $(seq "$RUNS"); do
		say "  round $r_run of $RUNS"
		r_i=0
		while IFS="$tab" read -r r_part r_tool r_conc r_expected r_cmd r_countcmd; do
			r_i=$((r_i + 1))
			rm -f out.jsonl codes.txt stats.csv cpu.txt floor.count
			r_start=$(now)
			r_rc=0
			eval "timeout $TIMEOUT $r_time $r_cmd" </dev/null >run.out 2>run.err || r_rc=$?
			r_end=$(now)
			[ ! -s cpu.txt ] || awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%.2f\n", $1 + $2 }' cpu.txt >>"cpus.$r_i"
			r_got=$(eval "$r_countcmd" 2>/dev/null </dev/null) || :
			r_got=${r_got:-0}
			{ calc "$r_end - $r_start"; echo; } >>"walls.$r_i"
			{ calc "$r_expected / ($r_end - $r_start)"; echo; } >>"rates.$r_i"
			if [ "$r_got" != "$r_expected" ] || [ "$r_rc" -ne 0 ]; then
				echo "NO: run $r_run got $r_got of $r_expected with 200, exit $r_rc" >>"verified.$r_i"
				say "  $r_tool: run $r_run got $r_got of $r_expected with 200, exit $r_rc; $(tail -n 2 run.err | tr '\n' ' ')"
			fi
		done <plan
	done
	r_i=0
	while IFS="$tab" read -r r_part r_tool r_conc r_expected r_cmd r_countcmd; do
		r_i=$((r_i + 1))
		r_verified=$(head -n 1 "verified.$r_i")
		[ -n "$r_verified" ] || r_verified="$r_expected/$r_expected"
		r_wall=$(median <"walls.$r_i")
		r_rate=$(median <"rates.$r_i")
		r_cpu=$(median <"cpus.$r_i")
		r_us="-"
		if [ "$r_cpu" = nan ]; then
			r_cpu="-"
		else
			r_us=$(printf '%.0f' "$(calc "$r_cpu * 1000000 / $r_expected")")
			r_cpu=$(printf '%.2f' "$r_cpu")
		fi
		printf '%s|%s|%s|%s|%.2f|%.0f|%s|%s|%s\n' "$r_part" "$r_tool" "$r_expected" "$r_conc" \
			"$r_wall" "$r_rate" "$r_cpu" "$r_verified" "$r_us" >>rows
		printf '%s|%s|%s\n' "$r_part" "$r_tool" "$(tr '\n' ' ' <"rates.$r_i")" >>rounds
		say "$(printf '  %-18s %6s URLs %8.2f s %9.0f pages/s  CPU %5s s (%4s us/page)  %s' "$r_tool" \
			"$r_expected" "$r_wall" "$r_rate" "$r_cpu" "$r_us" "$r_verified")"
	done <plan
	: >plan
}

not_installed() {
	printf '%s|%s|-|%s|-|-|-|not installed|-\n' "$1" "$2" "$3" >>rows
	say "  $2: not installed"
}

# These are eval'd in run_plan. crawld: records with status 200.
# shellcheck disable=SC2016
crawld_count='grep -c "\"status\":200," out.jsonl'
# shellcheck disable=SC2016
codes_count='grep -c "^200$" codes.txt'
# shellcheck disable=SC2016
wget2_count='awk -F, "NR > 1 && \$4 == 200" stats.csv | wc -l'

# tools PART URLFILE CONCURRENCY CRAWLD-MODES: every tool over URLFILE.
# CRAWLD-MODES is lines "name|flags", each at CONCURRENCY in flight.
tools() {
	t_part=$1 t_urls=$2 t_conc=$3 t_modes=$4
	t_n=$(wc -l <"$t_urls")
	: >plan
	echo "$t_modes" | while IFS='|' read -r t_name t_flags; do
		[ -n "$t_name" ] || continue
		plan "$t_part" "crawld $t_name" "$t_conc" "$t_n" \
			"\"$CRAWLD\" --once $t_urls $t_flags $one_host --output out.jsonl" "$crawld_count"
	done
	# libcurl with crawld's transfer options and nothing else: what one
	# thread of this libcurl reaches on the static pages.
	if [ "$t_part" = static ] && [ -x "$LIBCURL_ONLY" ]; then
		plan "$t_part" "libcurl alone" "$t_conc" "$t_n" \
			"\"$LIBCURL_ONLY\" $t_urls $t_conc >floor.count" "cat floor.count"
	fi
	# curl reads one "url" and one "output" line per transfer from its
	# config file; -w prints each transfer's status on stdout.
	awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0 }' "$t_urls" >"$t_urls.curl"
	plan "$t_part" "curl --parallel" "$t_conc" "$t_n" \
		"curl --parallel --parallel-max $t_conc -s --no-progress-meter -K $t_urls.curl -w '%{http_code}\\n' >codes.txt" \
		"$codes_count"
	if have wget2; then
		plan "$t_part" "wget2" "$t_conc" "$t_n" \
			"wget2 -q --max-threads=$t_conc -i $t_urls -O /dev/null --stats-site=csv:stats.csv" \
			"$wget2_count"
	fi
	# One curl process a URL: fork and exec bound, so it gets the first
	# XARGS_URLS URLs of the list only.
	t_xn=$XARGS_URLS
	[ "$t_xn" -le "$t_n" ] || t_xn=$t_n
	head -n "$t_xn" "$t_urls" >"$t_urls.xargs"
	plan "$t_part" "xargs -P + curl" "$t_conc" "$t_xn" \
		"xargs -d '\\n' -P $t_conc -n 1 curl -s -o /dev/null -w '%{http_code}\\n' <$t_urls.xargs >codes.txt" \
		"$codes_count"
	run_plan
	have wget2 || not_installed "$t_part" "wget2" "$t_conc"
}

# rows: part|tool|urls|concurrency|wall|rate|cpu|verified|cpu µs per page
rate_of() { awk -F'|' -v p="$1" -v t="$2" '$1 == p && $2 == t && $8 !~ /^NO/ && $6 != "-" { print $6 }' rows; }
# round_ratios PART TOOL OTHER: "median min max" of TOOL's pages/s over
# OTHER's, round by round. The rounds interleave the tools, so each ratio
# compares runs seconds apart: on a machine whose speed drifts, that is the
# comparison to trust, and the targets judge by its median.
round_ratios() {
	awk -F'|' -v p="$1" -v a="$2" -v b="$3" '
		$1 == p && $2 == a { na = split($3, ra, " ") }
		$1 == p && $2 == b { nb = split($3, rb, " ") }
		END {
			n = na < nb ? na : nb
			for (i = 1; i <= n; i++)
				if (rb[i] > 0)
					print ra[i] / rb[i]
		}' rounds | sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}
# best crawld row of a part, verified: "tool|rate"
best_crawld() {
	awk -F'|' -v p="$1" '$1 == p && $2 ~ /^crawld / && $8 !~ /^NO/ && $6 + 0 > best { best = $6 + 0; name = $2 } END { if (name != "") print name "|" best }' rows
}
flags_of() { awk -F'|' -v p="$1" -v t="$2" '$1 == p && $2 == t { print $3; exit }' commands | sed 's/.*--once [^ ]* //; s/ --output.*//'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi; }

# profile PART TOOL URLFILE: one more run of that crawld mode under perf
# (DWARF call graphs, so that time inside the stripped libraries is charged
# to crawld's functions that called them). Into the report: the CPU time of
# each process or thread, each library, the top functions by self time, and
# crawld's own functions with what they call.
profile() {
	p_flags=$(flags_of "$1" "$2")
	[ "$PROFILE" != no ] || return 0
	if ! have perf; then
		printf '\n### %s, %s list\n\nperf is not installed (package linux-perf).\n' "$2" "$1" >>profiles.md
		return 0
	fi
	say "  profiling $2 on the $1 list"
	# shellcheck disable=SC2086
	if ! timeout "$TIMEOUT" perf record -q -F 499 --call-graph dwarf,16384 -o perf.data -- \
		"$CRAWLD" --once "$3" $p_flags --output out.jsonl >perf.log 2>&1; then
		printf '\n### %s, %s list\n\nperf record failed: %s\n' "$2" "$1" "$(tail -n 1 perf.log)" >>profiles.md
		return 0
	fi
	p_report="perf report -i perf.data --stdio -g none"
	$p_report --no-children --sort pid 2>/dev/null | grep -v '^#' | grep -v '^$' >perf.pid || :
	$p_report --no-children --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' >perf.dso || :
	$p_report --children --sort pid,dso,sym --percent-limit 1 2>/dev/null |
		awk '$4 == "crawld" && $5 == "[.]"' >perf.own || :
	# the supervisor: the lowest PID (thread id) of the run
	p_super=$(awk '{ split($2, a, ":"); print a[1] }' perf.pid | sort -n | head -n 1)
	p_super_pct=$(awk -v p="$p_super" '{ split($2, a, ":"); if (a[1] == p) print $1 }' perf.pid)
	p_json_pct=$(awk '/libjansson/ { print $1 }' perf.dso)
	p_curl_pct=$(awk '/libcurl/ { print $1 }' perf.dso)
	p_kernel_pct=$(awk '/kernel/ { print $1 }' perf.dso)
	p_answer_pct=$(awk -v p="$p_super" '$3 ~ "^" p ":" && $6 == "take_answer" { print $1; exit }' perf.own)
	{
		printf '\n### %s, %s list\n\n' "$2" "$1"
		printf 'In short: of the CPU time crawld spent, the supervisor thread took %s, the rest its workers;\n' "${p_super_pct:-?}"
		printf 'the kernel took %s as self time (TCP on loopback, pipes, epoll), libcurl %s, libjansson %s.\n' "${p_kernel_pct:-?}" "${p_curl_pct:-?}" "${p_json_pct:-0%}"
		printf 'The supervisor spent %s in take_answer (pool.c): checking each result line a worker sent\n' "${p_answer_pct:-?}"
		printf '(proto_result_decode) and writing its record (job_commit).\n\n'
		printf 'A figure below is a share of all of crawld'"'"'s samples.\n\n'
		# shellcheck disable=SC2016
		printf '`perf record -F 499 --call-graph dwarf -- crawld --once %s %s --output out.jsonl`\n\n' "$3" "$p_flags"
		echo "CPU samples by thread (the supervisor is the lowest PID; worker processes and threads follow):"
		echo
		echo '```'
		head -n 8 perf.pid
		echo '```'
		echo
		echo "By thread and library (self time):"
		echo
		echo '```'
		$p_report --no-children --sort pid,dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 18
		echo '```'
		echo
		echo "By library (self time):"
		echo
		echo '```'
		head -n 10 perf.dso
		echo '```'
		echo
		echo "Top functions by self time:"
		echo
		echo '```'
		$p_report --no-children --sort dso,sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 20
		echo '```'
		echo
		echo "Transfer times of that run, from its records (ms; perf slows the run a little):"
		echo
		echo '```'
		for p_field in ttfb_ms total_ms; do
			grep -o "\"$p_field\":[0-9.]*" out.jsonl | cut -d: -f2 | sort -g |
				awk -v f="$p_field" '{ v[NR] = $1 } END { if (NR) printf "%-9s median %8.2f   p90 %8.2f   p99 %8.2f   max %8.2f   (%d records)\n", f, v[int(NR * 0.5) + 1], v[int(NR * 0.9) + 1], v[int(NR * 0.99) + 1], v[NR], NR }'
		done
		echo '```'
		echo
		echo "crawld's own functions, inclusive of what they call (children, self):"
		echo
		echo '```'
		head -n 30 perf.own
		echo '```'
	} >>profiles.md
	rm -f perf.data perf.data.old
}

wait_idle
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(now)

# the servers whose CPU time is this script's, for part_start and part_end
servers="$ts_pid $nginx_pid"
: >busy

# --- part io -----------------------------------------------------------------
io_conc=$((IO_WORKERS * IO_INFLIGHT))
awk -v n="$IO_URLS" -v base="$ts_base" -v ms="$IO_DELAY_MS" \
	'BEGIN { for (i = 0; i < n; i++) printf "%s/delay?ms=%d&n=%d\n", base, ms, i }' >urls-io.txt
io_modes="threads|--threads $IO_WORKERS --processes 0 --inflight $IO_INFLIGHT
processes|--threads 0 --processes $IO_WORKERS --inflight $IO_INFLIGHT
mixed|--threads $((IO_WORKERS / 2)) --processes $((IO_WORKERS - IO_WORKERS / 2)) --inflight $IO_INFLIGHT
1 thread|--threads 1 --processes 0 --inflight $io_conc"
case " $PARTS " in *" io "*)
	say "io: $IO_URLS URLs of $ts_base/delay?ms=$IO_DELAY_MS, concurrency $io_conc, $RUNS runs each"
	part_start
	tools io urls-io.txt "$io_conc" "$io_modes"
	part_end io
	ideal=$(calc "$io_conc * 1000 / $IO_DELAY_MS")
	best=$(best_crawld io)
	curl_rate=$(rate_of io "curl --parallel")
	if [ -n "$best" ]; then
		b_tool=${best%|*} b_rate=${best#*|}
		v1=$(verdict "$b_rate >= 0.9 * $ideal")
		printf 'I/O-bound: best crawld mode >= 90%% of concurrency/delay (%.0f pages/s)|%s: %.0f pages/s = %.1f%%|>= 90%%|%s\n' \
			"$ideal" "$b_tool" "$b_rate" "$(calc "100 * $b_rate / $ideal")" "$v1" >>targets
		if [ -n "$curl_rate" ]; then
			read -r rr_med rr_min rr_max <<EOF
$(round_ratios io "$b_tool" "curl --parallel")
EOF
			v2=$(verdict "$rr_med > 1")
			printf 'I/O-bound: best crawld mode beats curl --parallel --parallel-max %s|%.0f vs %.0f pages/s = %.2fx; round by round %.2fx (%.2f-%.2f)|> 1x|%s\n' \
				"$io_conc" "$b_rate" "$curl_rate" "$(calc "$b_rate / $curl_rate")" "$rr_med" "$rr_min" "$rr_max" "$v2" >>targets
		else
			v2="NOT met"
			echo "I/O-bound: best crawld mode beats curl --parallel|curl not measured|> 1x|not measured" >>targets
		fi
		case "$v1 $v2" in *NOT*) profile io "$b_tool" urls-io.txt ;; esac
	else
		echo "I/O-bound: crawld|no verified crawld run|-|NOT met" >>targets
	fi
	;;
esac

# --- part static ---------------------------------------------------------------
st_half=$((STATIC_CONC / 2))
static_modes="threads|--threads 2 --processes 0 --inflight $st_half
processes|--threads 0 --processes 2 --inflight $st_half
mixed|--threads 1 --processes 1 --inflight $st_half
1 thread|--threads 1 --processes 0 --inflight $STATIC_CONC"
awk -v n="$STATIC_PAGES" -v base="$static_base" \
	'BEGIN { for (i = 0; i < n; i++) printf "%s/site/%d\n", base, i }' >urls-static.txt
case " $PARTS " in *" static "*)
	say "static: the $STATIC_PAGES pages of $static_server at $static_base, concurrency $STATIC_CONC"
	part_start
	tools static urls-static.txt "$STATIC_CONC" "$static_modes"
	# wrk: the server's ceiling, each connection walking the pages in turn
	if have wrk; then
		cat >rotate.lua <<EOF
-- each wrk thread walks /site/0 .. /site/$((STATIC_PAGES - 1)) in turn
local i = -1
request = function()
	i = (i + 1) % $STATIC_PAGES
	return wrk.format("GET", "/site/" .. i)
end
EOF
		wrk_cmd="wrk -t2 -c$STATIC_CONC -d${WRK_SECONDS}s -s rotate.lua $static_base/"
		printf 'static|wrk|%s\n' "$wrk_cmd" >>commands
		: >rates
		wrk_note="every response 2xx"
		for _ in $(seq "$RUNS"); do
			# shellcheck disable=SC2086
			timeout "$TIMEOUT" $wrk_cmd >wrk.out 2>&1 || :
			awk '/^Requests\/sec:/ { print $2 }' wrk.out >>rates
			if grep -q -e 'Non-2xx' -e 'Socket errors' wrk.out; then
				wrk_note="NO: $(grep -e 'Non-2xx' -e 'Socket errors' wrk.out | head -n 1)"
			fi
		done
		wrk_rate=$(median <rates)
		printf 'static|wrk (requests/s over %s s)|-|%s|%s|%.0f|-|%s|-\n' "$WRK_SECONDS" "$STATIC_CONC" \
			"$WRK_SECONDS" "$wrk_rate" "$wrk_note" >>rows
		say "$(printf '  %-44s %8s s %9.0f req/s    %s' wrk "$WRK_SECONDS" "$wrk_rate" "$wrk_note")"
	else
		not_installed static wrk "$STATIC_CONC"
		wrk_rate=""
		wrk_note="not installed"
	fi
	part_end static
	best=$(best_crawld static)
	curl_rate=$(rate_of static "curl --parallel")
	if [ -n "$best" ]; then
		b_tool=${best%|*} b_rate=${best#*|}
		v1="not measured" v2="not measured"
		if [ -n "$curl_rate" ]; then
			read -r rr_med rr_min rr_max <<EOF
$(round_ratios static "$b_tool" "curl --parallel")
EOF
			v1=$(verdict "$rr_med >= 1.5")
			printf 'Static: best crawld mode >= 1.5x curl --parallel --parallel-max %s|%s: %.0f vs %.0f pages/s = %.2fx; round by round %.2fx (%.2f-%.2f)|>= 1.5x|%s\n' \
				"$STATIC_CONC" "$b_tool" "$b_rate" "$curl_rate" "$(calc "$b_rate / $curl_rate")" "$rr_med" "$rr_min" "$rr_max" "$v1" >>targets
		fi
		case "$wrk_note" in NO*) wrk_rate="" ;; esac
		if [ -n "$wrk_rate" ]; then
			v2=$(verdict "$b_rate >= 0.3 * $wrk_rate")
			printf 'Static: best crawld mode >= 30%% of wrk -t2 -c%s|%.0f pages/s vs %.0f requests/s = %.1f%%|>= 30%%|%s\n' \
				"$STATIC_CONC" "$b_rate" "$wrk_rate" "$(calc "100 * $b_rate / $wrk_rate")" "$v2" >>targets
		else
			echo "Static: best crawld mode >= 30% of wrk|wrk not measured|>= 30%|not measured" >>targets
		fi
		case "$v1 $v2" in *NOT*) profile static "$b_tool" urls-static.txt ;; esac
	else
		echo "Static: crawld|no verified crawld run|-|NOT met" >>targets
	fi
	;;
esac

# --- part memory -------------------------------------------------------------
# rss_of PID: VmRSS in KiB of PID plus its child processes (worker processes)
rss_of() {
	r_total=0
	for r_pid in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		r_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$r_pid/status" 2>/dev/null || :)
		r_total=$((r_total + ${r_kib:-0}))
	done
	echo "$r_total"
}
# connections the crawl holds open to the test server
open_conns() {
	ss -Htn state established "( dport = :$ts_port )" 2>/dev/null | wc -l
}

# memory_run NAME FLAGS: one run; appends "baseline full peak conns ok" to
# mem.NAME. The URL list waits behind a gate, so the idle RSS is that of
# the very processes that then crawl.
memory_run() {
	rm -f gate out.jsonl
	# shellcheck disable=SC2086
	{
		while [ ! -e gate ]; do sleep 0.05; done
		cat urls-mem.txt
	} | "$CRAWLD" --once - $2 $one_host --output out.jsonl 2>mem.err &
	mr_pid=$!
	pids="$pids $mr_pid"
	# idle: the workers are up (threads or processes), nothing sent yet
	sleep 1
	mr_base=$(rss_of "$mr_pid")
	: >gate
	mr_full=0 mr_peak=0 mr_conns=0 mr_t=0
	while kill -0 "$mr_pid" 2>/dev/null && [ "$mr_t" -lt 600 ]; do
		mr_c=$(open_conns)
		mr_r=$(rss_of "$mr_pid")
		[ "$mr_r" -le "$mr_peak" ] || mr_peak=$mr_r
		[ "$mr_c" -le "$mr_conns" ] || mr_conns=$mr_c
		# at full flight: every transfer's connection is open
		if [ "$mr_c" -ge "$MEM_INFLIGHT" ] && [ "$mr_r" -gt "$mr_full" ]; then
			mr_full=$mr_r
		fi
		sleep 0.1
		mr_t=$((mr_t + 1))
	done
	wait "$mr_pid" || :
	mr_ok=$(grep -c '"status":200,' out.jsonl || :)
	echo "$mr_base $mr_full $mr_peak $mr_conns $mr_ok" >>"mem.$1"
}

case " $PARTS " in *" memory "*)
	awk -v n="$MEM_URLS" -v base="$ts_base" -v ms="$MEM_DELAY_MS" \
		'BEGIN { for (i = 0; i < n; i++) printf "%s/delay?ms=%d&n=%d\n", base, ms, i }' >urls-mem.txt
	say "memory: $MEM_URLS URLs of /delay?ms=$MEM_DELAY_MS, $MEM_INFLIGHT in flight, $RUNS runs each"
	mem_modes="1 thread|--threads 1 --processes 0 --inflight $MEM_INFLIGHT
2 processes|--threads 0 --processes 2 --inflight $((MEM_INFLIGHT / 2))"
	: >memrows
	part_start
	echo "$mem_modes" >mem.modes
	while IFS='|' read -r mm_name mm_flags; do
		mm_file=$(echo "$mm_name" | tr ' ' _)
		: >"mem.$mm_file"
		printf 'memory|crawld %s|crawld --once - %s %s --output out.jsonl <urls-mem.txt (URLs held back until the idle RSS is read)\n' \
			"$mm_name" "$mm_flags" "$one_host" >>commands
		for _ in $(seq "$RUNS"); do memory_run "$mm_file" "$mm_flags"; done
		# per run: (full - baseline) / inflight, in KiB
		awk -v k="$MEM_INFLIGHT" -v n="$MEM_URLS" '{ print ($2 > 0 ? ($2 - $1) / k : "nan"), $1, $2, $3, $4, ($5 == n ? "ok" : "NO") }' \
			"mem.$mm_file" >"mem.$mm_file.per"
		mm_per=$(awk '{ print $1 }' "mem.$mm_file.per" | median)
		mm_base=$(awk '{ print $2 }' "mem.$mm_file.per" | median)
		mm_full=$(awk '{ print $3 }' "mem.$mm_file.per" | median)
		mm_peak=$(awk '{ print $4 }' "mem.$mm_file.per" | median)
		mm_conns=$(awk '{ print $5 }' "mem.$mm_file.per" | sort -n | head -n 1)
		mm_ok="$MEM_URLS/$MEM_URLS"
		grep -q ' NO$' "mem.$mm_file.per" && mm_ok="NO: a run did not get $MEM_URLS pages with 200"
		printf '%s|%s|%s|%s|%s|%s|%s\n' "$mm_name" "$mm_base" "$mm_full" "$mm_peak" "$mm_conns" "$mm_per" "$mm_ok" >>memrows
		say "$(printf '  crawld %-12s idle %6s KiB, full flight %7s KiB, peak %7s KiB, min peak conns %5s: %s KiB/transfer  %s' \
			"$mm_name" "$mm_base" "$mm_full" "$mm_peak" "$mm_conns" "$mm_per" "$mm_ok")"
		if [ "$mm_full" = 0 ] || [ "$mm_per" = nan ]; then
			mm_v="NOT met (never $MEM_INFLIGHT connections at once)"
		else
			mm_v=$(verdict "$mm_per < 64")
		fi
		case "$mm_ok" in NO*) mm_v="NOT met (unverified)" ;; esac
		printf 'Memory: RSS per transfer at %s in flight, crawld %s|%.1f KiB|< 64 KiB|%s\n' \
			"$MEM_INFLIGHT" "$mm_name" "$mm_per" "$mm_v" >>targets
	done <mem.modes
	part_end memory
	;;
esac

finished=$(now)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- RESULTS -----------------------------------------------------------------
table() { # PART: the rows of one part as a Markdown table
	echo "| tool | URLs | concurrency | wall s | pages/s | CPU s | CPU µs per page | fetched with 200 |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
	awk -F'|' -v p="$1" '$1 == p { printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $9, $8 }' rows
}
busy_note() {
	b_pct=$(awk -F'|' -v p="$1" '$1 == p { print $2 }' busy)
	[ -n "$b_pct" ] || return 0
	if [ "$b_pct" -le 5 ] || [ "$1" = memory ]; then
		echo "Other processes used $b_pct% of the CPUs while this part ran."
	else
		echo "**Other processes used $b_pct% of the CPUs while this part ran: these figures are lower than this machine gives when it is quiet.**"
	fi
	echo
}
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "# crawld against other tools: results"
	echo
	echo "Written by \`make bench-tools\` (bench/tools.sh) on $(date -u +%Y-%m-%dT%H:%MZ); it took $(calc "$finished - $started" | cut -d. -f1) s."
	echo "Every figure is the median of $RUNS runs on this machine; every server ran on 127.0.0.1."
	echo "Recursive crawls (crawld, wget2 --recursive and Scrapy following a site's links) are in"
	echo "[RECURSIVE.md](RECURSIVE.md), written by \`make bench-recursive\`."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPU | $cpu |"
	echo "| cores | $(nproc) |"
	echo "| memory | $mem |"
	echo "| kernel | $(uname -sr) |"
	echo "| system | Debian $(cat /etc/debian_version 2>/dev/null || echo '?') |"
	echo "| CPUs idle in the second before the run | $idle_start% |"
	echo "| niceness of the run | $(nice) |"
	echo "| CPU time other processes used, by part | $(awk -F'|' '{ printf "%s%s %s%%", sep, $1, $2; sep = ", " }' busy) of the CPUs |"
	echo "| load average (1, 5, 15 min) | $load_start at the start, $load_end at the end (this run's own processes count too) |"
	echo "| crawld | $(version_of crawld) |"
	echo "| curl | $(version_of curl) |"
	echo "| wget2 | $(version_of wget2) |"
	echo "| nginx | $(version_of nginx) |"
	echo "| wrk | $(version_of wrk) |"
	echo "| libevent | $(version_of libevent) |"
	# shellcheck disable=SC3045
	echo "| open files limit | $(ulimit -n) |"
	echo
	echo "## Targets"
	echo
	echo "| target | figure | threshold | verdict |"
	echo "| --- | --- | --- | --- |"
	awk -F'|' '{ printf "| %s | %s | %s | **%s** |\n", $1, $2, $3, $4 }' targets
	echo
	echo "A comparison with curl is judged by its ratio round by round: every round runs each tool once, in"
	echo "turn, so each ratio compares runs seconds apart. Shown: the ratio of the medians, then the median of"
	echo "the per-round ratios with their lowest and highest; the verdict follows the median per-round ratio."
	echo
	case " $PARTS " in *" io "*)
		echo "## I/O-bound list"
		echo
		busy_note io
		echo "$IO_URLS URLs of the test server's \`/delay?ms=$IO_DELAY_MS&n=I\` (every URL distinct), all at concurrency $io_conc;"
		echo "the ideal rate is concurrency / delay = $(calc "$io_conc * 1000 / $IO_DELAY_MS" | cut -d. -f1) pages/s."
		echo "Wall time is from starting the command to its exit; pages/s is URLs / wall time; CPU s is user + system time of the"
		echo "tool with its children (GNU time), the server's not included."
		echo
		table io
		echo
		;;
	esac
	case " $PARTS " in *" static "*)
		echo "## Static pages"
		echo
		busy_note static
		echo "Every page of a generated site of $STATIC_PAGES pages (/site/0 .. /site/$((STATIC_PAGES - 1)), 215-235 bytes of HTML each, as the test server's),"
		echo "served by $static_server, no delay; concurrency $STATIC_CONC. wrk's row is requests/s over ${WRK_SECONDS} s, each wrk thread walking the pages in turn."
		if grep -q '^static|libcurl alone|' rows; then
			echo "\"libcurl alone\" is bench/libcurl_only.c: this libcurl with the transfer options crawld sets, in one thread, bodies"
			echo "dropped, nothing parsed, hashed or recorded: what one thread of this libcurl reaches here with nothing else to do."
			echo "Its distance to crawld 1 thread is the cost of crawld's own work (HTML scan, SHA-256, records, pipes, supervisor)."
		fi
		echo
		table static
		echo
		;;
	esac
	case " $PARTS " in *" memory "*)
		echo "## Memory per transfer in flight"
		echo
		busy_note memory
		echo "$MEM_URLS URLs of \`/delay?ms=$MEM_DELAY_MS&n=I\`, $MEM_INFLIGHT transfers in flight. RSS is VmRSS of the supervisor plus its worker"
		echo "processes, sampled every 0.1 s. Idle: the same processes 1 s after start, before the first URL is read."
		echo "Full flight: the highest sample while $MEM_INFLIGHT or more connections to the server were established."
		echo "Per transfer = (full flight - idle) / $MEM_INFLIGHT."
		echo
		echo "| crawld | idle KiB | full flight KiB | peak KiB | connections (lowest peak of the runs) | KiB per transfer | fetched with 200 |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
		awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %.1f | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' memrows
		echo
		;;
	esac
	echo "## Commands"
	echo
	echo "Run in a scratch directory holding the URL lists (\`urls-*.txt\`, one URL a line) and, for curl, the same list as"
	echo "a config file (\`urls-*.txt.curl\`: \`url = \"URL\"\` and \`output = \"/dev/null\"\` for each); \`urls-*.txt.xargs\` holds the first $XARGS_URLS"
	echo "URLs of the list, for xargs, which starts a curl process a URL. Each run is bounded by \`timeout $TIMEOUT\`."
	echo "crawld's records are counted with \`\"status\":200\`, curl's with its \`-w\` output, wget2's from its \`--stats-site\` CSV."
	echo
	echo "- test server: \`testserver --quiet --pages $STATIC_PAGES\` (its HTTP port is the first line it prints)"
	if [ -n "$nginx_bin" ]; then
		echo "- nginx: \`nginx -p nginx -e nginx/error.log -c nginx/nginx.conf\` with this nginx.conf (site/ holds the pages):"
		echo
		echo '```nginx'
		shown "$(cat nginx/nginx.conf)"
		echo '```'
		echo
	fi
	awk -F'|' '{ printf "- %s, %s: `%s`\n", $1, $2, $3 }' commands
	echo
	echo "## Profiles"
	echo
	if [ -s profiles.md ]; then
		echo "Every speed target that was missed, profiled with perf on one more run of crawld's best mode."
		cat profiles.md
	else
		echo "No speed target was missed, so nothing was profiled."
	fi
} >results.md

cp results.md "$RESULTS"
say ""
cat results.md
