#!/usr/bin/env bash
# Runs every test of Herald, installing first (idempotently) what the tests
# need. This is the README's test command, and what CI runs after its lint
# checks (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing what the tests need"
# Rust tests: cargo-nextest runs them in parallel processes; fall back to
# cargo test where it is missing and cannot be installed.
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest >/dev/null 2>&1 || echo "cargo-nextest unavailable; using cargo test"
fi

bash tests/browser/install.sh
bash interop/install.sh

step "Rust tests (unit, storage, HTTP, CLI)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
cargo test --workspace --doc --quiet

step "browser tests (real Chromium: accessibility, HTML validity, notifications)"
cargo build --bin herald
node --test tests/browser/
