#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests: its own cluster in a temporary directory, on a free
# loopback port, trust authentication, fsync off (test data only).
#
#   scripts/postgres-harness.sh start   # prints the URL, e.g. postgres://ajar@127.0.0.1:41234/ajar_test
#   scripts/postgres-harness.sh url     # prints the URL of the running server
#   scripts/postgres-harness.sh stop    # stops the server and deletes its directory
#
#   export AJAR_TEST_POSTGRES_URL=$(scripts/postgres-harness.sh start)
#
# PostgreSQL comes from Debian's packages: when no server binaries are found under
# /usr/lib/postgresql/*/bin (or beside a `pg_ctl` on PATH), it runs `apt-get install -y postgresql`
# (as root). PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres`
# user the package creates (or `ajarpg`, created here if that is missing) and every server command
# runs through `runuser`.
#
# Environment:
#   AJAR_PG_OWNER_PID  start: stop the server and delete its directory when this process exits
#                      (the Swift tests pass their own pid, so a test run never leaves one behind).
#                      Such a server is not recorded as "the" server that `url` and `stop` use.
#   AJAR_PG_STATE      the file recording the current server's directory
#                      (default ${TMPDIR:-/tmp}/ajar-postgres-harness.<uid>).
set -euo pipefail

say() { printf 'postgres-harness: %s\n' "$*" >&2; }
die() { printf 'postgres-harness: error: %s\n' "$*" >&2; exit 1; }

state_file="${AJAR_PG_STATE:-${TMPDIR:-/tmp}/ajar-postgres-harness.$(id -u)}"
database=ajar_test
role=ajar

# The directory holding initdb, pg_ctl and postgres, or nothing.
find_bin_dir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] && { echo "$dir"; return; }
    done
    if command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(command -v pg_ctl)")
        [[ -x "$dir/initdb" && -x "$dir/postgres" ]] && { echo "$dir"; return; }
    fi
}

ensure_postgres() {
    bin_dir=$(find_bin_dir)
    [[ -n "$bin_dir" ]] && return
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
        die "PostgreSQL is not installed; install the Debian package 'postgresql' (needs root)"
    say "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq postgresql >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; } ||
        die "apt-get install postgresql failed"
    bin_dir=$(find_bin_dir)
    [[ -n "$bin_dir" ]] || die "postgresql installed but no initdb/pg_ctl/postgres found"
}

# Sets run_as: the user the server runs as ('' when that is us).
choose_user() {
    run_as=''
    [[ $(id -u) -eq 0 ]] || return 0
    if id postgres >/dev/null 2>&1; then
        run_as=postgres
    else
        id ajarpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ajarpg
        run_as=ajarpg
    fi
}

# Runs a command as the server's user.
as_server_user() {
    if [[ -n "$run_as" ]]; then runuser -u "$run_as" -- "$@"; else "$@"; fi
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    die "no free port found"
}

start() {
    ensure_postgres
    choose_user
    local dir port url
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ajar-postgres.XXXXXX")
    chmod 755 "$dir"
    mkdir "$dir/data"
    [[ -n "$run_as" ]] && chown -R "$run_as" "$dir"
    as_server_user "$bin_dir/initdb" -D "$dir/data" -U "$role" -A trust -E UTF8 --no-locale --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # A few tries: another process may take the port between choosing and binding it.
    local started=0
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        if as_server_user "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start </dev/null >/dev/null 2>&1; then
            started=1
            break
        fi
    done
    ((started)) || { tail -20 "$dir/server.log" >&2 || true; die "pg_ctl start failed"; }
    as_server_user "$bin_dir/psql" -h 127.0.0.1 -p "$port" -U "$role" -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE DATABASE $database" >/dev/null || die "CREATE DATABASE failed"
    url="postgres://$role@127.0.0.1:$port/$database"
    printf '%s\n' "$url" >"$dir/url"
    printf '%s\n' "$bin_dir" >"$dir/bin_dir"
    printf '%s\n' "$run_as" >"$dir/run_as"
    if [[ -n "${AJAR_PG_OWNER_PID:-}" ]]; then
        # Detached (own session, no inherited descriptors), so it outlives this script and never
        # holds the caller's stdout open.
        setsid "$0" _watch "$AJAR_PG_OWNER_PID" "$dir" </dev/null >/dev/null 2>&1 &
    else
        printf '%s\n' "$dir" >"$state_file"
    fi
    say "PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') on port $port, directory $dir"
    printf '%s\n' "$url"
}

stop_dir() {
    local dir=$1
    [[ -d "$dir/data" ]] || return 0
    bin_dir=$(cat "$dir/bin_dir")
    run_as=$(cat "$dir/run_as")
    as_server_user "$bin_dir/pg_ctl" -D "$dir/data" -m immediate -w stop </dev/null >/dev/null 2>&1 || true
    rm -rf "$dir"
}

current_dir() {
    [[ -f "$state_file" ]] || die "no server started (no $state_file)"
    cat "$state_file"
}

case "${1:-}" in
    start) start ;;
    url)
        dir=$(current_dir)
        [[ -f "$dir/url" ]] || die "the server in $dir is gone"
        cat "$dir/url"
        ;;
    stop)
        dir=$(current_dir)
        stop_dir "$dir"
        rm -f "$state_file"
        say "stopped"
        ;;
    _watch)
        # Internal: wait for the owner process to exit, then stop the server.
        owner=$2
        while kill -0 "$owner" 2>/dev/null; do sleep 1; done
        stop_dir "$3"
        ;;
    *)
        echo "usage: $0 start|url|stop" >&2
        exit 2
        ;;
esac
