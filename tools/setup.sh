#!/usr/bin/env bash
# Set up a clone of the dashboard: safe to run again, it only redoes what changed.
#
#   bash tools/setup.sh          # .venv (Python 3.11) + requirements.txt, npm ci in dashboard/static
#   bash tools/setup.sh --dev    # also requirements-dev.txt, Debian's chromium (browser tests)
#                                # postgresql + postgis (store tests, see tools/postgres.sh)
#                                # and caddy (the multi-process deployment test)
#
# Quiet when all goes well; on a failure it prints the failing step's output and exits non-zero.
# PYTHON=/path/to/python3.11 chooses the interpreter used to create .venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STATIC="$ROOT/dashboard/static"
CHROMIUM=/usr/bin/chromium

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Run a command with its output kept aside; show the output only if it fails.
quietly() {
    local what=$1 out rc=0
    shift
    out="$(mktemp)"
    "$@" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 60 "$out" >&2
        rm -f "$out"
        die "$what failed (exit $rc): $*"
    fi
    rm -f "$out"
}

# Print the sha256 of the given files together (a stamp of what was installed).
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

setup_python() {
    local dev=$1 python requirements stamp
    if [ ! -x "$VENV/bin/python" ]; then
        python="$(find_python)" || die "Python 3.11 not found (set PYTHON=/path/to/python3.11)"
        log "creating .venv with $python"
        quietly "creating .venv" "$python" -m venv "$VENV"
    fi
    "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
        || die ".venv is not Python 3.11: remove it and run this script again"

    requirements=("$ROOT/requirements.txt")
    [ -f "${requirements[0]}" ] || die "requirements.txt is missing"
    if [ "$dev" = 1 ]; then
        [ -f "$ROOT/requirements-dev.txt" ] || die "requirements-dev.txt is missing"
        requirements+=("$ROOT/requirements-dev.txt")
    fi
    stamp="$VENV/.setup-$(basename "${requirements[-1]}" .txt).sha256"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(digest "${requirements[@]}")" ]; then
        return 0
    fi
    log "installing Python packages (${requirements[*]##*/})"
    local args=()
    for file in "${requirements[@]}"; do args+=(-r "$file"); done
    quietly "pip install" "$VENV/bin/python" -m pip install --disable-pip-version-check \
        --no-input --quiet "${args[@]}"
    digest "${requirements[@]}" >"$stamp"
}

setup_npm() {
    local stamp="$STATIC/node_modules/.setup-package-lock.sha256"
    command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 and npm"
    [ -f "$STATIC/package-lock.json" ] || die "dashboard/static/package-lock.json is missing"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(digest "$STATIC/package-lock.json")" ]; then
        return 0
    fi
    log "installing Leaflet and its plugins (npm ci in dashboard/static)"
    quietly "npm ci" npm ci --prefix "$STATIC" --no-audit --no-fund --loglevel=error
    digest "$STATIC/package-lock.json" >"$stamp"
}

setup_chromium() {
    [ -x "$CHROMIUM" ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "$CHROMIUM is missing and sudo is not available: apt-get install chromium as root"
        sudo=(sudo -n)
    fi
    log "installing Debian's chromium for the browser tests"
    quietly "apt-get update" "${sudo[@]}" apt-get update -qq
    quietly "apt-get install chromium" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq chromium
    [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is not there"
}

setup_caddy() {
    command -v caddy >/dev/null 2>&1 && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "caddy is missing and sudo is not available: apt-get install caddy as root"
        sudo=(sudo -n)
    fi
    log "installing Debian's caddy for the multi-process deployment test"
    quietly "apt-get update" "${sudo[@]}" apt-get update -qq
    quietly "apt-get install caddy" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq caddy
}

setup_postgres() {
    local version
    version="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f5 || true)"
    if [ -n "$version" ] && [ -f "/usr/share/postgresql/$version/extension/postgis.control" ]; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL/PostGIS are missing and sudo is not available: apt-get install postgresql postgis postgresql-postgis as root"
        sudo=(sudo -n)
    fi
    log "installing Debian's postgresql and postgis for the store tests"
    quietly "apt-get update" "${sudo[@]}" apt-get update -qq
    quietly "apt-get install postgresql postgis" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq postgresql postgis postgresql-postgis
    version="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f5 || true)"
    [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] \
        || die "postgis was installed but has no extension for PostgreSQL ${version:-?}"
}

main() {
    local dev=0 arg
    for arg in "$@"; do
        case "$arg" in
            --dev) dev=1 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $arg" ;;
        esac
    done
    cd "$ROOT"
    setup_python "$dev"
    setup_npm
    [ "$dev" = 1 ] && setup_chromium
    [ "$dev" = 1 ] && setup_postgres
    [ "$dev" = 1 ] && setup_caddy
    log "ready: $("$VENV/bin/python" --version), npm packages in dashboard/static/node_modules$(
        [ "$dev" = 1 ] && printf ', %s' "$("$CHROMIUM" --version 2>/dev/null | head -n 1)")"
}

main "$@"
