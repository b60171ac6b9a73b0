#!/usr/bin/env bash
# A storm of readers (issue 20): a story is published and, at the same
# moment, readers arrive on new connections, all at once.
#
#   bash bench/storm.sh            # from anywhere in the repository
#
# What it does:
#   1. builds the release binary (or uses $HERALD_BIN) and starts
#      `herald serve --demo` on a free loopback port with a fresh data folder,
#      `/metrics` behind a token, `http.listen_backlog = $BACKLOG`, and no
#      delivery workers (the storm is the site's);
#   2. warms the site: the home page, one story (the "unrelated" page) and
#      its topic;
#   3. publishes a new story with `herald story add --publish` (another
#      process, as the newsroom's would be on another node) and waits for
#      the content watcher (1.5 s);
#   4. opens $CONNECTIONS connections at the same moment (bench/storm_run.py,
#      asyncio), spread over the home page and the new story's page, and
#      prints: the kernel's listen-queue drops during the storm (each a
#      handshake the client retries a second later), connect times as the
#      client saw them (event-loop delays included), answer times,
#      statuses, and pages rendered during the storm
#      (`herald_pages_renders_total`: with single flight and targeted
#      invalidation, a handful, not one per reader);
#   5. storms the unrelated story page the same way: it stayed cached
#      across the publish, so it renders nothing.
# Results also go to bench/out/storm-<time>.txt (ignored by git). Herald is
# stopped and the data folder removed on exit (trap).
#
# Goals: no listen-queue drop (the backlog holds the storm), renders during
# each storm <= the distinct pages asked (one render per page).
#
# Environment (defaults): CONNECTIONS 1000, BACKLOG 4096 (http.listen_backlog;
# try 128 to see the retries), HERALD_BIN (skip the build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"
CONNECTIONS="${CONNECTIONS:-1000}"
BACKLOG="${BACKLOG:-4096}"
TOKEN="storm-bench-metrics-token-0123"

say() { printf '\n== %s\n' "$*"; }
# shellcheck source=bench/common.sh
. "$BENCH/common.sh"
work_folder storm

# --- 1. the site ---------------------------------------------------------
herald_binary
describe_machine
echo "net.core.somaxconn $(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo '?'); http.listen_backlog $BACKLOG; $CONNECTIONS connections"
port="$(free_port)"
base="http://127.0.0.1:$port"
cat >"$WORK/herald.toml" <<TOML
metrics_token = "$TOKEN"
[http]
listen_backlog = $BACKLOG
[push]
workers = 0
TOML
say "starting herald on $base"
RUST_LOG=warn NO_COLOR=1 "$HERALD" --data "$WORK/data" --config "$WORK/herald.toml" \
  --bind "127.0.0.1:$port" --base-url "$base" serve --demo >"$WORK/herald.log" 2>&1 &
herald_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { cat "$WORK/herald.log" >&2; exit 1; }

# --- 2. warm -------------------------------------------------------------
unrelated="$(curl -fsS "$base/" | grep -o 'href="/stories/[^"]*"' | tail -n 1 | sed 's/^href="//; s/"$//')"
[ -n "$unrelated" ] || { echo "no story on the home page" >&2; exit 1; }
for path in / "$unrelated"; do curl -fsS -o /dev/null "$base$path"; done

# --- 3. publish ----------------------------------------------------------
slug="storm-$(date +%s)"
cat >"$WORK/story.json" <<JSON
{"slug": "$slug", "headline": "A storm of readers", "standfirst": "Everyone arrives at once.",
 "body_markdown": "They all came at once.", "topics": ["Breaking news"], "authors": ["Bench"]}
JSON
say "publishing /stories/$slug from another process"
RUST_LOG=warn "$HERALD" --data "$WORK/data" --config "$WORK/herald.toml" story add "$WORK/story.json" --publish >/dev/null
sleep 1.5

# --- 4 and 5. storms -----------------------------------------------------
say "storm: $CONNECTIONS new connections at once to / and /stories/$slug"
after_publish="$(python3 "$BENCH/storm_run.py" "$base" "/,/stories/$slug" "$CONNECTIONS" --metrics-token "$TOKEN")"
echo "$after_publish"
say "storm: $CONNECTIONS new connections at once to the unrelated $unrelated"
unrelated_run="$(python3 "$BENCH/storm_run.py" "$base" "$unrelated" "$CONNECTIONS" --metrics-token "$TOKEN")"
echo "$unrelated_run"

summary="$(python3 - "$after_publish" "$unrelated_run" <<'PY'
import json, sys
published, unrelated = (json.loads(a) for a in sys.argv[1:3])
for name, run, pages in (("after the publish", published, 2), ("unrelated page", unrelated, 0)):
    c, a = run["connect_ms"], run["answer_ms"]
    print(f"{name}: {run['connections']} connections in {run['seconds']} s; listen drops {run['listen_drops']}; connect p50 {c['p50']} ms, "
          f"p99 {c['p99']} ms, max {c['max']} ms, {c['over_900ms']} over 900 ms; answer p50 {a['p50']} ms, "
          f"p99 {a['p99']} ms; statuses {run['statuses']}; renders {run['renders']}")
    if run["listen_drops"] is not None:
        print(f"  goal no listen-queue drop: {'yes' if run['listen_drops'] == 0 else 'NO'}")
    if run["renders"] is not None:
        print(f"  goal renders <= {pages}: {'yes' if run['renders'] <= pages else 'NO'}")
PY
)"
say "summary"
echo "$summary"
mkdir -p "$ROOT/bench/out"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
{ echo "$summary"; echo "$after_publish"; echo "$unrelated_run"; } >"$ROOT/bench/out/storm-$stamp.txt"
say "saved bench/out/storm-$stamp.txt"
