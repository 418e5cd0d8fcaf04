#!/bin/sh
# politeness.sh - what crawld's politeness gives and what it costs. Local
# only: every URL points at loopback addresses (the project's test server on
# 127.0.0.1 .. 127.0.0.(HOSTS+1), and nginx on 127.0.0.1 when installed);
# every server started here is stopped here, by its PID. Needs CRAWLD and
# TESTSERVER (make bench-politeness sets them). Writes POLITENESS (default:
# POLITENESS.md beside this script).
#
#   make bench-politeness
#   RUNS=3 PARTS=hosts sh bench/politeness.sh
#   OLD_CRAWLD=/tmp/old/crawld PARTS=static sh bench/politeness.sh
#
# Two parts, each figure a median of RUNS runs (STATIC_RUNS rounds, 3 x RUNS
# by default, for static):
#   hosts   HOSTS hosts of the test server, HOST_URLS URLs of
#           /page/N?ms=PAGE_MS each, the hosts taking turns in the list,
#           crawled with --per-host PER_HOST and robots.txt on (the test
#           server answers 404: allow all). Politeness is the only limit:
#           the ideal is HOSTS x PER_HOST / PAGE_MS pages/s (1,600), the
#           target 90% of it. The server's request log of every run says
#           how many requests each host had at once: never above PER_HOST,
#           or the run fails.
#   static  the STATIC_PAGES static pages of tools.sh (nginx, or the test
#           server's /site/N without it), one host, crawled with
#           --per-host 1024 (never the limit at this concurrency) and
#           robots.txt on, against crawld built from OLD_COMMIT, the
#           commit before the politeness work, which has neither; old and
#           new take turns, run by run. What the frontier costs where
#           politeness holds nothing back. Target: new/old >= 0.95, round
#           by round.
# A run that does not fetch every URL with 200, or exits non-zero, makes the
# script exit 1 after the report; a missed speed target does not.
set -eu

: "${CRAWLD:?set CRAWLD to the crawld binary}"
: "${TESTSERVER:?set TESTSERVER to the test server binary}"
RUNS=${RUNS:-5}
HOSTS=${HOSTS:-40}
HOST_URLS=${HOST_URLS:-250}
PAGE_MS=${PAGE_MS:-50}
PER_HOST=${PER_HOST:-2}
HOSTS_FLAGS=${HOSTS_FLAGS:-"--threads 2 --processes 0 --inflight 64"}
STATIC_PAGES=${STATIC_PAGES:-20000}
STATIC_CONC=${STATIC_CONC:-64}
STATIC_PER_HOST=${STATIC_PER_HOST:-1024}
# A static run lasts about a second: on a shared machine, what else runs in
# that second moves it by more than the 5% the target is about, and more
# rounds cost little. So the static part has rounds of its own.
STATIC_RUNS=${STATIC_RUNS:-$((3 * RUNS))}
OLD_COMMIT=${OLD_COMMIT:-1b6fb79}
# A crawld built from OLD_COMMIT already; empty: the script builds one.
OLD_CRAWLD=${OLD_CRAWLD:-}
TIMEOUT=${TIMEOUT:-300}
INSTALL=${INSTALL:-auto}
NGINX=${NGINX:-auto}
WAIT_IDLE=${WAIT_IDLE:-60}
PARTS=${PARTS:-"hosts static"}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
POLITENESS=${POLITENESS:-$here/POLITENESS.md}

# have, say, apt_install, the static site and its nginx, wait_idle
# shellcheck source=bench/common.sh
. "$here/common.sh"

