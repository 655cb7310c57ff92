#!/usr/bin/env bash
# Runs Carnet de bord natively on embedded SQLite at http://127.0.0.1:3000 (data in data/).
# Every setting can be overridden by its environment variable (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEPARTMENT_CODE="${DEPARTMENT_CODE:-93}"
export DEPARTMENT_NAME="${DEPARTMENT_NAME:-Seine-Saint-Denis}"
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:3000}"
export DATABASE_KIND="${DATABASE_KIND:-sqlite}"
export DATABASE_URL="${DATABASE_URL:-data/carnet.sqlite}"
export STATIC_DIR="${STATIC_DIR:-static}"
export LISTEN="${LISTEN:-127.0.0.1:3000}"
# A local signing key, made once and kept in data/ (production sets session_key as a secret).
mkdir -p data
if [ -z "${SESSION_KEY:-}" ]; then
    [ -s data/session.key ] || head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >data/session.key
    SESSION_KEY="$(cat data/session.key)"
    export SESSION_KEY
fi
# The scheduled jobs run inside the native server; emails go to EMAIL_WEBHOOK_URL when set.
if [ -z "${JOBS_SECRET:-}" ]; then
    [ -s data/jobs.secret ] || head -c 32 /dev/urandom | base64 | tr -d '\n/+=' >data/jobs.secret
    JOBS_SECRET="$(cat data/jobs.secret)"
    export JOBS_SECRET
fi
exec cargo run --profile native -p carnet-server -- serve
