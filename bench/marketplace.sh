#!/usr/bin/env bash
# Marketplace benchmark of the release build on SQLite and on PostgreSQL, with wrk.
# Data comes from `nanotasks seed` (multi-row inserts, ledger rows included), in two steps:
#   small: 10,000 users, 10,000 open tasks, 100,000 pending submissions
#   large: the same plus 1,000 users, 90,000 tasks and 900,000 submissions
#          (11,000 users, 100,000 open tasks, 1,000,000 submissions in all)
# and prints, per engine:
#   - how long each seed step took;
#   - authenticated GET /api/v1/tasks?limit=20 (newest first) on the small and on the large data,
#     to show that a page does not get slower as the table grows (keyset pagination on an index);
#   - GET /api/v1/tasks?sort=pay&limit=20 and GET /api/v1/tasks/{id} on the large data;
#   - the submit-then-approve loop (bench/submit_approve.lua): 900 workers submit to 60 tasks of
#     1,000 slots and the buyer approves each submission; two requests per paid slot;
#   - the server's peak RSS (VmHWM).
# usage (from the checkout, as root):  bench/marketplace.sh [SECONDS] [CONNECTIONS] [ENGINES]
#   ENGINES: "sqlite postgres" (default), or one of them.
# Performance lives here, never in tests: the numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
engines=${3:-sqlite postgres}
. bench/common.sh
build_release

seed() { # database-url seed users tasks submissions
    local started=$SECONDS
    env "${bench_env[@]}" NANOTASKS_DATABASE_URL="$1" "$binary" seed --seed "$2" \
        --users "$3" --tasks "$4" --submissions "$5" >"$work/seed.log" 2>&1 ||
        { cat "$work/seed.log"; exit 1; }
    printf '%-34s %s\n' "$label seed $3/$4/$5" "$(head -1 "$work/seed.log") (wall $((SECONDS - started)) s)"
}

analyze() { # PostgreSQL plans from fresh statistics, as autovacuum would soon give them
    [ "$label" = postgres ] && psql -q "$url" -c ANALYZE >/dev/null
    return 0
}

# The loop's data: 60 tasks of 1,000 slots at 1 coin by one buyer of the large step, and 900
# of its workers logged in. Writes the file bench/submit_approve.lua reads.
prepare_loop() {
    local buyer task
    buyer=$(login seed2-buyer1@example.com seed-password-1)
    echo "$buyer" >"$work/loop.txt"
    local deadline
    deadline=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
    for _ in $(seq 60); do
        task=$(api POST /tasks "$buyer" "{\"title\":\"Benchmark task\",\"detail\":\"Do it\",
            \"required_workers\":1000,\"payable_amount\":1,\"completion_date\":\"$deadline\",
            \"submission_info\":\"a line\"}" | json_field id)
        echo "task $task" >>"$work/loop.txt"
    done
    python3 - "$port" >>"$work/loop.txt" <<'PY'
import http.client, json, sys
from concurrent.futures import ThreadPoolExecutor
port = int(sys.argv[1])
def login(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/api/v1/auth/login",
              json.dumps({"email": f"seed2-worker{n}@example.com", "password": "seed-password-1"}),
              {"Content-Type": "application/json"})
    r = c.getresponse(); data = json.loads(r.read()); c.close()
    return data["access_token"]
with ThreadPoolExecutor(8) as pool:
    for token in pool.map(login, range(1, 901)):
        print("worker", token)
PY
}

run_engine() { # label database-url
    label=$1 url=$2
    env "${bench_env[@]}" NANOTASKS_DATABASE_URL="$url" "$binary" migrate >/dev/null 2>&1
    seed "$url" 1 10000 10000 100000
    analyze
    start_server "$url"
    local worker id
    worker=$(login seed1-worker1@example.com seed-password-1)
    measure "$label GET /tasks (10k open)" "/api/v1/tasks?limit=20" "$worker"
    stop_server
    seed "$url" 2 1000 90000 900000
    analyze
    start_server "$url"
    worker=$(login seed1-worker1@example.com seed-password-1)
    id=$(api GET "/tasks?limit=1" "$worker" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
    measure "$label GET /tasks (100k open)" "/api/v1/tasks?limit=20" "$worker"
    measure "$label GET /tasks?sort=pay (100k)" "/api/v1/tasks?sort=pay&limit=20" "$worker"
    measure "$label GET /tasks/{id}" "/api/v1/tasks/$id" "$worker"
    prepare_loop
    summarize "$label submit+approve (2 req/slot)" "$(wrk -t1 -c"$connections" -d"${duration}s" \
        --latency -s bench/submit_approve.lua "http://127.0.0.1:$port" -- "$work/loop.txt")"
    report_rss "$label"
    stop_server
}

for engine in $engines; do
    case $engine in
        sqlite) run_engine sqlite "sqlite:$work/bench.db" ;;
        postgres)
            tests/pg_cluster.sh start "$pg_dir" >/dev/null
            run_engine postgres "$(cat "$pg_dir/url")"
            ;;
        *) echo "unknown engine $engine" >&2; exit 2 ;;
    esac
done
