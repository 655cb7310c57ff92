#!/usr/bin/env bash
# Load benchmark (figures only, never a pass/fail on timing): the demo département (1,000
# notebooks by default) on SQLite, then on a private PostgreSQL server with its default
# durability, each served by the native server; at 1, 16 and 64 clients, one line per kind of
# request, printed with its ratios to GET /api/auth/me measured in the same run (README).
# Usage: bash scripts/load.sh [seconds per line] [notebooks]
# With CARNET_FLOOR_URL set (the floor app under Spin, bench/floor/), each line is also given
# as a ratio to the floor's SELECT 1, measured just before it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"
notebooks="${2:-1000}"
cargo build --profile native -q -p carnet-server --bins
load="${CARGO_TARGET_DIR:-target}/native/carnet-load"
"$load" sqlite --seconds "$seconds" --notebooks "$notebooks"
source scripts/postgres-test-server.sh
CARNET_TEST_PG_DURABLE=1 CARNET_TEST_PG_PORT="${CARNET_LOAD_PG_PORT:-54349}" CARNET_TEST_PG_DIR=/tmp/carnet-load-pg start_test_postgres
"$load" postgres "$CARNET_TEST_POSTGRES_URL" --seconds "$seconds" --notebooks "$notebooks"
