#!/usr/bin/env bash
# Installs what is missing, builds the release binary and serves on SQLite at 127.0.0.1:8080.
# Extra arguments go to `nanotasks serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/nanotasks serve "$@"
