#!/bin/sh
# quickstart.sh - the README's two commands, runnable as root on a fresh Debian 12.
#
#   sh tests/quickstart.sh demo    install build dependencies, build, and crawl a small
#                                  site served on 127.0.0.1 by the project's test server
#   sh tests/quickstart.sh check   install build dependencies, build, and run the whole
#                                  test suite: plain build, make distcheck, again
#                                  under AddressSanitizer + UndefinedBehaviorSanitizer,
#                                  the threaded tests under ThreadSanitizer, and 30 s
#                                  of every libFuzzer target
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages the build, the tests and the demo need.
packages="autoconf automake make gcc pkg-config libcurl4-openssl-dev libevent-dev
libjansson-dev libssl-dev zlib1g-dev libinih-dev libsystemd-dev libpsl-dev libidn2-dev libxml2-dev
check jq nodejs npm
ca-certificates systemd procps clang libclang-rt-14-dev valgrind"

install_dependencies() {
	missing=""
	for package in $packages; do
		# NodeSource's nodejs brings its own npm and conflicts with Debian's.
		[ "$package" = npm ] && command -v npm >/dev/null 2>&1 && continue
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $package"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: missing Debian packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "quickstart: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# build DIR [CONFIGURE FLAGS...]: an out-of-tree build, so several can coexist.
build() {
	dir=$1
	shift
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs")
}

demo() {
	build "$top/build"
	cd "$top/build"
	make -s -j"$jobs" tests/testserver crawlctl
	work=$(mktemp -d)
	./tests/testserver --pages 200 >"$work/ports" &
	server=$!
	trap 'kill $server 2>/dev/null || :; rm -rf "$work"' EXIT INT TERM
	while [ ! -s "$work/ports" ]; do sleep 0.1; done
	port=$(head -n 1 "$work/ports")
	base="http://127.0.0.1:$port"
	{
		echo "# crawld demo: 200 pages of a local site plus a few that go wrong"
		for n in $(seq 0 199); do echo "$base/site/$n"; done
		echo "$base/status/404"
		echo "$base/redirect/3"
		echo "$base/redirect-loop"
		echo "$base/redirect-to?url=file%3A%2F%2F%2Fetc%2Fpasswd"
		echo "$base/delay?ms=3000"
		echo "$base/gzip-bomb?mb=50"
		echo "$base/invalid-utf8"
		echo "not a url"
	} >"$work/urls.txt"
	echo "quickstart: crawling $(grep -c . "$work/urls.txt") lines from $work/urls.txt"
	./crawld --once "$work/urls.txt" --threads 2 --processes 1 --inflight 16 \
		--timeout 2 --output "$work/results.jsonl"
	echo
	echo "== first record =="
	jq -S 'select(.seq == 1)' "$work/results.jsonl"
	echo "== records by outcome =="
	jq -r 'if .ok then "ok" else .error.code end' "$work/results.jsonl" | sort | uniq -c
	echo "== records by worker kind =="
	jq -r '.worker.kind // "supervisor (bad line)"' "$work/results.jsonl" | sort | uniq -c
	echo "== the ones that went wrong =="
	jq -c 'select(.ok | not) | {seq, url, error}' "$work/results.jsonl"
	echo
	echo "== the same list through the service, driven by crawlctl =="
	: >"$work/crawld.conf"
	./crawld --config "$work/crawld.conf" --state-dir "$work/state" \
		--runtime-dir "$work/run" --threads 1 --processes 1 --timeout 2 \
		2>"$work/crawld.log" &
	daemon=$!
	trap 'kill $daemon $server 2>/dev/null || :; rm -rf "$work"' EXIT INT TERM
	export CRAWLD_RUNTIME_DIR="$work/run"
	while ! ./crawlctl status >/dev/null 2>&1; do sleep 0.1; done
	job=$(./crawlctl submit "$work/urls.txt")
	echo "submitted as job $job"
	until [ "$(./crawlctl --json job "$job" | jq -r .state)" = done ]; do
		sleep 0.2
	done
	./crawlctl jobs
	echo
	./crawlctl status
	kill "$daemon"
	wait "$daemon" || true
	echo
	echo "journal: $(wc -l <"$work/state/done/$job.jsonl") records in $work/state/done/$job.jsonl"
}

# The npm package tests/check_warcio.sh reads the WARC files with, in a
# directory of its own (WARCIO_PREFIX tells the test where).
install_warcio() {
	WARCIO_PREFIX=$top/build-warcio
	export WARCIO_PREFIX
	[ -f "$WARCIO_PREFIX/node_modules/warcio/package.json" ] && return 0
	echo "quickstart: installing warcio (npm) into $WARCIO_PREFIX"
	npm install --silent --no-audit --no-fund --prefix "$WARCIO_PREFIX" warcio@2.4.11
}

check() {
	install_warcio
	build "$top/build"
	(cd "$top/build" && make -s -j"$jobs" check && make -s distcheck)
	build "$top/build-sanitizers" --enable-sanitizers
	(cd "$top/build-sanitizers" && make -s -j"$jobs" check)
	build "$top/build-tsan" --enable-tsan
	(cd "$top/build-tsan" && make -s -j"$jobs" check-tsan)
	build "$top/build-fuzz" CC=clang --enable-fuzzing
	(cd "$top/build-fuzz" && make -s fuzz-smoke)
	echo "quickstart: all tests passed (plain, distcheck, sanitizers, tsan, fuzz smoke)"
}

case "${1:-}" in
demo)
	install_dependencies
	demo
	;;
check)
	install_dependencies
	check
	;;
*)
	echo "usage: sh tests/quickstart.sh demo|check" >&2
	exit 2
	;;
esac
