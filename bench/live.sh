#!/usr/bin/env bash
# Many readers of one live story (issue 18): CLIENTS concurrent event
# streams on one web node, and the time an entry takes to reach them all.
#
#   bash bench/live.sh            # from anywhere in the repository
#
# What it does:
#   1. builds the release binary (or uses $HERALD_BIN) and starts
#      `herald serve --demo` on a free loopback port with a fresh data
#      folder, no delivery workers, room for the streams
#      (`http.max_connections`, and `http.max_streams_per_address` raised:
#      every client here comes from 127.0.0.1), and the file-descriptor
#      limit raised for it and the clients;
#   2. makes an editor and an API token with the command line, and finds the
#      demo's live story;
#   3. runs bench/live_clients.mjs (Node, raw sockets): opens CLIENTS
#      streams, then posts EVENTS entries one at a time through the admin
#      API, and measures the time from each POST to each stream receiving
#      the entry (p50, p99, max over every delivery), the server's resident
#      memory before and with the streams, and its CPU time per delivered
#      event; then the story page's latency under a closed-loop load of
#      PAGE_LOOPS connections, alone and while EVENTS more entries go out
#      (their delivery latency under that load is reported too).
# Results also go to bench/out/live-<time>.txt (ignored by git). Herald is
# stopped and the data folder removed on exit (trap).
#
# Goals: p99 under 1 s for 10,000 streams on a 2-core machine; resident
# memory growth under 40 MB per 10,000 streams; the story page's p99 under
# 10 ms while entries go out.
#
# Environment (defaults): CLIENTS 10000, EVENTS 10, PAGE_LOOPS 4,
# REUSE 0 (1: each stream is asked for on a connection that served another
# request first, as a browser reuses the one that loaded the page),
# HERALD_BIN (skip the build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"
CLIENTS="${CLIENTS:-10000}"
REUSE="${REUSE:-0}"
EVENTS="${EVENTS:-10}"
PAGE_LOOPS="${PAGE_LOOPS:-4}"
EDITOR="bench-editor@example.org"
LIVE_SLUG="ashwater-bursts-banks-wrenford-evacuated"

say() { printf '\n== %s\n' "$*"; }
# shellcheck source=bench/common.sh
. "$BENCH/common.sh"
work_folder live

# Each stream is a socket in the server and one in the client.
ulimit -n "$(( CLIENTS + 2048 ))"

# --- 1. the site ---------------------------------------------------------
herald_binary
describe_machine
echo "node $(node --version); $CLIENTS streams, $EVENTS entries, $PAGE_LOOPS page-load connections, REUSE=$REUSE"
port="$(free_port)"
base="http://127.0.0.1:$port"
global=(--data "$WORK/data" --config "$WORK/herald.toml" --bind "127.0.0.1:$port" --base-url "$base")
cat >"$WORK/herald.toml" <<TOML
[http]
max_connections = $(( CLIENTS + 1000 ))
max_streams_per_address = $(( CLIENTS + 100 ))
[push]
workers = 0
TOML
say "starting herald on $base"
RUST_LOG=warn NO_COLOR=1 "$HERALD" "${global[@]}" serve --demo >"$WORK/herald.log" 2>&1 &
herald_pid=$!
wait_for_herald "$base"

# --- 2. an editor, a token, the live story ---------------------------------
token="$(editor_token "$EDITOR" "${global[@]}")"
story_id="$(curl -fsS "$base/stories/$LIVE_SLUG" | grep -o 'data-story-id="[0-9]*"' | grep -o '[0-9]*')"
[ -n "$story_id" ] || { echo "the demo has no live story $LIVE_SLUG" >&2; exit 1; }

# --- 3. the readers --------------------------------------------------------
say "$CLIENTS streams of /stories/$LIVE_SLUG; $EVENTS entries"
result="$(BASE="$base" SLUG="$LIVE_SLUG" STORY_ID="$story_id" TOKEN="$token" HERALD_PID="$herald_pid" \
  CLIENTS="$CLIENTS" EVENTS="$EVENTS" PAGE_LOOPS="$PAGE_LOOPS" REUSE="$REUSE" node "$BENCH/live_clients.mjs")"
echo "$result"

summary="$(python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
l, alone, during = r["latency_ms"], r["story_page_ms_alone"], r["story_page_ms_during"]
print(f"streams: {r['streams_open']} open ({r['streams_failed']} failed) in {r['connect_seconds']} s")
print(f"delivery of {r['events']} entries: {r['delivered']} deliveries, {r['missing']} missing; "
      f"POST to stream p50 {l['p50']} ms, p99 {l['p99']} ms, max {l['max']} ms")
print(f"server memory: {r['rss_mib']['before']} MiB before, {r['rss_mib']['with_streams']} MiB with the streams: "
      f"{r['rss_mib_per_1000_streams']} MiB per 1,000 streams")
print(f"server CPU: {r['server_cpu_seconds']} s for the deliveries, {r['server_cpu_us_per_delivered_event']} µs per delivered event")
u = r["latency_ms_under_page_load"]
print(f"the same under the page load: POST to stream p50 {u['p50']} ms, p99 {u['p99']} ms, max {u['max']} ms, {r['missing_under_page_load']} missing")
print(f"story page alone: p50 {alone['p50']} ms, p99 {alone['p99']} ms ({alone['n']} requests, {alone['errors']} errors); "
      f"while entries go out: p50 {during['p50']} ms, p99 {during['p99']} ms ({during['n']} requests, {during['errors']} errors)")
per_10k = r["rss_mib_per_1000_streams"] * 10 * 1.048576
print(f"  goal p99 under 1 s: {'yes' if l['p99'] is not None and l['p99'] < 1000 and r['missing'] == 0 else 'NO'}")
print(f"  goal memory growth under 40 MB per 10,000 streams: {'yes' if per_10k < 40 else 'NO'} ({per_10k:.1f} MB)")
print(f"  goal story page p99 under 10 ms meanwhile: {'yes' if during['p99'] is not None and during['p99'] < 10 else 'NO'}")
PY
)"
say "summary"
echo "$summary"
mkdir -p "$ROOT/bench/out"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
{ echo "$summary"; echo "$result"; } >"$ROOT/bench/out/live-$stamp.txt"
say "saved bench/out/live-$stamp.txt"
