#!/usr/bin/env bash
# Load benchmark of the release build on SQLite and on PostgreSQL, with wrk:
#   GET /healthz (no database) and GET /api/v1/wallet (authenticated: token check, user lookup,
#   wallet read) after seeding users through the public API.
# Prints requests/s, p50 and p99 latency and the server's peak RSS (VmHWM) per engine and route.
#   usage (from the checkout, as root):  bench/run.sh [SECONDS] [CONNECTIONS]
# Performance lives here, never in tests: the numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
binary=$(pwd)/build/release/nanotasks
work=$(mktemp -d /tmp/nanotasks-bench.XXXXXX)
pg_dir=$work/pg
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    tests/pg_cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # database-url
    port=$(free_port)
    NANOTASKS_PORT=$port NANOTASKS_DATABASE_URL=$1 \
        NANOTASKS_JWT_SECRET=bench-secret-0123456789-abcdefghijklmnop \
        NANOTASKS_ACCESS_TOKEN_TTL=3600 NANOTASKS_LOGIN_MAX_FAILURES=100000 \
        "$binary" serve >"$work/server.log" 2>&1 </dev/null &
    server_pid=$!
    for _ in $(seq 300); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server did not start:"; cat "$work/server.log"; exit 1
}

seed() { # registers users and prints one access token
    python3 - "$port" <<'PY'
import http.client, json, sys
from concurrent.futures import ThreadPoolExecutor
port = int(sys.argv[1])
def register(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"name": f"Bench {i}", "email": f"bench{i}@example.com",
                       "password": "bench-password-1", "role": "buyer" if i % 2 else "worker"})
    c.request("POST", "/api/v1/auth/register", body, {"Content-Type": "application/json"})
    r = c.getresponse(); data = json.loads(r.read()); c.close()
    return data["access_token"]
with ThreadPoolExecutor(8) as pool:
    tokens = list(pool.map(register, range(200)))
print(tokens[-1])
PY
}

measure() { # label path [token]
    local label=$1 path=$2 token=${3:-} out
    local auth=()
    [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
    wrk -t1 -c"$connections" -d2s "${auth[@]}" "http://127.0.0.1:$port$path" >/dev/null 2>&1
    out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency "${auth[@]}" "http://127.0.0.1:$port$path")
    printf '%-22s rps=%-10s p50=%-9s p99=%-9s errors=%s\n' "$label" \
        "$(echo "$out" | awk '/Requests\/sec/{print $2}')" \
        "$(echo "$out" | awk '/ 50%/{print $2}')" "$(echo "$out" | awk '/ 99%/{print $2}')" \
        "$(echo "$out" | grep -cE 'Non-2xx|Socket errors' || true)"
}

report_rss() { printf '%-22s peak_rss=%s\n' "$1" "$(awk '/VmHWM/{print $2 $3}' /proc/$server_pid/status)"; }

run_engine() { # label database-url
    start_server "$2"
    token=$(seed)
    measure "$1 /healthz" /healthz
    measure "$1 /api/v1/wallet" /api/v1/wallet "$token"
    report_rss "$1"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

run_engine sqlite "sqlite:$work/bench.db"
tests/pg_cluster.sh start "$pg_dir" >/dev/null
run_engine postgres "$(cat "$pg_dir/url")"
