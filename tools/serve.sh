#!/usr/bin/env bash
# Serve the dashboard for many users: N Streamlit processes on 127.0.0.1 behind Caddy.
#
#   bash tools/serve.sh [--processes N] [--first-port P] [--caddyfile FILE] [--base-path /X]
#   bash tools/serve.sh --print-upstreams [--processes N] [--first-port P]
#
# Starts N processes (default: the number of cores) of `streamlit run dashboard/server.py`
# on 127.0.0.1:P, P+1, ... (default P = 8501), waits until each answers [path]/_stcore/health,
# then runs `caddy run` with FILE (default deploy/Caddyfile), KALBAR_UPSTREAMS set to those
# addresses (deploy/kalbar-app.caddy: sticky sessions by cookie). Every process reads the
# same configuration, so all share the PostGIS store (KALBAR_DATABASE_URL). Ctrl-C, or the
# proxy exiting, stops the processes this script started (and only those).
# --base-path /kalbar serves the dashboard under that path (server.baseUrlPath; Caddy gets
# it as KALBAR_BASE_PATH for its health checks). --print-upstreams prints KALBAR_UPSTREAMS
# and exits. See README, "Many users", and docs/ACCESS.md, "Office deployment".
set -euo pipefail

log() { printf '[serve] %s\n' "$*" >&2; }
die() { printf '[serve] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
processes="$(nproc 2>/dev/null || echo 2)"
first_port=8501
caddyfile="$ROOT/deploy/Caddyfile"
base_path=""
print_only=0

while [ $# -gt 0 ]; do
    case "$1" in
        --processes) processes="${2:?--processes needs a number}"; shift 2 ;;
        --first-port) first_port="${2:?--first-port needs a port}"; shift 2 ;;
        --caddyfile) caddyfile="${2:?--caddyfile needs a file}"; shift 2 ;;
        --base-path) base_path="${2?--base-path needs a path like /kalbar}"; shift 2 ;;
        --print-upstreams) print_only=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage; die "unknown option '$1' (expected --processes, --first-port, --caddyfile, --base-path or --print-upstreams)" ;;
    esac
done
[[ "$processes" =~ ^[1-9][0-9]*$ ]] || die "--processes should be a whole number from 1, got '$processes'"
[[ "$first_port" =~ ^[0-9]+$ ]] && [ "$first_port" -ge 1024 ] \
    && [ $((first_port + processes - 1)) -le 65535 ] \
    || die "--first-port should leave room for $processes ports from 1024 to 65535, got '$first_port'"
given_path="$base_path"
base_path="${base_path%/}"
# Folder names of letters, digits, . _ - (not starting with a dot); none of Streamlit's own
# (static, component, app, media, _stcore): Caddy matches */static/* and */component/* to
# compress public files only, and a page under such a path would be compressed too (BREACH).
[ -z "$base_path" ] || { [[ "$base_path" =~ ^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$ ]] \
    && ! [[ "/$base_path/" =~ /(static|component|app|media|_stcore)/ ]]; } \
    || die "--base-path should look like /kalbar (letters, digits, . _ -; not static, component, app, media or _stcore), got '$given_path'"
export KALBAR_BASE_PATH="$base_path"

ports=()
for ((i = 0; i < processes; i++)); do ports+=("$((first_port + i))"); done
upstreams=""
for port in "${ports[@]}"; do upstreams+="127.0.0.1:$port "; done
export KALBAR_UPSTREAMS="${upstreams% }"
if [ "$print_only" -eq 1 ]; then
    printf '%s\n' "$KALBAR_UPSTREAMS"
    exit 0
fi

command -v caddy >/dev/null || die "caddy is not installed: apt-get install -y caddy"
[ -f "$caddyfile" ] || die "no Caddyfile at $caddyfile (expected deploy/Caddyfile or --caddyfile FILE)"
python="$ROOT/.venv/bin/python"
[ -x "$python" ] || die "no virtual environment at $ROOT/.venv: run bash tools/setup.sh"

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM

for port in "${ports[@]}"; do
    "$python" -m streamlit run "$ROOT/dashboard/server.py" \
        --server.address 127.0.0.1 --server.port "$port" --server.headless true \
        --server.baseUrlPath "$base_path" --browser.gatherUsageStats false &
    pids+=("$!")
done
healthy() {  # healthy PORT: the process answers /_stcore/health (no proxy from the env)
    "$python" -c "import sys, urllib.request as u
u.build_opener(u.ProxyHandler({})).open(f'http://127.0.0.1:{sys.argv[1]}{sys.argv[2]}/_stcore/health', timeout=2)" \
        "$1" "$base_path" 2>/dev/null
}
for port in "${ports[@]}"; do
    for _ in $(seq 1 240); do
        healthy "$port" && break
        sleep 0.5
    done
    healthy "$port" || die "the process on 127.0.0.1:$port did not answer /_stcore/health within 120 s"
    log "process ready on 127.0.0.1:$port"
done
log "proxy: caddy run --config $caddyfile (upstreams $KALBAR_UPSTREAMS)"
caddy run --config "$caddyfile" --adapter caddyfile &
pids+=("$!")
wait "${pids[-1]}"
