#!/usr/bin/env bash
# The storm after the push (issue 20): one `herald serve` with its delivery
# workers sends a story to N subscribers while readers load its pages.
#
#   bash bench/storm.sh                 # N = 200,000
#   N=20000 bash bench/storm.sh         # a quick run
#
# What it does:
#   1. installs what is missing (nginx, wrk, h2load from nghttp2-client,
#      openssl), builds the release binary (or uses $HERALD_BIN), starts
#      the local push service (nginx answering 201, bench/common.sh), and
#      measures the crypto yardstick (`openssl speed ecdhp256`);
#   2. seeds N subscribers following Politics at the sink (distinct ids,
#      one key pair: every message is still encrypted on its own, as in
#      bench/fanout.sh) and starts `herald serve --demo` with its delivery
#      workers, `/metrics` behind a token;
#   3. bench/storm_bench.py measures, on that one server:
#      (a) the pages alone (a Politics story, the home page, the Politics
#          topic page): closed loop, wrk, $CONNECTIONS connections,
#          $PAGES_SECONDS s;
#      (b) a fan-out alone (a story published in Politics through the
#          admin API by an editor, as the newsroom does, followed to its
#          last message);
#      (c) the click storm: the same fan-out with an open-loop page load
#          (h2load --h1 --rps) at $FRACTION of (a)'s rate on the new story,
#          the home page and the topic page, started the moment the story
#          is published and kept up past the fan-out's end;
#      (d) the same fan-out under a saturating closed-loop wrk;
#      and prints page requests/s, p50/p99/max and errors for (a), (c), (d);
#      fan-out duration, messages/s and Herald's CPU per message in P-256
#      ECDH operations for (b), (c), (d) (in (c) and (d) net of the pages
#      served meanwhile, each charged (a)'s CPU per page); and the pages
#      rendered during (c);
#   4. the connect storm: a story is published (in a topic nobody follows)
#      and $STORM_CONNECTIONS readers arrive on new connections at once
#      (bench/storm_run.py): listen-queue drops, connect and answer times,
#      renders; then the same at an unrelated page, which stayed cached.
# Results also go to bench/out/storm-<time>.txt (ignored by git).
# Everything it starts is stopped and its folder removed on exit (trap).
#
# Goals (issue 20): (c) page p99 under 20 ms, no errors, fan-out at most
# 1.5x (b)'s duration; (d) page rate at least 50% of (a)'s, the fan-out
# completes; each affected page rendered once; no listen-queue drop.
#
# Environment (defaults): N 200000, TRANSPORT http (or tls: the sink over
# HTTP/2 and TLS), WORKERS 2, SHARD_SIZE 5000, BATCH_SIZE 500,
# CONCURRENCY 100 (per push service), CONNECTIONS 64, PAGES_SECONDS 10,
# FRACTION 0.3, RPS_CLIENTS 64, ECDH_SECONDS 3, RUN_TIMEOUT 900,
# STORM_CONNECTIONS 1000, BACKLOG 4096 (http.listen_backlog),
# ENCRYPTION_THREADS and ENCRYPTION_NICE (push.encryption_threads and
# push.encryption_nice; unset: Herald's defaults; ENCRYPTION_THREADS=0
# encrypts on the web server's threads, for comparison), HERALD_BIN (skip
# the build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"
N="${N:-200000}"
TRANSPORT="${TRANSPORT:-http}"
WORKERS="${WORKERS:-2}"
SHARD_SIZE="${SHARD_SIZE:-5000}"
BATCH_SIZE="${BATCH_SIZE:-500}"
CONCURRENCY="${CONCURRENCY:-100}"
ECDH_SECONDS="${ECDH_SECONDS:-3}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-1000}"
BACKLOG="${BACKLOG:-4096}"
export CONNECTIONS="${CONNECTIONS:-64}" PAGES_SECONDS="${PAGES_SECONDS:-10}" FRACTION="${FRACTION:-0.3}" \
  RPS_CLIENTS="${RPS_CLIENTS:-64}" RUN_TIMEOUT="${RUN_TIMEOUT:-900}"
TOKEN="storm-bench-metrics-token-0123"

say() { printf '\n== %s\n' "$*"; }
# shellcheck source=bench/common.sh
. "$BENCH/common.sh"
work_folder storm
mkdir -p "$ROOT/bench/out"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
exec > >(tee "$ROOT/bench/out/storm-$stamp.txt") 2>&1

