#!/usr/bin/env bash
# Installs what is missing, builds and runs every test: unit, storage (SQLite and a PostgreSQL
# started in a temporary directory), end-to-end (the real binary over HTTP) and the format check.
#   scripts/test.sh [PRESET] [ctest arguments...]    PRESET: ci (default), dev (ASan+UBSan), tsan
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-ci}
[ $# -gt 0 ] && shift
scripts/install-deps.sh
jobs=$(nproc)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs" "$@"
