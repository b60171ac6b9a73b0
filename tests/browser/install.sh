#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/) need, idempotently:
#   - Debian's chromium (driven by playwright-core; Playwright's own browser
#     downloads are not used) and a Java runtime for the W3C checker (vnu.jar);
#   - the pinned npm packages from package-lock.json (playwright-core,
#     axe-core, vnu-jar), only when node_modules is missing or older than the
#     lock file.
# Needs root for apt-get (CI runs as root, without stdin). Node 20+ and npm
# must already be on the machine.
#
# Then, from the repository root:
#   cargo build --bin herald && node --test tests/browser/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if ((${#missing[@]})); then
  echo "install.sh: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v node >/dev/null 2>&1 || { echo "install.sh: node is missing (need Node 20+)" >&2; exit 1; }

# npm ci records the lock it installed from in node_modules/.package-lock.json;
# reinstall when that is missing or older than package-lock.json.
stamp="$here/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$here/package-lock.json" -nt "$stamp" ]]; then
  echo "install.sh: npm ci in $here"
  # --ignore-scripts: vnu-jar's postinstall would try to download a Java
  # runtime; the system one is used instead.
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
fi

echo "install.sh: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), $(java -version 2>&1 | head -n 1), node $(node --version): ready"