# --- 1. tools, Herald, the sink, the yardstick --------------------------------
install_missing nginx:nginx wrk:wrk h2load:nghttp2-client openssl:openssl curl:curl
herald_binary
describe_machine
echo "N $N, $TRANSPORT; workers $WORKERS; encryption threads ${ENCRYPTION_THREADS:-default}, nice ${ENCRYPTION_NICE:-default}"
sink_http="$(free_port)"
sink_tls="$(free_port)"
start_push_sink "$sink_http" "$sink_tls"
if [ "$TRANSPORT" = tls ]; then sink="https://localhost:$sink_tls"; else sink="http://127.0.0.1:$sink_http"; fi
ECDH_OPS="$(ecdh_ops "$ECDH_SECONDS")"
echo "openssl speed ecdhp256: $ECDH_OPS operations/s"

# --- 2. subscribers and the site ----------------------------------------------
port="$(free_port)"
base="http://127.0.0.1:$port"
{
  echo "metrics_token = \"$TOKEN\""
  echo "[http]"
  echo "listen_backlog = $BACKLOG"
  echo "[push]"
  echo "vapid_subject = \"mailto:bench@example.org\""
  echo "allowed_hosts = [\"http://127.0.0.1:$sink_http\", \"https://localhost:$sink_tls\"]"
  echo "workers = $WORKERS"
  echo "shard_size = $SHARD_SIZE"
  echo "batch_size = $BATCH_SIZE"
  echo "concurrency_per_origin = $CONCURRENCY"
  if [ -n "${ENCRYPTION_THREADS:-}" ]; then echo "encryption_threads = $ENCRYPTION_THREADS"; fi
  if [ -n "${ENCRYPTION_NICE:-}" ]; then echo "encryption_nice = $ENCRYPTION_NICE"; fi
} >"$WORK/herald.toml"
herald_cli() { RUST_LOG=warn "$HERALD" --data "$WORK/data" --config "$WORK/herald.toml" "$@"; }
cat >"$WORK/seed.json" <<'JSON'
{"headline": "Benchmark seed", "slug": "bench-seed", "body_markdown": "Creates the Politics topic.", "topics": ["Politics"]}
JSON
start_herald() {
  SSL_CERT_FILE="$CERT" RUST_LOG=warn NO_COLOR=1 "$HERALD" --data "$WORK/data" --config "$WORK/herald.toml" \
    --bind "127.0.0.1:$port" --base-url "$base" serve --demo >>"$WORK/herald.log" 2>&1 &
  herald_pid=$!
  wait_for_herald "$base"
}
herald_cli story add "$WORK/seed.json" >/dev/null
# The demo's stories are published with their notifications: those go out
# first, to nobody, so that no subscriber's daily cap is spent on them.
say "seeding the demo"
start_herald
python3 - "$WORK/data/herald.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
for _ in range(300):
    if db.execute("SELECT count(*) FROM push_jobs WHERE state != 'done'").fetchone()[0] == 0:
        break
    time.sleep(0.1)
else:
    sys.exit("the demo's notification jobs did not finish")
PY
kill -TERM "$herald_pid"; wait "$herald_pid" || true; herald_pid=""
# The stories of (b)-(d) are published through the admin API, as the
# newsroom publishes them, by an editor with an API token.
API_TOKEN="$(editor_token storm-editor@example.org --data "$WORK/data" --config "$WORK/herald.toml")"
python3 "$BENCH/fanout_keys.py" "$WORK/keys.json"
python3 "$BENCH/fanout_seed.py" "$WORK/data/herald.db" "$N" politics "$sink" "$WORK/keys.json" "$SHARD_SIZE" "$BATCH_SIZE"
say "starting herald on $base"
start_herald
echo "herald threads: $(ps -L -o comm=,ni= -p "$herald_pid" | sort | uniq -c | xargs)"

# --- 3. (a)-(d) -----------------------------------------------------------------
say "pages and fan-outs (a)-(d)"
storm="$(cd "$BENCH" && python3 storm_bench.py "$base" "$herald_pid" "$WORK/data" "$TOKEN" "$ECDH_OPS" "$WORK" \
  "$API_TOKEN")"
echo "$storm"

