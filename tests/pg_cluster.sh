#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster in DIR for the tests (the CTest fixture "postgres").
#   start DIR   init and start a cluster on a free port, create database "nt", write DIR/url,
#               DIR/port and DIR/bin; reuses a cluster already running in DIR
#   stop DIR    stop it and delete its data (DIR/log stays for a post-mortem)
#   pause DIR   stop the server, keeping its data (restart tests)
#   resume DIR  start it again on the same port
# As root, the server runs as the postgres user, which refuses to run as root.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|pause|resume DIR" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
command=$1
dir=$(realpath -m "$2")
bin=${NANOTASKS_PG_BIN:-/usr/lib/postgresql/15/bin}
data=$dir/data

if [[ $(id -u) -eq 0 ]]; then
    as_owner=(runuser -u postgres --)
    owner=postgres
else
    as_owner=()
    owner=$(id -un)
fi

pg_ctl() {
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data" "$@"
}

is_running() {
    [[ -f $data/postmaster.pid && -s $dir/port ]] && pg_ctl status >/dev/null 2>&1 &&
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$(cat "$dir/port")"
}

start_server() {
    local port=$1
    # fsync off: the data is thrown away, and tests should not wait for the disk.
    pg_ctl -l "$dir/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c full_page_writes=off" \
        start >/dev/null
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if is_running; then
        echo "reusing the cluster in $dir: $(cat "$dir/url")"
        return
    fi
    # Whatever is there is stale: a crashed run, or a cluster from another checkout.
    if [[ -d $data ]]; then
        pg_ctl -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    chown "$owner" "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # Another process may take the port between choosing and binding it: try a few.
    local port started=0
    for _ in 1 2 3; do
        port=$(free_port)
        if start_server "$port"; then
            started=1
            break
        fi
    done
    if [[ $started -ne 1 ]]; then
        cat "$dir/log" >&2
        exit 1
    fi
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE nt" >/dev/null
    echo "$port" >"$dir/port"
    echo "$bin" >"$dir/bin"
    # Written last: its presence means the cluster is ready.
    echo "postgresql://postgres@127.0.0.1:$port/nt" >"$dir/url"
    echo "started a cluster in $dir: $(cat "$dir/url")"
}

stop() {
    if [[ -d $data ]]; then
        pg_ctl -m fast stop >/dev/null 2>&1 || pg_ctl -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data" "$dir/url" "$dir/port" "$dir/bin"
}

pause() {
    pg_ctl -m fast -w stop >/dev/null
}

resume() {
    start_server "$(cat "$dir/port")"
}

case $command in
start) start ;;
stop) stop ;;
pause) pause ;;
resume) resume ;;
*) usage ;;
esac
