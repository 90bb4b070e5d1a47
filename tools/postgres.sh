#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS server for the store's tests, on 127.0.0.1 only.
#
#   eval "$(bash tools/postgres.sh start DIR)"   # exports KALBAR_TEST_POSTGRES_URL
#   bash tools/postgres.sh stop DIR              # stops the server and removes DIR
#
# Uses Debian's packages (installed by `tools/setup.sh --dev`: postgresql, postgis): the
# newest /usr/lib/postgresql/*/bin. The cluster lives in DIR (a new or empty folder), listens
# on a free port, accepts a random password over TCP, and holds the database kalbar_test with
# the postgis extension. Run as root, the server runs as the `postgres` user.
# Only the export line goes to stdout; progress and errors go to stderr.
set -euo pipefail

log() { printf '[postgres] %s\n' "$*" >&2; }
die() { printf '[postgres] ERROR: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

bin_dir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] \
        || die "PostgreSQL is not installed: run bash tools/setup.sh --dev (or apt-get install postgresql postgis)"
    printf '%s\n' "$dir"
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin version port password
    bin="$(bin_dir)"
    version="$(basename "$(dirname "$bin")")"
    [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] \
        || die "PostGIS for PostgreSQL $version is not installed: apt-get install postgresql-$version-postgis-3"
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    dir="$(cd "$dir" && pwd)"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        runuser -u postgres -- test -w "$dir" \
            || die "the postgres user cannot reach $dir: choose a folder under /tmp (TMPDIR=/tmp)"
    fi
    chmod 700 "$dir"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    as_owner sh -c "umask 077; printf '%s\n' '$password' > '$dir/pwfile'"
    log "initdb (PostgreSQL $version) in $dir"
    as_owner "$bin/initdb" -D "$dir/data" -U kalbar --pwfile="$dir/pwfile" -E UTF8 \
        --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$dir/pwfile"
    port="${KALBAR_TEST_POSTGRES_PORT:-$(free_port)}"
    log "starting on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null \
        || { cat "$dir/server.log" >&2; die "the server did not start"; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U kalbar -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE kalbar_test" >/dev/null
    as_owner "$bin/psql" -h "$dir" -p "$port" -U kalbar -d kalbar_test -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE EXTENSION postgis" >/dev/null
    log "ready: database kalbar_test with PostGIS $(as_owner "$bin/psql" -h "$dir" -p "$port" \
        -U kalbar -d kalbar_test -qAt -c 'SELECT postgis_lib_version()')"
    printf 'export KALBAR_TEST_POSTGRES_URL=%q\n' \
        "postgresql://kalbar:$password@127.0.0.1:$port/kalbar_test"
}

stop() {
    local dir=$1 bin
    [ -d "$dir/data" ] || { rm -rf "$dir"; return 0; }
    bin="$(bin_dir)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

main() {
    [ $# -eq 2 ] || { usage; exit 2; }
    case "$1" in
        start) start "$2" ;;
        stop) stop "$2" ;;
        *) usage; exit 2 ;;
    esac
}

main "$@"
