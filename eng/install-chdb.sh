#!/usr/bin/env bash
# Installs the pinned chDB engine (eng/chdb/package-lock.json) unless it is already present.
# Called by the EmbeddedClickHouse build and by .ci/run; safe to run concurrently and repeatedly.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/chdb" && pwd)"
lib="$dir/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"
[ -f "$lib" ] && exit 0
command -v npm >/dev/null || { echo "install-chdb: npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }
exec 9>"$dir/.install.lock"
flock 9
[ -f "$lib" ] && exit 0
echo "install-chdb: installing the pinned chDB package into $dir (about 550 MB)" >&2
# --ignore-scripts: we load libchdb.so ourselves and need no Node addon build.
npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
[ -f "$lib" ] || { echo "install-chdb: $lib missing after npm ci" >&2; exit 1; }
