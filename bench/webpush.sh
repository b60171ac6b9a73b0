#!/usr/bin/env bash
# Prepared Web Push messages per second on one core, side by side with
# OpenSSL's P-256 ECDH, and the ratio of their costs.
#
# One prepared push = encrypt a 200-byte payload (fresh salt, fresh ephemeral
# key, ECDH, HKDF, AES-128-GCM) and attach the cached VAPID header.
# Goal (issue 3): one prepared push <= 1.3 x the time of one OpenSSL ECDH.
#
# Usage: bench/webpush.sh [SECONDS]   (default 5). A benchmark, not a test:
# it always exits 0 once both measurements ran.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-webpush}"
cargo build --quiet --release -p webpush --example prepare_bench

# Pin both to the same core when possible, so each uses one core.
PIN=()
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c "$(( $(nproc) - 1 ))"); fi

echo "== webpush prepare_bench (${SECONDS_EACH}s per measurement)"
ours="$("${PIN[@]}" "$CARGO_TARGET_DIR/release/examples/prepare_bench" "$SECONDS_EACH")"
echo "$ours"
echo "== openssl speed -seconds ${SECONDS_EACH} ecdhp256"
openssl_out="$("${PIN[@]}" openssl speed -seconds "$SECONDS_EACH" ecdhp256 2>/dev/null)"
echo "$openssl_out" | tail -2

push_per_s="$(echo "$ours" | awk '$1 == "prepared_push_per_s" { print $2 }')"
ecdh_per_s="$(echo "$openssl_out" | awk '/ecdh \(nistp256\)/ { print $NF }')"
awk -v push="$push_per_s" -v ecdh="$ecdh_per_s" 'BEGIN {
  push_us = 1e6 / push; ecdh_us = 1e6 / ecdh; ratio = push_us / ecdh_us
  printf "prepared push: %.0f/s (%.1f us)   openssl ecdh: %.0f/s (%.1f us)\n", push, push_us, ecdh, ecdh_us
  printf "ratio (push time / openssl ecdh time): %.2f   goal <= 1.30: %s\n", ratio, (ratio <= 1.3 ? "met" : "NOT met")
}'