# --- 4. the connect storm ---------------------------------------------------------
unrelated="$(curl -fsS "$base/" | grep -o 'href="/stories/[^"]*"' | tail -n 1 | sed 's/^href="//; s/"$//')"
[ -n "$unrelated" ] || { echo "no story on the home page" >&2; exit 1; }
curl -fsS -o /dev/null "$base$unrelated"
slug="storm-connect-$(date +%s)"
cat >"$WORK/story.json" <<JSON
{"slug": "$slug", "headline": "A storm of readers", "standfirst": "Everyone arrives at once.",
 "body_markdown": "They all came at once.", "topics": ["Culture"], "authors": ["Bench"]}
JSON
say "connect storm: publishing /stories/$slug from another process"
herald_cli story add "$WORK/story.json" --publish >/dev/null
sleep 1.5
say "connect storm: $STORM_CONNECTIONS new connections at once to / and /stories/$slug"
after_publish="$(python3 "$BENCH/storm_run.py" "$base" "/,/stories/$slug" "$STORM_CONNECTIONS" --metrics-token "$TOKEN")"
echo "$after_publish"
say "connect storm: $STORM_CONNECTIONS new connections at once to the unrelated $unrelated"
unrelated_run="$(python3 "$BENCH/storm_run.py" "$base" "$unrelated" "$STORM_CONNECTIONS" --metrics-token "$TOKEN")"
echo "$unrelated_run"

say "summary"
python3 - "$storm" "$after_publish" "$unrelated_run" <<'PY'
import json, sys
storm, published, unrelated = (json.loads(a) for a in sys.argv[1:4])
a, b, c, d = storm["a"], storm["b"], storm["c"], storm["d"]
def pages(p):
    return (f"{p['rps']:.0f} requests/s, p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
            f"max {p['max_ms']} ms, errors {p['errors']}")
def fanout(f, ecdh):
    ok = "" if f["ok"] else f" NOT COMPLETE ({f['error']})"
    return (f"{f['messages']} messages in {f['wall_s']} s, {f['msgs_per_s']:.0f} messages/s, "
            f"{f[ecdh]} ECDH-equivalents per message{ok}")
print(f"pages: {', '.join(storm['pages'])}; ECDH {storm['ecdh_ops_per_s']:.0f}/s")
print(f"(a) pages alone:        {pages(a)}")
print(f"(b) fan-out alone:      {fanout(b, 'ecdh_per_msg')}")
print(f"(c) click storm pages:  {pages(c['pages'])} (target {c['target_rps']}/s for {c['load_seconds']} s)")
print(f"(c) click storm fan-out: {fanout(c['fanout'], 'ecdh_per_msg_net')} (net of pages); "
      f"{c['fanout']['wall_s'] / b['wall_s']:.2f}x (b); pages rendered during (c): {c['renders']:.0f}")
print(f"(d) saturated pages:    {pages(d['pages'])}; {d['pages']['rps'] / a['rps']:.0%} of (a)")
print(f"(d) saturated fan-out:  {fanout(d['fanout'], 'ecdh_per_msg_net')} (net of pages); "
      f"{d['fanout']['wall_s'] / b['wall_s']:.2f}x (b)")
yes = lambda ok: "yes" if ok else "NO"
print(f"  goal (c) p99 < 20 ms, no errors: {yes(c['pages']['p99_ms'] < 20 and c['pages']['errors'] == 0)}; "
      f"fan-out <= 1.5x (b): {yes(c['fanout']['wall_s'] <= 1.5 * b['wall_s'])}")
print(f"  goal (c) each affected page rendered once: {yes(c['renders'] <= len(storm['pages']))} "
      f"({c['renders']:.0f} renders of {len(storm['pages'])} pages)")
print(f"  goal (d) pages >= 50% of (a): {yes(d['pages']['rps'] >= 0.5 * a['rps'])}; fan-out completes: {yes(d['fanout']['ok'])}")
for name, run, asked in (("connect storm after the publish", published, 2), ("connect storm, unrelated page", unrelated, 0)):
    co, an = run["connect_ms"], run["answer_ms"]
    print(f"{name}: {run['connections']} connections in {run['seconds']} s; listen drops {run['listen_drops']}; "
          f"connect p50 {co['p50']} ms, p99 {co['p99']} ms, max {co['max']} ms, {co['over_900ms']} over 900 ms; "
          f"answer p50 {an['p50']} ms, p99 {an['p99']} ms; statuses {run['statuses']}; renders {run['renders']}")
    if run["listen_drops"] is not None:
        print(f"  goal no listen-queue drop: {yes(run['listen_drops'] == 0)}")
    if run["renders"] is not None:
        print(f"  goal renders <= {asked}: {yes(run['renders'] <= asked)}")
PY
say "saved bench/out/storm-$stamp.txt"
