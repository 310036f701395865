# Helpers shared by the benchmark scripts; source it from bash after `cd` to the checkout.
# Sets up a work directory and cleans it (server, PostgreSQL cluster) on exit.
connections=${connections:-32}
binary=$(pwd)/build/release/nanotasks
work=$(mktemp -d /tmp/nanotasks-bench.XXXXXX)
chmod 755 "$work"  # the PostgreSQL cluster in it runs as the postgres user
pg_dir=$work/pg
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    tests/pg_cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

build_release() {
    scripts/install-deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Every server and seed run of a benchmark shares these settings. Password hashing is cheap
# here so that logging in hundreds of seeded users takes seconds; it is not what is measured.
bench_env=(
    NANOTASKS_JWT_SECRET=bench-secret-0123456789-abcdefghijklmnop
    NANOTASKS_ACCESS_TOKEN_TTL=3600 NANOTASKS_LOGIN_MAX_FAILURES=100000
    NANOTASKS_PASSWORD_MEMORY_KIB=1024 NANOTASKS_PASSWORD_PASSES=1
)

start_server() { # database-url
    port=$(free_port)
    env "${bench_env[@]}" NANOTASKS_PORT="$port" NANOTASKS_DATABASE_URL="$1" \
        "$binary" serve >"$work/server.log" 2>&1 </dev/null &
    server_pid=$!
    for _ in $(seq 300); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server did not start:"; cat "$work/server.log"; exit 1
}

stop_server() {
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

# wrk's summary as one line: requests/s, p50, p99 and how many lines report errors.
summarize() { # label wrk-output
    printf '%-34s rps=%-10s p50=%-9s p99=%-9s errors=%s\n' "$1" \
        "$(echo "$2" | awk '/Requests\/sec/{print $2}')" \
        "$(echo "$2" | awk '/ 50%/{print $2}')" "$(echo "$2" | awk '/ 99%/{print $2}')" \
        "$(echo "$2" | grep -cE 'Non-2xx|Socket errors' || true)"
}

measure() { # label path [token] [seconds]
    local label=$1 path=$2 token=${3:-} seconds=${4:-$duration}
    local auth=()
    [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
    wrk -t1 -c"$connections" -d2s "${auth[@]}" "http://127.0.0.1:$port$path" >/dev/null 2>&1
    summarize "$label" "$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "${auth[@]}" \
        "http://127.0.0.1:$port$path")"
}

report_rss() { printf '%-34s peak_rss=%s\n' "$1" "$(awk '/VmHWM/{print $2 $3}' /proc/$server_pid/status)"; }

# One JSON request through curl; prints the body.
api() { # method path [token] [body]
    local auth=()
    [ -n "${3:-}" ] && auth=(-H "Authorization: Bearer $3")
    curl -fsS -X "$1" "${auth[@]}" -H 'Content-Type: application/json' ${4:+--data "$4"} \
        "http://127.0.0.1:$port/api/v1$2"
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

login() { # email password -> access token
    api POST /auth/login "" "{\"email\":\"$1\",\"password\":\"$2\"}" | json_field access_token
}
