#!/usr/bin/env bash
# Fan-out benchmark (issue 5, "Performance"): N stored subscribers following
# Politics, one story published in Politics, every notification sent to a
# local push-service sink (nginx answering `return 201;`), measured from the
# publish to the last 201.
#
# Usage: bench/fanout.sh [N...]          (default: 100000 1000000)
#
# For each N and each transport -- plain HTTP/1.1, and HTTP/2 over TLS with a
# self-signed certificate that Herald trusts through SSL_CERT_FILE -- it
# seeds a fresh data folder, starts `herald serve` (release build), publishes
# the story with `herald story add --publish` and prints: messages/s, Herald's
# CPU-seconds per 1,000 messages, peak RSS, time to the first notification,
# and CPU per message in OpenSSL P-256 ECDH operations (`openssl speed
# ecdhp256`, run in the same run). It shows the sink is not the bottleneck
# (wrk and h2load POSTing push-sized bodies at Herald's concurrency), and
# sends a sample of the same messages with Node's `web-push` and Python's
# `pywebpush` to the same sink to print Herald's speed-up over each.
# See bench/README.md ("fanout.sh") for what is measured and how.
#
# On PostgreSQL (issue 7): set DATABASE_URL to a PostgreSQL database whose
# user may create databases. For each N and each count of `herald worker`
# processes in WORKER_PROCESSES (default "1 2"), a fresh database is created
# beside it (and dropped after), N subscribers are COPYed in, a web-only node
# (`herald serve --workers 0`) and that many worker processes (each with
# WORKERS delivery tasks) are started, and the story is published; it prints
# messages/s for each and the scaling (rate with P processes / rate with the
# fewest). TRANSPORTS defaults to "http" and the library comparisons are
# skipped (COMPARE=no): neither depends on the database. The measurement for
# issue 7, one million subscribers with one and two worker processes:
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres WORKER_PROCESSES="1 2" \
#     bash bench/fanout.sh 1000000
#
# Environment (defaults): HERALD_PORT 19300, SINK_HTTP_PORT 19301,
# SINK_TLS_PORT 19302, WORKERS 2, SHARD_SIZE 5000, BATCH_SIZE 500,
# CONCURRENCY 100 (per origin, and the sink check's), TRANSPORTS "http tls",
# COMPARE_MAX 20000 (messages sent by each of web-push and pywebpush),
# PY_TLS_SAMPLE 1000 (pywebpush over TLS, 0 to skip), NODE_CONCURRENCY 100,
# PY_THREADS 32, RUN_TIMEOUT 900 (seconds per step), ECDH_SECONDS 5 (the
# yardstick at the start), RUN_ECDH_SECONDS 3 (again before and after each
# Herald run), ENCRYPTION_THREADS and ENCRYPTION_NICE (push.encryption_threads
# and push.encryption_nice; unset: Herald's defaults; 0 threads encrypts on
# the web server's threads),
# DATABASE_URL (unset: SQLite in a data folder), WORKER_PROCESSES "1 2"
# (PostgreSQL only), COMPARE yes (no on PostgreSQL), HERALD_BIN (a herald
# binary to use instead of building the release one; figures from a debug
# build say nothing about speed).
#
# Run as root on Debian (installs nginx, wrk, nghttp2-client, openssl with
# apt-get; web-push with `npm ci` in bench/; pywebpush with pip when missing).
# Everything it starts is stopped when it ends, however it ends; results go
# to bench/out/fanout-<time>.txt and .jsonl (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"

if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(100000 1000000); fi
HERALD_PORT="${HERALD_PORT:-19300}"
SINK_HTTP_PORT="${SINK_HTTP_PORT:-19301}"
SINK_TLS_PORT="${SINK_TLS_PORT:-19302}"
DATABASE_URL="${DATABASE_URL:-}"
if [ -n "$DATABASE_URL" ]; then
  WORKER_PROCESSES="${WORKER_PROCESSES:-1 2}"
  TRANSPORTS="${TRANSPORTS:-http}"
  COMPARE="${COMPARE:-no}"
else
  WORKER_PROCESSES=0
fi
COMPARE="${COMPARE:-yes}"
WORKERS="${WORKERS:-2}"
SHARD_SIZE="${SHARD_SIZE:-5000}"
BATCH_SIZE="${BATCH_SIZE:-500}"
CONCURRENCY="${CONCURRENCY:-100}"
TRANSPORTS="${TRANSPORTS:-http tls}"
COMPARE_MAX="${COMPARE_MAX:-20000}"
PY_TLS_SAMPLE="${PY_TLS_SAMPLE:-1000}"
NODE_CONCURRENCY="${NODE_CONCURRENCY:-100}"
PY_THREADS="${PY_THREADS:-32}"
RUN_TIMEOUT="${RUN_TIMEOUT:-900}"
ECDH_SECONDS="${ECDH_SECONDS:-5}"
RUN_ECDH_SECONDS="${RUN_ECDH_SECONDS:-3}"

