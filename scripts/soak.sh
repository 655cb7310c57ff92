#!/usr/bin/env bash
# Soak (run by hand, not in CI): a steady mixed load on 127.0.0.1 for a bounded time (10
# minutes by default) against the native server on the demo département, with its scheduled
# jobs running. Prints each minute's requests, p50, p99 and the server's memory (RSS), then the
# whole run per kind of request, the memory at start and end, and the errors; fails if any
# request failed.
# Usage: bash scripts/soak.sh [minutes] [requests per second] [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
rate="${2:-100}"
store="${3:-sqlite}"
cargo build --profile native -q -p carnet-server --bins
load="${CARGO_TARGET_DIR:-target}/native/carnet-load"
case "$store" in
    sqlite) "$load" sqlite --soak-minutes "$minutes" --rate "$rate" ;;
    postgres)
        source scripts/postgres-test-server.sh
        CARNET_TEST_PG_DURABLE=1 CARNET_TEST_PG_PORT="${CARNET_SOAK_PG_PORT:-54359}" CARNET_TEST_PG_DIR=/tmp/carnet-soak-pg start_test_postgres
        "$load" postgres "$CARNET_TEST_POSTGRES_URL" --soak-minutes "$minutes" --rate "$rate"
        ;;
    *) echo "usage: bash scripts/soak.sh [minutes] [requests per second] [sqlite|postgres]" >&2; exit 2 ;;
esac
