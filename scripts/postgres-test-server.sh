#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL server for the tests (Debian's postgresql package,
# installed if missing), and prints its URL. Source it: `source scripts/postgres-test-server.sh`
# then `start_test_postgres`; it stops when the calling shell exits.
# Settings: CARNET_TEST_PG_PORT (54329), CARNET_TEST_PG_DIR (/tmp/carnet-test-pg).

start_test_postgres() {
    local port="${CARNET_TEST_PG_PORT:-54329}"
    local dir="${CARNET_TEST_PG_DIR:-/tmp/carnet-test-pg}"
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$bin" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "Installing Debian's postgresql package…" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
                || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
            bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
        else
            echo "PostgreSQL is not installed: install Debian's postgresql package (apt-get install postgresql)." >&2
            return 1
        fi
    fi
    local run=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        run=(runuser -u postgres --)
    fi
    if [ -f "$dir/postmaster.pid" ]; then
        "${run[@]}" "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # fsync off: these databases are thrown away. The benchmark sets CARNET_TEST_PG_DURABLE=1 to
    # keep PostgreSQL's default durability.
    local durability="-c fsync=off"
    [ -n "${CARNET_TEST_PG_DURABLE:-}" ] && durability=""
    "${run[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=400" start >/dev/null
    export CARNET_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    STOP_TEST_POSTGRES=("${run[@]}" "$bin/pg_ctl" -D "$dir" -m fast stop)
    trap 'stop_test_postgres' EXIT
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

stop_test_postgres() {
    if [ -n "${STOP_TEST_POSTGRES+x}" ]; then
        "${STOP_TEST_POSTGRES[@]}" >/dev/null 2>&1 || true
        unset STOP_TEST_POSTGRES
    fi
}