mkdir -p "$BENCH/out"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$BENCH/out/fanout-$STAMP.txt"
RESULTS="$BENCH/out/fanout-$STAMP.jsonl"
: > "$RESULTS"
exec > >(tee "$REPORT") 2>&1

WORK="$(mktemp -d /tmp/herald-fanout.XXXXXX)"
BENCH_DB=""
say() { printf '\n== %s\n' "$*"; }
# shellcheck source=bench/common.sh
. "$BENCH/common.sh"
cleanup() {
  set +e
  if [ -n "$BENCH_DB" ]; then drop_database "$BENCH_DB"; fi
  stop_push_sink
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# PostgreSQL: DATABASE_URL's server, another database on it.
database_url() { echo "${DATABASE_URL%/*}/$1"; }
drop_database() {
  psql "$DATABASE_URL" -X -q -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}
record() { echo "$1" >> "$RESULTS"; }

# --- tools ---------------------------------------------------------------
has_transport() { [[ " $TRANSPORTS " == *" $1 "* ]]; }
tools=(nginx:nginx openssl:openssl)
if has_transport http; then tools+=(wrk:wrk); fi
if has_transport tls; then tools+=(h2load:nghttp2-client); fi
if [ "$COMPARE" = yes ]; then tools+=(node:nodejs npm:npm); fi
if [ -n "$DATABASE_URL" ]; then tools+=(psql:postgresql-client); fi
install_missing "${tools[@]}"
if [ "$COMPARE" = yes ]; then
  if [ ! -d "$BENCH/node_modules/web-push" ]; then (cd "$BENCH" && npm ci --no-audit --no-fund --silent); fi
  python3 -c 'import pywebpush' 2>/dev/null || python3 -m pip install --quiet 'pywebpush==2.5.0'
fi

herald_binary
describe_machine
if [ "$COMPARE" = yes ]; then
  echo "node $(node --version); $(python3 --version); pywebpush $(python3 -c 'import importlib.metadata as m; print(m.version("pywebpush"))'); web-push $(node -p 'require("./bench/node_modules/web-push/package.json").version')"
fi
if [ -n "$DATABASE_URL" ]; then
  echo "database: $(psql "$DATABASE_URL" -X -At -c 'SHOW server_version') at ${DATABASE_URL#*@}; worker processes: $WORKER_PROCESSES, $WORKERS delivery tasks each"
fi

# --- the sink: nginx answering 201 -----------------------------------------
start_push_sink "$SINK_HTTP_PORT" "$SINK_TLS_PORT"
code_http="$(curl -s -o /dev/null -w '%{http_code} %{http_version}' -X POST --data x "http://127.0.0.1:$SINK_HTTP_PORT/push/1")"
# curl may end an HTTP/2 exchange nginx answered with a stream error (exit
# 92); the status it prints is what matters here.
code_tls="$(curl -s -o /dev/null -w '%{http_code} %{http_version}' --cacert "$CERT" -X POST --data x "https://localhost:$SINK_TLS_PORT/push/1" || true)"
echo "sink: http://127.0.0.1:$SINK_HTTP_PORT answers $code_http; https://localhost:$SINK_TLS_PORT answers $code_tls"

# A push-sized body: 86-byte aes128gcm header + ~250-byte record.
head -c 340 /dev/urandom > "$WORK/body.bin"
cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
local f = io.open("$WORK/body.bin", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Encoding"] = "aes128gcm"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["TTL"] = "86400"
EOF
say "sink alone (is it the bottleneck?): $CONCURRENCY requests in flight, 10 s each"
sink_http_rate="" sink_tls_rate=""
if has_transport http; then
  wrk_out="$(wrk -t1 -c"$CONCURRENCY" -d10s -s "$WORK/post.lua" "http://127.0.0.1:$SINK_HTTP_PORT/push/1")"
  sink_http_rate="$(echo "$wrk_out" | awk '/^Requests\/sec/ {print $2}')"
  echo "HTTP/1.1, wrk -c$CONCURRENCY POST: $sink_http_rate requests/s"
fi
if has_transport tls; then
  h2_out="$(h2load -D 10 -c1 -m"$CONCURRENCY" -t1 -d "$WORK/body.bin" -H 'content-encoding: aes128gcm' -H 'ttl: 86400' "https://localhost:$SINK_TLS_PORT/push/1" 2>&1)"
  sink_tls_rate="$(echo "$h2_out" | awk '/^finished in/ {gsub(",", "", $4); print $4}')"
  echo "HTTP/2 + TLS, h2load 1 connection x $CONCURRENCY streams POST: $sink_tls_rate requests/s ($(echo "$h2_out" | grep -m1 '^status codes' | xargs))"
fi
record "{\"kind\":\"sink\",\"http_rps\":${sink_http_rate:-null},\"tls_h2_rps\":${sink_tls_rate:-null}}"

# --- the crypto yardstick -------------------------------------------------
say "openssl speed -seconds $ECDH_SECONDS ecdhp256"
ECDH_OPS="$(ecdh_ops "$ECDH_SECONDS")"
echo "$ECDH_OPS P-256 ECDH operations/s"
# The same yardstick again just before and just after each Herald run
# (ecdh_ops "$RUN_ECDH_SECONDS"): on a shared machine the speed drifts
# between runs, and a run's ratio is only fair against ECDH measured under
# the same conditions.
echo "one ECDH = $(awk -v o="$ECDH_OPS" 'BEGIN { printf "%.1f", 1e6 / o }') us"
record "{\"kind\":\"ecdh\",\"ops_per_s\":$ECDH_OPS}"

# --- shared inputs ----------------------------------------------------------
python3 "$BENCH/fanout_keys.py" "$WORK/keys.json"
cat > "$WORK/seed.json" <<'EOF'
{"headline": "Benchmark seed", "slug": "bench-seed", "body_markdown": "Creates the Politics topic.", "topics": ["Politics"]}
EOF
cat > "$WORK/story.json" <<'EOF'
{"headline": "Parliament passes the budget after an all-night sitting",
 "slug": "bench-fanout",
 "standfirst": "The vote came at dawn, after eleven hours of debate and three failed amendments from the opposition benches.",
 "body_markdown": "The budget passed by 312 votes to 288.\n\nMore follows.",
 "topics": ["Politics"]}
EOF
# The same notification Herald sends, for web-push and pywebpush.
cat > "$WORK/payload.json" <<EOF
{"title":"Parliament passes the budget after an all-night sitting","body":"The vote came at dawn, after eleven hours of debate and three failed amendments from the opposition benches.","url":"http://127.0.0.1:$HERALD_PORT/stories/bench-fanout","icon":"http://127.0.0.1:$HERALD_PORT/logo.svg","tag":"2","timestamp":$(date +%s)000}
EOF

# --- Herald -----------------------------------------------------------------
run_herald() { # N TRANSPORT WORKER_PROCESSES (0: delivery inside `herald serve`)
  local n="$1" transport="$2" procs="$3" data="$WORK/data-$1-$2" conf="$WORK/herald-$2.toml" sink
  local db_line="" db_url="" label="$transport"
  if [ "$transport" = tls ]; then sink="https://localhost:$SINK_TLS_PORT"; else sink="http://127.0.0.1:$SINK_HTTP_PORT"; fi
  if [ -n "$DATABASE_URL" ]; then
    BENCH_DB="herald_bench_$(date +%s)_${n}_$procs"
    psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $BENCH_DB" >/dev/null
    db_url="$(database_url "$BENCH_DB")"
    # Every node of a PostgreSQL site shares one secret key.
    db_line="database_url = \"$db_url\"
secret_key = \"$("$HERALD" secrets new-key)\""
    label="$transport, PostgreSQL, $procs worker process(es) x $WORKERS tasks"
  fi
  cat > "$conf" <<EOF
$db_line
[push]
vapid_subject = "mailto:bench@example.org"
allowed_hosts = ["http://127.0.0.1:$SINK_HTTP_PORT", "https://localhost:$SINK_TLS_PORT"]
workers = $WORKERS
shard_size = $SHARD_SIZE
batch_size = $BATCH_SIZE
concurrency_per_origin = $CONCURRENCY
EOF
  if [ -n "${ENCRYPTION_THREADS:-}" ]; then echo "encryption_threads = $ENCRYPTION_THREADS" >>"$conf"; fi
  if [ -n "${ENCRYPTION_NICE:-}" ]; then echo "encryption_nice = $ENCRYPTION_NICE" >>"$conf"; fi
  say "Herald, N=$n, $label ($sink)"
  rm -rf "$data" && mkdir -p "$data"
  RUST_LOG=warn "$HERALD" --data "$data" --config "$conf" story add "$WORK/seed.json" >/dev/null
  # The story is published as the newsroom publishes it: through the admin
  # API, by an editor with an API token.
  local api_token
  api_token="$(editor_token fanout-editor@example.org --data "$data" --config "$conf")"
  timeout "$RUN_TIMEOUT" python3 "$BENCH/fanout_seed.py" "${db_url:-$data/herald.db}" "$n" politics "$sink" \
    "$WORK/keys.json" "$SHARD_SIZE" "$BATCH_SIZE"
  local out backend=sqlite
  [ -n "$db_url" ] && backend=postgres
  local ecdh_before ecdh_after
  ecdh_before="$(ecdh_ops "$RUN_ECDH_SECONDS")"
  out="$(SSL_CERT_FILE="$CERT" FANOUT_WORKER_PROCESSES="$procs" \
    timeout $((RUN_TIMEOUT + 60)) python3 "$BENCH/fanout_run.py" "$HERALD" "$data" "$conf" \
    "$HERALD_PORT" "$WORK/story.json" "$api_token" "$FIRST_LOG" "$(sink_pids)" \
    "$BENCH/out/fanout-$STAMP-herald-$n-$transport-$backend-$procs.log" "$RUN_TIMEOUT")" || out='{"ok":false,"error":"the run failed"}'
  ecdh_after="$(ecdh_ops "$RUN_ECDH_SECONDS")"
  echo "$out"
  echo "ECDH beside this run: $ecdh_before/s before, $ecdh_after/s after"
  record "{\"kind\":\"herald\",\"n\":$n,\"transport\":\"$transport\",\"backend\":\"$backend\",\"processes\":$procs,\"ecdh_ops_per_s\":[$ecdh_before,$ecdh_after],\"result\":$out}"
  rm -rf "$data"
  if [ -n "$BENCH_DB" ]; then drop_database "$BENCH_DB"; BENCH_DB=""; fi
}
max_n=0
for n in "${SIZES[@]}"; do
  [ "$n" -gt "$max_n" ] && max_n="$n"
  for transport in $TRANSPORTS; do
    for procs in $WORKER_PROCESSES; do run_herald "$n" "$transport" "$procs"; done
  done
done

# --- the libraries a user would reach for ------------------------------------
sample=$(( max_n < COMPARE_MAX ? max_n : COMPARE_MAX ))
if [ "$COMPARE" = yes ]; then
  ecdh_before="$(ecdh_ops "$RUN_ECDH_SECONDS")"
  say "Node web-push: $sample messages, $NODE_CONCURRENCY in flight, HTTP/1.1 + TLS (web-push only speaks https)"
  out="$(cd "$BENCH" && NODE_EXTRA_CA_CERTS="$CERT" timeout "$RUN_TIMEOUT" node fanout_node.mjs "$WORK/keys.json" \
    "https://localhost:$SINK_TLS_PORT" "$sample" "$NODE_CONCURRENCY" "$WORK/payload.json")" || out='{"delivered":0,"error":"failed"}'
  ecdh_after="$(ecdh_ops "$RUN_ECDH_SECONDS")"
  echo "$out"; record "{\"kind\":\"node\",\"transport\":\"tls\",\"ecdh_ops_per_s\":[$ecdh_before,$ecdh_after],\"result\":$out}"

  ecdh_before="$ecdh_after"
  say "pywebpush: $sample messages, ThreadPoolExecutor($PY_THREADS), plain HTTP"
  out="$(timeout "$RUN_TIMEOUT" python3 "$BENCH/fanout_py.py" "$WORK/keys.json" "http://127.0.0.1:$SINK_HTTP_PORT" \
    "$sample" "$PY_THREADS" "$WORK/payload.json")" || out='{"delivered":0,"error":"failed"}'
  ecdh_after="$(ecdh_ops "$RUN_ECDH_SECONDS")"
  echo "$out"; record "{\"kind\":\"python\",\"transport\":\"http\",\"ecdh_ops_per_s\":[$ecdh_before,$ecdh_after],\"result\":$out}"
  if [ "$PY_TLS_SAMPLE" -gt 0 ]; then
    say "pywebpush: $PY_TLS_SAMPLE messages, ThreadPoolExecutor($PY_THREADS), HTTPS (a new TLS connection per message, as the README's call makes)"
    out="$(REQUESTS_CA_BUNDLE="$CERT" timeout "$RUN_TIMEOUT" python3 "$BENCH/fanout_py.py" "$WORK/keys.json" \
      "https://localhost:$SINK_TLS_PORT" "$PY_TLS_SAMPLE" "$PY_THREADS" "$WORK/payload.json")" || out='{"delivered":0,"error":"failed"}'
    ecdh_before="$ecdh_after"; ecdh_after="$(ecdh_ops "$RUN_ECDH_SECONDS")"
    echo "$out"; record "{\"kind\":\"python\",\"transport\":\"tls\",\"ecdh_ops_per_s\":[$ecdh_before,$ecdh_after],\"result\":$out}"
  fi
fi

# --- summary ------------------------------------------------------------------
say "summary"
python3 "$BENCH/fanout_report.py" "$RESULTS"
echo
echo "report: $REPORT"
echo "data:   $RESULTS"