CRAWLD=$(absolute "$CRAWLD")
TESTSERVER=$(absolute "$TESTSERVER")
[ -z "$OLD_CRAWLD" ] || OLD_CRAWLD=$(absolute "$OLD_CRAWLD")
case $POLITENESS in /*) ;; *) POLITENESS=$(pwd)/$POLITENESS ;; esac

case " $PARTS " in *" static "*)
	missing=""
	have curl || missing="$missing curl"
	[ "$NGINX" = no ] || have nginx || missing="$missing nginx-light|nginx"
	# One argument per package: the split is wanted.
	# shellcheck disable=SC2086
	apt_install $missing
	;;
esac

work=$(mktemp -d)
pids=""
servers=""
cleanup() {
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

# "median min max" of the numbers on standard input
spread() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi; }
# How a command is shown in the report: binaries by name, files relative to
# the scratch directory.
shown() {
	printf '%s\n' "$*" | sed -e "s|\"$CRAWLD\"|crawld|g" -e "s|$CRAWLD|crawld|g" \
		-e "s|\"${OLD_CRAWLD:-/nonexistent}\"|crawld-$OLD_COMMIT|g" -e "s|$work/||g"
}
failed=no
: >busy     # part|percent of the CPUs other processes used
: >targets  # target|figure|threshold|verdict
: >commands # what|command

# start_testserver NAME FLAGS...: a test server whose files are NAME.*;
# waits for its port file, which it writes last, and sets ts_port.
start_testserver() {
	s_name=$1
	shift
	"$TESTSERVER" --quiet --port-file "$s_name.port" "$@" >"$s_name.out" 2>"$s_name.err" </dev/null &
	pids="$pids $!"
	servers="$servers $!"
	for _ in $(seq 100); do [ -s "$s_name.port" ] && break; sleep 0.1; done
	ts_port=$(cat "$s_name.port" 2>/dev/null || :)
	[ -n "$ts_port" ] || { say "the test server did not start: $(cat "$s_name.err")"; exit 1; }
}

wait_idle
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(now)

# --- part hosts ----------------------------------------------------------------
# host_log_summary FILE: what one run's request log says, as "pages robots
# other ok hosts most over peak": requests for /page/, for /robots.txt and
# for anything else, /page/ answers with 200, hosts asked, the most
# requests one host had at once, hosts that had more than PER_HOST, and the
# most in flight over all hosts. A request is in flight from its S line to
# its E or X line; the server writes them in the order things happen.
host_log_summary() {
	awk -v limit="$PER_HOST" '
		$1 == "S" {
			open[$3]++
			if (open[$3] > top[$3]) top[$3] = open[$3]
			if (++all > peak) peak = all
			if ($4 ~ /^\/page\//) pages++
			else if ($4 ~ /^\/robots\.txt/) robots++
			else other++
		}
		$1 == "E" || $1 == "X" { open[$3]--; all-- }
		$1 == "E" && $4 == 200 && $5 ~ /^\/page\// { ok++ }
		END {
			for (h in top) { hosts++; if (top[h] > most) most = top[h]; if (top[h] > limit) over++ }
			printf "%d %d %d %d %d %d %d %d\n", pages, robots, other, ok, hosts, most, over, peak
		}' "$1"
}

# host_log_times FILE: where the time of a slot goes, in ms, as "server
# gap_mean gap_median gap_p90": the mean time a request spent in the server
# (S to E, the delay and the server's own lateness), and the mean, median
# and 90th percentile of the gap from an answer leaving the server to the next
# request arriving on the same host (the crawler's turnaround: loopback,
# libcurl, the worker, the supervisor, the frontier). With a backlog on
# every host, pages/s = hosts x per_host / (server + mean gap).
host_log_times() {
	awk '$1 == "S" { started[$3, $4] = $2 }
		$1 == "E" && (($3, $5) in started) { inside += $2 - started[$3, $5]; n++; delete started[$3, $5] }
		END { printf "%.3f\n", (n ? inside / n / 1000 : 0) }' "$1"
	# Each E frees a slot of its host, filled by the next S of that host.
	awk '$1 == "E" { freed[$3, ++last[$3]] = $2 }
		$1 == "S" && filled[$3] < last[$3] { print ($2 - freed[$3, ++filled[$3]]) / 1000 }' "$1" |
		sort -g | awk '{ v[NR] = $1; sum += $1 } END {
			if (NR) printf "%.3f %.3f %.3f\n", sum / NR, v[int(NR * 0.5) + 1], v[int(NR * 0.9) + 1]; else print "nan nan nan" }'
}

hosts_ideal=$(calc "$HOSTS * $PER_HOST * 1000 / $PAGE_MS")
hosts_urls=$((HOSTS * HOST_URLS))
case " $PARTS " in *" hosts "*)
	start_testserver hosts --hosts "$HOSTS" --hosts-file hosts.txt --log requests.log
	# URL I of every host, then URL I + 1 of every host, and so on.
	awk -v n="$HOST_URLS" -v ms="$PAGE_MS" '{ addr[NR] = $1; port[NR] = $2 }
		END { for (i = 0; i < n; i++) for (h = 1; h <= NR; h++)
			printf "http://%s:%s/page/%d?ms=%d\n", addr[h], port[h], i, ms }' hosts.txt >urls-hosts.txt
	[ "$(wc -l <hosts.txt)" -eq "$HOSTS" ] || { say "the test server listed $(wc -l <hosts.txt) hosts, not $HOSTS"; exit 1; }
	hosts_cmd="\"$CRAWLD\" --once urls-hosts.txt --per-host $PER_HOST $HOSTS_FLAGS --output /dev/null"
	printf 'hosts|%s\n' "$(shown "$hosts_cmd")" >>commands
	say "hosts: $hosts_urls URLs of /page/N?ms=$PAGE_MS on $HOSTS hosts, --per-host $PER_HOST, $RUNS runs; ideal $(printf '%.0f' "$hosts_ideal") pages/s"
	part_start
	: >hosts.runs # run wall rate ratio crawld_s pages robots other ok hosts most over peak server_ms gap_mean gap_med gap_p90 verified
	for run in $(seq "$RUNS"); do
		offset=$(wc -c <requests.log)
		h_start=$(now)
		h_rc=0
		eval "timeout $TIMEOUT $hosts_cmd" </dev/null >run.out 2>run.err || h_rc=$?
		h_end=$(now)
		# The log is complete: the server writes E before crawld can read
		# the answer it stands for.
		tail -c +"$((offset + 1))" requests.log >run.log
		# "N records (M ok, E errors) in X s: Y URLs/s", crawld's last word
		read -r h_records h_ok h_crawld_s <<EOF
$(sed -n 's/.*: \([0-9]*\) records (\([0-9]*\) ok, [0-9]* errors) in \([0-9.]*\) s: .*/\1 \2 \3/p' run.err | tail -n 1)
EOF
		h_wall=$(calc "$h_end - $h_start")
		h_rate=$(calc "$hosts_urls / $h_wall")
		h_ratio=$(calc "$h_rate / $hosts_ideal")
		h_log=$(host_log_summary run.log)
		h_times=$(host_log_times run.log | paste -sd' ')
		# shellcheck disable=SC2086
		set -- $h_log
		h_verified=yes
		if [ "$h_rc" -ne 0 ] || [ "${h_records:-0}" -ne "$hosts_urls" ] || [ "${h_ok:-0}" -ne "$hosts_urls" ] ||
			[ "$4" -ne "$hosts_urls" ] || [ "$1" -ne "$hosts_urls" ]; then
			h_verified="NO: exit $h_rc, ${h_records:-?} records, ${h_ok:-?} ok, the server answered $4 of $1 page requests with 200"
			failed=yes
		fi
		if [ "$7" -ne 0 ]; then
			h_verified="NO: $7 hosts had more than $PER_HOST requests at once"
			failed=yes
		fi
		echo "$run $h_wall $h_rate $h_ratio ${h_crawld_s:-nan} $h_log $h_times $h_verified" >>hosts.runs
		say "$(printf '  run %s: %6.2f s %7.0f pages/s = %.3f of ideal; most at once per host %s, over all %s; %s page + %s robots.txt requests; %s' \
			"$run" "$h_wall" "$h_rate" "$h_ratio" "$6" "$8" "$1" "$2" "$h_verified")"
	done
	part_end hosts
	read -r hr_med hr_min hr_max <<EOF
