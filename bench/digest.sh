#!/usr/bin/env bash
# Digest benchmark (issue 8, "Proof"): N subscribers, each with reminders
# due now (three stories held during their quiet hours), and one
# `herald worker` whose sweeper computes, claims and sends every digest to a
# local push-service sink (nginx answering `return 201;`).
#
# Usage: bench/digest.sh [N...]          (default: 1000000)
#
# For each N: a fresh data folder; three stories in Politics and Russia
# published with `herald story add --publish` (their fan-out jobs are marked
# done by the seed: only digests are sent); digest_seed.py inserts the N
# subscribers, their follows and 3N due reminders in one SQLite transaction;
# digest_run.py starts `herald worker` (release build) and waits for its
# sweeper's log line. It prints: digests sent, wall time from the worker's
# start to the last digest, digests/s, the time the sweeper spent claiming
# and computing digests (leasing through the `due_at` index, reading the
# stories, their topics and each reader's follows), CPU seconds, and peak
# RSS of the worker process. See bench/README.md ("digest.sh").
#
# Environment (defaults): SINK_PORT 19311, BATCH_SIZE 500 (subscriptions per
# claim), CONCURRENCY 100 (per push-service origin), RUN_TIMEOUT 1800
# (seconds per step), HERALD_BIN (a herald binary to use instead of building
# the release one; figures from a debug build say nothing about speed).
#
# Run as root on Debian (installs nginx with apt-get when missing).
# Everything it starts is stopped when it ends, however it ends; results go
# to bench/out/digest-<time>.txt and .jsonl (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"

if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(1000000); fi
SINK_PORT="${SINK_PORT:-19311}"
BATCH_SIZE="${BATCH_SIZE:-500}"
CONCURRENCY="${CONCURRENCY:-100}"
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"

mkdir -p "$BENCH/out"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$BENCH/out/digest-$STAMP.txt"
RESULTS="$BENCH/out/digest-$STAMP.jsonl"
: > "$RESULTS"
exec > >(tee "$REPORT") 2>&1

WORK="$(mktemp -d /tmp/herald-digest.XXXXXX)"
cleanup() {
  set +e
  stop_push_sink
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '\n== %s\n' "$*"; }
# shellcheck source=bench/common.sh
. "$BENCH/common.sh"

install_missing nginx:nginx openssl:openssl
herald_binary
describe_machine

# --- the sink: nginx answering 201 ------------------------------------------
start_push_sink "$SINK_PORT" "$(free_port)"
SINK="http://127.0.0.1:$SINK_PORT"
echo "sink: $SINK answers $(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$SINK/push/1")"

python3 "$BENCH/fanout_keys.py" "$WORK/keys.json"
story() { # SLUG HEADLINE TOPICS_JSON
  printf '{"slug": "%s", "headline": "%s", "standfirst": "A benchmark story.", "body_markdown": "Text.", "topics": %s}\n' \
    "$1" "$2" "$3" > "$WORK/$1.json"
}
story bench-budget "Parliament passes the budget after an all-night sitting" '["Politics"]'
story bench-talks "Talks resume in Geneva" '["Russia", "Politics"]'
story bench-sanctions "New sanctions announced" '["Russia"]'

for n in "${SIZES[@]}"; do
  data="$WORK/data-$n" conf="$WORK/herald-$n.toml"
  cat > "$conf" <<CONF
[push]
vapid_subject = "mailto:bench@example.org"
allowed_hosts = ["$SINK"]
workers = 2
batch_size = $BATCH_SIZE
concurrency_per_origin = $CONCURRENCY
CONF
  say "Herald, N=$n: seeding"
  rm -rf "$data" && mkdir -p "$data"
  for slug in bench-budget bench-talks bench-sanctions; do
    RUST_LOG=warn "$HERALD" --data "$data" --config "$conf" story add "$WORK/$slug.json" --publish >/dev/null
  done
  timeout "$RUN_TIMEOUT" python3 "$BENCH/digest_seed.py" "$data/herald.db" "$n" "$SINK" "$WORK/keys.json" \
    bench-budget bench-talks bench-sanctions
  say "Herald, N=$n: one worker sends every digest"
  out="$(timeout $((RUN_TIMEOUT + 60)) python3 "$BENCH/digest_run.py" "$HERALD" "$data" "$conf" "$n" \
    "$BENCH/out/digest-$STAMP-herald-$n.log" "$RUN_TIMEOUT")" || out='{"error":"the run failed"}'
  echo "$out"
  echo "$out" >> "$RESULTS"
  rm -rf "$data"
done

say "summary"
python3 - "$RESULTS" <<'PY'
import json, sys
print(f"{'N':>9} {'digests':>9} {'wall s':>8} {'digests/s':>10} {'claim s':>8} {'claim us/digest':>16} {'CPU s':>7} {'RSS MB':>7}")
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "error" in r:
        print(f"{r.get('n', '?'):>9} error: {r['error']}")
        if "digests" not in r:
            continue
    per = r["claim_s"] * 1e6 / r["digests"] if r.get("digests") else float("nan")
    print(f"{r['n']:>9} {r['digests']:>9} {r['wall_s']:>8} {r['digests_per_s']:>10} {r['claim_s']:>8} "
          f"{per:>16.1f} {r['cpu_s']:>7} {r['peak_rss_mb']:>7}")
PY
echo
echo "report: $REPORT"
echo "data:   $RESULTS"
