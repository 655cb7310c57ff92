#!/usr/bin/env bash
# Benchmark (figures only, never a pass/fail on timing): builds a 100,000-beneficiary
# département (~1M actions) on SQLite, then on a private PostgreSQL server with its default
# durability, and prints p50/p99 for opening a notebook, searching and listing a portfolio.
# Usage: bash scripts/bench.sh [beneficiaries] [samples]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
samples="${2:-1000}"
cargo build --profile native -q -p carnet-server --bin carnet-bench
./target/native/carnet-bench sqlite "$count" "$samples"
source scripts/postgres-test-server.sh
CARNET_TEST_PG_DURABLE=1 CARNET_TEST_PG_PORT="${CARNET_BENCH_PG_PORT:-54339}" CARNET_TEST_PG_DIR=/tmp/carnet-bench-pg start_test_postgres
./target/native/carnet-bench postgres "$CARNET_TEST_POSTGRES_URL" "$count" "$samples"