$(awk '{ print $3 }' hosts.runs | spread)
EOF
	read -r hq_med hq_min hq_max <<EOF
$(awk '{ print $4 }' hosts.runs | spread)
EOF
	h_most=$(awk '{ if ($11 > m) m = $11 } END { print m + 0 }' hosts.runs)
	h_unverified=$(awk '$18 != "yes"' hosts.runs | wc -l)
	h_v=$(verdict "$hq_med >= 0.9")
	[ "$h_unverified" -eq 0 ] || h_v="NOT met ($h_unverified runs unverified)"
	printf 'Many hosts: pages/s >= 90%% of %s hosts x %s in flight / %s ms (%.0f pages/s)|%.0f pages/s (%.0f-%.0f) = %.3f (%.3f-%.3f) of ideal|>= 0.90|%s\n' \
		"$HOSTS" "$PER_HOST" "$PAGE_MS" "$hosts_ideal" "$hr_med" "$hr_min" "$hr_max" "$hq_med" "$hq_min" "$hq_max" "$h_v" >>targets
	h_v2=$(verdict "$h_most <= $PER_HOST")
	printf 'Many hosts: no host ever has more than %s requests at once (test server log, every run)|at most %s|<= %s|%s\n' \
		"$PER_HOST" "$h_most" "$PER_HOST" "$h_v2" >>targets
	;;
