#!/bin/sh
# check_warcio.sh - a WARC file from src/warc.c read by another implementation:
# webrecorder's warcio (the npm package, in Node.js). check_warc --sample
# writes a warcinfo and three request/response pairs (one spooled past memory,
# one truncated); warcio's CLI must index every record, and a script on its
# parser checks each record's type, target URI, IDs and links, Content-Length,
# block and payload digests (recomputed over what warcio read, the payload
# after warcio's own parse of the HTTP header) and WARC-Truncated.
#
# make check runs this with CHECK_WARC set. warcio is looked for in
# $WARCIO_PREFIX/node_modules (a directory given to npm install --prefix),
# then among the global packages; the CI installs it with
#   npm install --prefix "$WARCIO_PREFIX" warcio
# Exit status: 0 pass, 1 fail, 77 skip (no node or no warcio), 99 cannot test.
set -u

: "${CHECK_WARC:?set CHECK_WARC to the check_warc binary}"

if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node is not installed (Debian packages nodejs npm)"
	exit 77
fi
NODE_PATH=
if [ -n "${WARCIO_PREFIX:-}" ]; then
	NODE_PATH=$WARCIO_PREFIX/node_modules
fi
if command -v npm >/dev/null 2>&1; then
	NODE_PATH=$NODE_PATH${NODE_PATH:+:}$(npm root -g 2>/dev/null)
fi
export NODE_PATH
if ! node -e 'require("warcio")' >/dev/null 2>&1; then
	echo "SKIP: the npm package warcio is not installed (npm install --prefix DIR warcio, then WARCIO_PREFIX=DIR)"
	exit 77
fi
cli=
for dir in $(echo "$NODE_PATH" | tr ':' ' '); do
	if [ -f "$dir/warcio/dist/cli.js" ]; then
		cli=$dir/warcio/dist/cli.js
		break
	fi
done

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM

name=$("$CHECK_WARC" --sample "$tmp") || { echo "check_warc --sample failed" >&2; exit 99; }
file=$tmp/$name
[ -s "$file" ] || { echo "no sample file $file" >&2; exit 99; }
status=0

if [ -n "$cli" ]; then
	if ! node "$cli" index "$file" >"$tmp/index" 2>"$tmp/index.err"; then
		echo "not ok - warcio index failed"
		cat "$tmp/index.err"
		status=1
	fi
	cat "$tmp/index"
	if [ "$(grep -c '"warc-type"' "$tmp/index")" != 7 ] || [ -s "$tmp/index.err" ]; then
		echo "not ok - warcio index lists $(grep -c . "$tmp/index") records, not 7"
		cat "$tmp/index.err"
		status=1
	else
		echo "ok - warcio index lists the 7 records"
	fi
fi

cat >"$tmp/check.js" <<'EOF'
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const { WARCParser } = require("warcio");

const file = process.argv[2];
const failures = [];
const fail = (what) => failures.push(what);

function base32(bytes) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of bytes) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i + 5 <= bits.length; i += 5)
    out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}
const sha1 = (bytes) =>
  "sha1:" + base32(crypto.createHash("sha1").update(bytes).digest());
const idShape = /^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$/;

async function records(parseHttp) {
  const out = [];
  const parser = new WARCParser(fs.createReadStream(file), { parseHttp });
  for await (const record of parser) {
    const entry = { record, offset: parser.offset };
    entry.content = await record.readFully(false);
    out.push(entry);
  }
  return out;
}

(async () => {
  const raw = await records(false);
  const http = await records(true);
  const want = [
    ["warcinfo", null],
    ["request", "http://example.com/page"],
    ["response", "http://example.com/page"],
    ["request", "http://example.com/big"],
    ["response", "http://example.com/big"],
    ["request", "http://example.com/cut"],
    ["response", "http://example.com/cut"],
  ];
  if (raw.length !== want.length) fail(`${raw.length} records, not ${want.length}`);
  const info = raw[0].record;
  if (info.warcHeader("WARC-Filename") !== path.basename(file))
    fail(`WARC-Filename ${info.warcHeader("WARC-Filename")}`);
  if (info.warcHeader("Content-Type") !== "application/warc-fields")
    fail("warcinfo Content-Type");
  if (!/^software: crawld\/test\r\n/.test(Buffer.from(raw[0].content).toString()))
    fail("warcinfo fields");
  const infoId = info.warcHeader("WARC-Record-ID");
  const ids = new Set();
  raw.forEach((entry, i) => {
    const r = entry.record;
    const h = (name) => r.warcHeader(name);
    const [type, uri] = want[i] || [];
    const where = `record ${i} (${r.warcType} ${r.warcTargetURI || ""})`;
    if (r.warcHeaders.protocol !== "WARC/1.1") fail(`${where}: ${r.warcHeaders.protocol}`);
    if (r.warcType !== type) fail(`${where}: type, want ${type}`);
    if (uri !== null && r.warcTargetURI !== uri) fail(`${where}: target URI, want ${uri}`);
    if (!idShape.test(h("WARC-Record-ID"))) fail(`${where}: record ID ${h("WARC-Record-ID")}`);
    if (ids.has(h("WARC-Record-ID"))) fail(`${where}: record ID used twice`);
    ids.add(h("WARC-Record-ID"));
    if (Number(h("Content-Length")) !== entry.content.length)
      fail(`${where}: Content-Length ${h("Content-Length")}, block ${entry.content.length}`);
    if (h("WARC-Block-Digest") !== sha1(entry.content)) fail(`${where}: block digest`);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(h("WARC-Date"))) fail(`${where}: date`);
    if (i === 0) return;
    if (h("WARC-Warcinfo-ID") !== infoId) fail(`${where}: warcinfo ID`);
    if (h("Content-Type") !== `application/http;msgtype=${type}`) fail(`${where}: Content-Type`);
    if (type === "response") {
      if (h("WARC-Concurrent-To") !== raw[i - 1].record.warcHeader("WARC-Record-ID"))
        fail(`${where}: WARC-Concurrent-To is not its request`);
      const parsed = http[i];
      if (!parsed.record.httpHeaders || parsed.record.httpHeaders.statusline !== "HTTP/1.1 200 OK")
        fail(`${where}: HTTP status line`);
      if (h("WARC-Payload-Digest") !== sha1(parsed.content)) fail(`${where}: payload digest`);
      const truncated = uri.endsWith("/cut") ? "length" : null;
      if ((h("WARC-Truncated") || null) !== truncated) fail(`${where}: WARC-Truncated ${h("WARC-Truncated")}`);
    } else {
      if (!http[i].record.httpHeaders || http[i].record.httpHeaders.statusline !== "GET /page HTTP/1.1")
        fail(`${where}: HTTP request line`);
      if (h("WARC-Payload-Digest") || h("WARC-Truncated")) fail(`${where}: response-only header`);
    }
  });
  for (const f of failures) console.log(`not ok - ${f}`);
  if (failures.length === 0) console.log(`ok - warcio parsed ${raw.length} records, every header and digest as written`);
  process.exit(failures.length === 0 ? 0 : 1);
})().catch((err) => {
  console.log(`not ok - warcio failed: ${err.stack || err}`);
  process.exit(1);
});
EOF
node "$tmp/check.js" "$file" || status=1
exit $status
