#!/usr/bin/env bash
# Installs the third-party Web Push peers that crates/webpush/tests/interop.rs
# runs: Python's http-ece + py-vapid + cryptography, and npm's web-push,
# http_ece and jws; and the mock push service web-push-testing that
# tests/browser/push_service.test.mjs sends to (npm packages pinned by
# package-lock.json). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  'http-ece==1.2.1' 'py-vapid==1.9.6' 'cryptography>=42'
npm ci --no-audit --no-fund --silent
python3 -c 'import http_ece, py_vapid'
node -e "require('web-push'); require('http_ece'); require('jws'); require.resolve('web-push-testing/src/bin/server.js')"
echo "webpush interop peers ready"