esac

# --- part static ---------------------------------------------------------------
# build_old: crawld of OLD_COMMIT from this tree's git history, in the
# scratch directory, with the CFLAGS of this build when make passes them.
build_old() {
	if ! git -C "$srcdir" rev-parse -q --verify "$OLD_COMMIT^{commit}" >/dev/null 2>&1; then
		say "static: $srcdir has no commit $OLD_COMMIT (not a git checkout?); set OLD_CRAWLD"
		return 1
	fi
	say "static: building crawld of $OLD_COMMIT (log: old/build.log)"
	mkdir -p old/src
	git -C "$srcdir" archive "$OLD_COMMIT" | tar -x -C old/src
	# make's own variables (the jobserver of make bench) mean nothing to a
	# make this script starts.
	if ! (
		unset MAKEFLAGS MFLAGS MAKELEVEL
		cd old/src && autoreconf -fi && mkdir build && cd build &&
			../configure -q && make -j"$(nproc)" crawld
	) >old/build.log 2>&1; then
		say "static: the build of $OLD_COMMIT failed:"
		tail -n 20 old/build.log >&2
		return 1
	fi
	OLD_CRAWLD=$work/old/src/build/crawld
}

static_modes="2 processes|--threads 0 --processes 2 --inflight $((STATIC_CONC / 2))
1 thread|--threads 1 --processes 0 --inflight $STATIC_CONC"
static_server="test server"
nginx_bin=""
case " $PARTS " in *" static "*)
	[ -n "$OLD_CRAWLD" ] || build_old || exit 1
	[ "$NGINX" = no ] || nginx_bin=$(nginx_find)
	if [ -n "$nginx_bin" ]; then
		if start_nginx; then
			servers="$servers $nginx_pid"
		else
			say "nginx would not start: static pages come from the test server"
			nginx_bin=""
		fi
	fi
	if [ -z "$nginx_bin" ]; then
		start_testserver static --pages "$STATIC_PAGES"
		static_base="http://127.0.0.1:$ts_port"
	fi
	awk -v n="$STATIC_PAGES" -v base="$static_base" \
		'BEGIN { for (i = 0; i < n; i++) printf "%s/site/%d\n", base, i }' >urls-static.txt
	st_time=""
	[ ! -x /usr/bin/time ] || st_time="/usr/bin/time -f '%U %S' -o cpu.txt"
	say "static: the $STATIC_PAGES pages of $static_server at $static_base, concurrency $STATIC_CONC, $STATIC_RUNS rounds of old and new"
	: >static.runs # mode|round|build|wall|rate|cpu|verified
	echo "$static_modes" >static.modes
	while IFS='|' read -r m_name m_flags; do
		printf 'static, %s, old|%s\n' "$m_name" "$(shown "\"$OLD_CRAWLD\" --once urls-static.txt $m_flags --output out.jsonl")" >>commands
		printf 'static, %s, new|%s\n' "$m_name" "$(shown "\"$CRAWLD\" --once urls-static.txt $m_flags --per-host $STATIC_PER_HOST --output out.jsonl")" >>commands
	done <static.modes
	part_start
	for round in $(seq "$STATIC_RUNS"); do
		while IFS='|' read -r m_name m_flags; do
			for build in old new; do
				if [ "$build" = old ]; then
					s_cmd="\"$OLD_CRAWLD\" --once urls-static.txt $m_flags --output out.jsonl"
				else
					s_cmd="\"$CRAWLD\" --once urls-static.txt $m_flags --per-host $STATIC_PER_HOST --output out.jsonl"
				fi
				rm -f out.jsonl cpu.txt
				s_start=$(now)
				s_rc=0
				eval "timeout $TIMEOUT $st_time $s_cmd" </dev/null >run.out 2>run.err || s_rc=$?
				s_end=$(now)
				s_cpu=nan
				[ ! -s cpu.txt ] || s_cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%.2f", $1 + $2 }' cpu.txt)
				s_got=$(grep -c '"status":200,' out.jsonl 2>/dev/null || :)
				s_wall=$(calc "$s_end - $s_start")
				s_rate=$(calc "$STATIC_PAGES / $s_wall")
				s_verified=yes
				if [ "$s_rc" -ne 0 ] || [ "${s_got:-0}" -ne "$STATIC_PAGES" ]; then
					s_verified="NO: exit $s_rc, ${s_got:-0} of $STATIC_PAGES with 200"
					failed=yes
					say "  $m_name $build round $round: $s_verified; $(tail -n 2 run.err | tr '\n' ' ')"
				fi
				echo "$m_name|$round|$build|$s_wall|$s_rate|${s_cpu:-nan}|$s_verified" >>static.runs
			done
		done <static.modes
		say "  round $round of $STATIC_RUNS: $(awk -F'|' -v r="$round" '$2 == r { printf "%s %s %.0f  ", $1, $3, $5 }' static.runs)"
	done
	part_end static
	: >static.rows # mode|old rate|new rate|ratio of medians|round med|min|max|old cpu|new cpu|verified
	while IFS='|' read -r m_name m_flags; do
		so_rate=$(awk -F'|' -v m="$m_name" '$1 == m && $3 == "old" { print $5 }' static.runs | median)
		sn_rate=$(awk -F'|' -v m="$m_name" '$1 == m && $3 == "new" { print $5 }' static.runs | median)
		so_cpu=$(awk -F'|' -v m="$m_name" '$1 == m && $3 == "old" && $6 != "nan" { print $6 }' static.runs | median)
		sn_cpu=$(awk -F'|' -v m="$m_name" '$1 == m && $3 == "new" && $6 != "nan" { print $6 }' static.runs | median)
		# new over old, round by round: runs seconds apart
		read -r sr_med sr_min sr_max <<EOF
