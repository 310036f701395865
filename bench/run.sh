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
. bench/common.sh
build_release

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

run_engine() { # label database-url
    start_server "$2"
    token=$(seed)
    measure "$1 /healthz" /healthz
    measure "$1 /api/v1/wallet" /api/v1/wallet "$token"
    report_rss "$1"
    stop_server
}

run_engine sqlite "sqlite:$work/bench.db"
tests/pg_cluster.sh start "$pg_dir" >/dev/null
run_engine postgres "$(cat "$pg_dir/url")"
