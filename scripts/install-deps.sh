#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the benchmarks need.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git python3 curl
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsqlite3-dev libpq-dev postgresql
    libsodium-dev libssl-dev libcurl4-openssl-dev
    libspdlog-dev libfmt-dev libjemalloc-dev
    libgtest-dev libgmock-dev
    clang-format wrk
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages ${missing[*]}; run as root or install them" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The postgresql package starts a system cluster; our tests run their own clusters instead.
if command -v pg_lsclusters >/dev/null 2>&1 && [ -z "${NANOTASKS_KEEP_SYSTEM_POSTGRES:-}" ]; then
    true
fi
