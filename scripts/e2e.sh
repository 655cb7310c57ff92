#!/usr/bin/env bash
# The browser tests: builds the native server, installs what they need if missing (Debian's
# chromium package as root, the npm packages of e2e/ from its lock file), loads the demo
# département in a fresh SQLite database, and drives headless Chromium with playwright-core
# through one journey per role (e2e/tests/). Optional argument: a filter on test file names.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
    else
        echo "Chromium is missing: install Debian's chromium package (or set CHROMIUM)." >&2
        exit 1
    fi
fi
if [ ! -d e2e/node_modules/playwright-core ] || [ ! -d e2e/node_modules/axe-core ]; then
    (cd e2e && npm ci --no-audit --no-fund)
fi
cargo build -p carnet-server
node e2e/run.mjs "${1:-}"
