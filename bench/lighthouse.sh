#!/usr/bin/env bash
# Lighthouse (mobile) on every kind of reader page, in Debian's Chromium.
#
#   bash bench/lighthouse.sh      # from anywhere
#
# What it does:
#   1. builds the release binary (`cargo build --release --bin herald`, in
#      $CARGO_TARGET_DIR or the repository's target/) and installs the npm
#      package `lighthouse` (pinned in bench/package.json) into
#      bench/node_modules when it is missing;
#   2. starts `herald serve --demo` on a free loopback port with a fresh
#      temporary data folder;
#   3. runs Lighthouse with its default mobile settings (a mid-range phone,
#      simulated slow 4G) on the home page, a story, the topics list, a
#      topic, the search page with and without a query, the notification
#      settings and the missed-stories page, one after the other, in each
#      colour scheme of SCHEMES (default "light dark"; dark is Chromium's
#      --force-dark-mode, which makes `prefers-color-scheme: dark` match);
#   4. prints each page's four scores (performance, accessibility, best
#      practices, SEO) and every audit below 1 that weighs on a score, and
#      saves the JSON reports under bench/out/lighthouse/.
#
# Lighthouse's performance score is simulated from one load, so it moves a
# few points with the machine's load; the other three are deterministic.
# Search results (/search?q=…) and /notifications/missed are `noindex` on
# purpose, which Lighthouse's SEO category counts against them
# ("is-crawlable", SEO 69): any query makes a results page, and search
# engines ask that a site's own results stay out of theirs; the missed
# stories are a reader's own list, filled in by the page's script, and
# empty to anyone else.
#
# Environment: HERALD_BIN (a herald binary to use instead of building one),
# SCHEMES ("light dark").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

herald_binary
if [ ! -x bench/node_modules/.bin/lighthouse ]; then
  say "npm install (bench/package.json: lighthouse)"
  (cd bench && npm install --no-audit --no-fund --silent)
fi
chromium_bin="$(command -v chromium || true)"
[ -n "$chromium_bin" ] || { echo "Chromium is missing: bash tests/browser/install.sh installs it" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/herald-lighthouse.XXXXXX")"
herald_pid=""
cleanup() {
  [ -n "$herald_pid" ] && kill -TERM "$herald_pid" 2>/dev/null && wait "$herald_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
say "starting herald on $base"
RUST_LOG=warn NO_COLOR=1 "$HERALD" --data "$tmp/data" --bind "127.0.0.1:$port" \
  --base-url "$base" serve --demo >"$tmp/herald.log" 2>&1 &
herald_pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.1; done

home="$(curl -fsS "$base/")"
story="$(grep -o 'href="/stories/[a-z0-9-]*"' <<<"$home" | head -n 1 | cut -d'"' -f2)"
topic="$(grep -o 'href="/topics/[a-z0-9-]*"' <<<"$home" | head -n 1 | cut -d'"' -f2)"
pages=(/ "$story" /topics "$topic" /search "/search?q=harbour" /notifications /notifications/missed)

describe_machine
out="$ROOT/bench/out/lighthouse"
mkdir -p "$out"
printf '\n%-52s %-6s %5s %5s %5s %5s\n' page scheme perf a11y best seo
for scheme in ${SCHEMES:-light dark}; do
  flags="--headless=new --no-sandbox"
  [ "$scheme" = dark ] && flags="$flags --force-dark-mode"
  for page in "${pages[@]}"; do
    report="$out/$(tr '/?=' '___' <<<"$page")-$scheme.json"
    CHROME_PATH="$chromium_bin" bench/node_modules/.bin/lighthouse "$base$page" --quiet \
      --chrome-flags="$flags" --output=json --output-path="$report" \
      --only-categories=performance,accessibility,best-practices,seo
    node --input-type=module - "$report" "$page" "$scheme" <<'JS'
import { readFileSync } from "node:fs";
const [report, page, scheme] = process.argv.slice(2);
const r = JSON.parse(readFileSync(report, "utf8"));
const score = (id) => String(Math.round(r.categories[id].score * 100));
console.log(`${page.padEnd(52)} ${scheme.padEnd(6)} ${["performance", "accessibility", "best-practices", "seo"].map(score).map((s) => s.padStart(5)).join(" ")}`);
for (const category of Object.values(r.categories)) {
  for (const ref of category.auditRefs) {
    const audit = r.audits[ref.id];
    if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
      console.log(`    ${category.id}: ${ref.id} ${audit.score} ${audit.displayValue ?? audit.title}`);
    }
  }
}
JS
  done
done
say "reports in $out"
