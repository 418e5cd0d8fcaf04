#!/bin/sh
# run.sh - runs every built libFuzzer target for SECONDS seconds each.
#
# Usage: sh tests/fuzz/run.sh SECONDS [TARGET...]
#
# It builds nothing: the targets are the fuzz_* programs of a build
# configured with --enable-fuzzing, in $FUZZ_BIN (default: tests/fuzz under
# the current directory, so run it from the build directory; make
# fuzz-smoke runs it with 30). Name targets to run only those.
#
# Each target starts from its seed corpus, corpus/TARGET/ beside this
# script, which is only read. What a run makes goes to $FUZZ_WORK: TARGET.log,
# the inputs it found in corpus/TARGET/, and the reproducer of anything it
# found in crashes/TARGET-*. Point FUZZ_WORK at the same directory again to
# resume a long run from the corpus it grew. Without FUZZ_WORK a temporary
# directory is used, and removed when every target passed. FUZZ_JOBS
# targets run at once (default 1); each is one process. With FUZZ_RUNS
# a target also stops after that many executions, whichever comes first
# (the hardening target is 10 million or an hour).
#
# Exit status: 0 when no target found anything, 1 when one did, 99 when
# nothing could be run.
set -u

seconds=${1:-}
case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 SECONDS [TARGET...]" >&2
	exit 99
	;;
esac
shift

here=$(cd "$(dirname "$0")" && pwd) || exit 99
bin=${FUZZ_BIN:-tests/fuzz}
jobs=${FUZZ_JOBS:-1}
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/crawld-fuzz.XXXXXX")} || exit 99
mkdir -p "$work/crashes" || exit 99

if [ $# -eq 0 ]; then
	for program in "$bin"/fuzz_*; do
		[ -x "$program" ] && set -- "$@" "$(basename "$program")"
	done
fi
if [ $# -eq 0 ]; then
	echo "no fuzz targets in $bin: configure with --enable-fuzzing (CC=clang) and make" >&2
	exit 99
fi

# UBSan only reports and goes on unless told to stop: a report must fail
# the run like any other crash.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

run_target() {
	target=$1
	mkdir -p "$work/corpus/$target"
	# An over-long URL line needs more than libFuzzer's default 4096 bytes.
	case $target in
	fuzz_urlfile) max_len=-max_len=17000 ;;
	*) max_len= ;;
	esac
	run_limit=${FUZZ_RUNS:+-runs=$FUZZ_RUNS}
	"$bin/$target" -max_total_time="$seconds" -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 $max_len $run_limit \
		-artifact_prefix="$work/crashes/$target-" \
		"$work/corpus/$target" "$here/corpus/$target" \
		>"$work/$target.log" 2>&1
	echo $? >"$work/$target.rc"
}

# Targets in batches of FUZZ_JOBS: all run for the same time, so a batch
# ends when its last one does.
batch=0
for target in "$@"; do
	if [ ! -x "$bin/$target" ]; then
		echo "$bin/$target is not built" >&2
		echo 99 >"$work/$target.rc"
		continue
	fi
	echo "fuzzing $target for $seconds s"
	run_target "$target" &
	batch=$((batch + 1))
	if [ "$batch" -ge "$jobs" ]; then
		wait
		batch=0
	fi
done
wait

passed=0
failed=0
for target in "$@"; do
	log=$work/$target.log
	rc=$(cat "$work/$target.rc" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" 2>/dev/null)
	corpus=$(ls "$work/corpus/$target" 2>/dev/null | wc -l)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $target: ${runs:-?} runs, ${rate:-?} exec/s," \
			"corpus of $corpus inputs"
	else
		failed=$((failed + 1))
		echo "FAIL: $target (exit $rc) after ${runs:-?} runs; log $log"
		# The sanitizer's or the check's own report, for CI's log.
		grep -E -A 30 '^==[0-9]+==ERROR|runtime error|check failed|^SUMMARY' \
			"$log" 2>/dev/null | head -60
		ls "$work/crashes/$target-"* 2>/dev/null | sed 's/^/reproducer: /'
	fi
done
if [ -z "${FUZZ_WORK:-}" ] && [ "$failed" -eq 0 ]; then
	rm -rf "$work"
else
	echo "logs, corpora and reproducers: $work"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