$(awk -F'|' -v m="$m_name" '$1 == m { rate[$2, $3] = $5; if ($2 > n) n = $2 }
	END { for (r = 1; r <= n; r++) if (rate[r, "old"] > 0) print rate[r, "new"] / rate[r, "old"] }' static.runs | spread)
EOF
		s_unverified=$(awk -F'|' -v m="$m_name" '$1 == m && $7 != "yes"' static.runs | wc -l)
		s_verified="$STATIC_RUNS/$STATIC_RUNS runs each"
		[ "$s_unverified" -eq 0 ] || s_verified="NO: $s_unverified runs short"
		printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$m_name" "$so_rate" "$sn_rate" "$(calc "$sn_rate / $so_rate")" \
			"$sr_med" "$sr_min" "$sr_max" "$so_cpu" "$sn_cpu" "$s_verified" >>static.rows
		s_v=$(verdict "$sr_med >= 0.95")
		[ "$s_unverified" -eq 0 ] || s_v="NOT met (unverified)"
		printf 'Static, %s: new (--per-host %s, robots.txt on) loses at most 5%% to %s|%.0f vs %.0f pages/s; round by round %.3f (%.3f-%.3f)|>= 0.95|%s\n' \
			"$m_name" "$STATIC_PER_HOST" "$OLD_COMMIT" "$sn_rate" "$so_rate" "$sr_med" "$sr_min" "$sr_max" "$s_v" >>targets
		say "$(printf '  %-12s old %7.0f  new %7.0f pages/s; new/old round by round %.3f (%.3f-%.3f)' \
			"$m_name" "$so_rate" "$sn_rate" "$sr_med" "$sr_min" "$sr_max")"
	done <static.modes
	;;
esac

finished=$(now)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

busy_note() {
	b_pct=$(awk -F'|' -v p="$1" '$1 == p { print $2 }' busy)
	[ -n "$b_pct" ] || return 0
	if [ "$b_pct" -le 5 ]; then
		echo "Other processes used $b_pct% of the CPUs while this part ran."
	else
		echo "**Other processes used $b_pct% of the CPUs while this part ran: these figures are lower, and spread wider, than this machine gives when it is quiet.**"
	fi
	echo
}

# --- POLITENESS ----------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "# Politeness: what it gives on many hosts, what it costs on one"
	echo
	echo "Written by \`make bench-politeness\` (bench/politeness.sh) on $(date -u +%Y-%m-%dT%H:%MZ); it took $(calc "$finished - $started" | cut -d. -f1) s."
	echo "Every figure is a median on this machine ($RUNS runs of the many hosts, $STATIC_RUNS rounds of the static pages),"
	echo "with the lowest and highest in brackets; every server ran on loopback addresses."
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
	echo "| CPU time other processes used, by part | $(awk -F'|' '{ printf "%s%s %s%%", sep, $1, $2; sep = ", " }' busy) of the CPUs |"
	echo "| load average (1, 5, 15 min) | $load_start at the start, $load_end at the end (this run's own processes count too) |"
	echo "| crawld | $("$CRAWLD" --version 2>&1 | head -n 1), commit $(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$srcdir" diff --quiet HEAD 2>/dev/null || echo ' with changes') |"
	case " $PARTS " in *" static "*)
		echo "| old crawld | $("$OLD_CRAWLD" --version 2>&1 | head -n 1), commit $OLD_COMMIT |"
		echo "| static server | $static_server |"
		;;
	esac
	echo
	echo "## Targets"
	echo
	echo "| target | figure | threshold | verdict |"
	echo "| --- | --- | --- | --- |"
	awk -F'|' '{ printf "| %s | %s | %s | **%s** |\n", $1, $2, $3, $4 }' targets
	echo
	case " $PARTS " in *" hosts "*)
		echo "## Many hosts, politeness the only limit"
		echo
		busy_note hosts
		echo "$HOSTS hosts of one test server (127.0.0.2 .. 127.0.0.$((HOSTS + 1)), a port each), $HOST_URLS URLs each of \`/page/N?ms=$PAGE_MS\`"
		echo "(a page of a few hundred bytes, answered $PAGE_MS ms late), $hosts_urls in all, the hosts taking turns in the list."
		echo "crawld may have $PER_HOST fetches in flight per host and has robots.txt on, its default (the server answers 404: allow all), so at"
		echo "best it makes $HOSTS x $PER_HOST / $PAGE_MS ms = $(printf '%.0f' "$hosts_ideal") pages/s; its workers (\`$HOSTS_FLAGS\`) could have"
		echo "more transfers in flight than the $((HOSTS * PER_HOST)) politeness allows."
		echo "Pages/s is URLs / wall time (start of the command to its exit); crawld's own time is from its end-of-crawl line."
		echo "The requests, and how many one host had at once, are from the test server's request log (\`--log\`) of the same run:"
		echo "a request is in flight from the server reading it to the server handing its answer to the kernel."
		echo "Where a slot's time goes, from the same log: \"in server\" is the mean time from S to E (the $PAGE_MS ms and the"
		echo "server's own lateness), \"turnaround\" the gap from an answer leaving the server to the next request"
		echo "arriving on that host (loopback, libcurl, the worker, the supervisor, the frontier): mean, median and"
		echo "90th percentile. With a backlog on every host, pages/s comes to $((HOSTS * PER_HOST)) / (in server + mean turnaround)."
		echo
		echo "| run | wall s | pages/s | of ideal | crawld's own s | page requests | robots.txt requests | other requests | hosts | most at once on one host | most at once in all | in server ms | turnaround ms: mean, median, p90 | verified |"
		echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
		awk '{ v = $18; for (i = 19; i <= NF; i++) v = v " " $i
			printf "| %s | %.2f | %.0f | %.3f | %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f, %.2f, %.2f | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $13, $14, $15, $16, $17, v }' hosts.runs
		echo
		printf 'Median %.0f pages/s (%.0f-%.0f), %.3f (%.3f-%.3f) of the ideal %.0f.\n' "$hr_med" "$hr_min" "$hr_max" "$hq_med" "$hq_min" "$hq_max" "$hosts_ideal"
		# What the robots.txt column says, in words: the request it costs
		# is counted, not assumed.
		awk -v hosts="$HOSTS" '{ n++; r += $7; if ($7 == hosts) each++ }
			END {
				if (r == 0) print "No run asked for /robots.txt: this crawld fetched none, robots.txt on or not."
				else if (each == n) printf "Every run asked each of the %d hosts for /robots.txt once.\n", hosts
				else print "The runs asked for /robots.txt as the table says, not once a host each."
			}' hosts.runs
		echo
		;;
	esac
	case " $PARTS " in *" static "*)
		echo "## Static pages, one host: the frontier's cost"
		echo
		busy_note static
		echo "The $STATIC_PAGES pages of bench/tools.sh's static part (/site/0 .. /site/$((STATIC_PAGES - 1)), 215-235 bytes of HTML each),"
		echo "served by $static_server, no delay, concurrency $STATIC_CONC. \"old\" is crawld built from $OLD_COMMIT, the commit before"
		echo "the politeness work: no per-host queues, no robots.txt. \"new\" is this crawld with \`--per-host $STATIC_PER_HOST\`, more than"
		echo "the $STATIC_CONC in flight, and robots.txt on (its default). Each of the $STATIC_RUNS rounds runs every mode old, then new, so"
		echo "each ratio compares runs seconds apart; the target judges by the median of those per-round ratios."
		echo "CPU s is user + system time of crawld and its worker processes (GNU time)."
		echo
		echo "| mode | old pages/s | new pages/s | new/old (medians) | new/old round by round | old CPU s | new CPU s | fetched with 200 |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
		awk -F'|' '{ printf "| %s | %.0f | %.0f | %.3f | %.3f (%.3f-%.3f) | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' static.rows
		echo
		echo "Round by round, pages/s:"
		echo
		printf '| round |'
		awk -F'|' '{ printf " %s old | %s new | %s new/old |", $1, $1, $1 }' static.modes
		echo
		printf '| ---: |'
		awk '{ printf " ---: | ---: | ---: |" }' static.modes
		echo
		awk -F'|' 'NR == FNR { mode[++modes] = $1; next }
			{ rate[$2, $1, $3] = $5; if ($2 > rounds) rounds = $2 }
			END {
				for (r = 1; r <= rounds; r++) {
					printf "| %d |", r
					for (m = 1; m <= modes; m++) {
						o = rate[r, mode[m], "old"]; n = rate[r, mode[m], "new"]
						printf " %.0f | %.0f | %.3f |", o, n, (o > 0 ? n / o : 0)
					}
					printf "\n"
				}
			}' static.modes static.runs
		echo
		;;
	esac
	echo "## Commands"
	echo
	echo "Run in a scratch directory holding the URL lists (\`urls-*.txt\`, one URL a line). Each run is bounded by \`timeout $TIMEOUT\`."
	echo
	case " $PARTS " in *" hosts "*)
		echo "- test server: \`testserver --quiet --port-file hosts.port --hosts $HOSTS --hosts-file hosts.txt --log requests.log\`"
		;;
	esac
	case " $PARTS " in *" static "*)
		if [ -n "$nginx_bin" ]; then
			echo "- nginx: \`nginx -p nginx -e nginx/error.log -c nginx/nginx.conf\` with the nginx.conf of bench/tools.sh (bench/common.sh)"
		else
			echo "- test server: \`testserver --quiet --port-file static.port --pages $STATIC_PAGES\`"
		fi
		if [ -d old ]; then
			o_cflags=""
			[ -z "${CFLAGS:-}" ] || o_cflags=" with CFLAGS=\"$CFLAGS\""
			echo "- old crawld: \`git archive $OLD_COMMIT\` unpacked, \`autoreconf -fi\`, \`configure -q\`$o_cflags, \`make crawld\`"
		fi
		;;
	esac
	awk -F'|' '{ printf "- %s: `%s`\n", $1, $2 }' commands
} >politeness.md

cp politeness.md "$POLITENESS"
say ""
cat politeness.md
[ "$failed" = no ]
