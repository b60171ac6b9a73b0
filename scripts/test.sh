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

# The PostgreSQL for the second run: the one the project's machines provide,
# unless TEST_DATABASE_URL names another. The first run is on SQLite.
default_url=postgres://postgres@127.0.0.1:5432/test
postgres_url="${TEST_DATABASE_URL:-$default_url}"
unset TEST_DATABASE_URL

step "Rust tests (unit, storage, HTTP, CLI) on SQLite"
# Tests of PostgreSQL alone are #[ignore]d: they are listed here as SKIP,
# by name, and run in the PostgreSQL pass below.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --status-level skip --final-status-level skip
else
  cargo test --workspace --no-fail-fast
fi
cargo test --workspace --doc --quiet

step "Rust tests again, on PostgreSQL (each test in a database of its own)"
# The local cluster is started (idempotently) when it is not running.
if [ "$postgres_url" = "$default_url" ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# This pass runs the tests of PostgreSQL alone too.
if cargo nextest --version >/dev/null 2>&1; then
  TEST_DATABASE_URL="$postgres_url" cargo nextest run -p herald --no-fail-fast --run-ignored all
else
  TEST_DATABASE_URL="$postgres_url" cargo test -p herald --no-fail-fast -- --include-ignored
fi

step "browser tests (real Chromium: accessibility, HTML validity, notifications)"
cargo build --bin herald
node --test tests/browser/
