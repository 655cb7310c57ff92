#!/usr/bin/env bash
# The test command: unit tests, then the black-box HTTP suite on SQLite and on PostgreSQL
# (a private server started here), then the browser tests (scripts/e2e.sh). With CARNET_BASE_URL set, runs the black-box suite against
# that running instance instead (tests needing test mode or their own server are skipped and
# counted).
set -euo pipefail
cd "$(dirname "$0")/.."

skipped_file="$(mktemp)"
export CARNET_SKIPPED_FILE="$skipped_file"
# Each native test server appends how many of its answers it validated against the OpenAPI
# document (tests/src/contract.rs).
validated_file="$(mktemp)"
export CARNET_VALIDATED_FILE="$validated_file"
report_validated() {
    local label="$1"
    local total
    total="$(awk '{ s += $1 } END { print s + 0 }' "$validated_file")"
    echo "$label: $total response(s) validated against the OpenAPI document"
    : >"$validated_file"
}
report_skipped() {
    local label="$1"
    local count
    count="$(grep -c . "$skipped_file" || true)"
    echo "$label: $count test(s) skipped (they need test mode or their own native server)"
    : >"$skipped_file"
}

if [ -n "${CARNET_BASE_URL:-}" ]; then
    echo "== black-box suite against $CARNET_BASE_URL"
    # One test at a time: a running instance has one clock and one database for all of them.
    cargo test -p carnet-tests --test api -- --test-threads=1
    report_skipped "against $CARNET_BASE_URL"
    exit 0
fi

echo "== unit tests and the black-box suite on SQLite"
CARNET_TEST_STORE=sqlite cargo test --workspace
report_skipped "SQLite"
report_validated "SQLite"

echo "== black-box suite on PostgreSQL"
source scripts/postgres-test-server.sh
start_test_postgres
CARNET_TEST_STORE=postgres cargo test -p carnet-tests --test api
report_skipped "PostgreSQL"
report_validated "PostgreSQL"

echo "== browser tests (headless Chromium, demo data on SQLite)"
bash scripts/e2e.sh
