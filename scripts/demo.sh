#!/usr/bin/env bash
# The main job on the embedded default: the whole pipeline so far, on the sample exports shipped
# in samples/, into a fresh workspace under .labmesh-demo/ (your own workspace is not touched).
set -euo pipefail
cd "$(dirname "$0")/.."
demo="$PWD/.labmesh-demo"
rm -rf "$demo"
export LABMESH_HOME="$demo/workspace" LABMESH_CONFIG_DIR="$demo/config" LABMESH_PROFILE=
labmesh() { node "$PWD/bin/run.js" "$@"; }

step() { printf '\n\033[1m$ labmesh %s\033[0m\n' "$*"; labmesh "$@"; }

step ingest samples/exports --template '{project}/{device}/{sample}_{date:YYYY-MM-DD}.*' --label source=demo
step ingest samples/exports
step files list
step files list --metadata project=alpha
step convert
step files list --category ENGINEERED
step convert file samples/exports/alpha/nanodrop/RNA-S002_2026-03-03.txt --out "$demo/RNA-S002.json"
printf '\nThe workspace is in %s; look next at:\n' "$LABMESH_HOME"
printf '  node bin/run.js files show <file id>    (with LABMESH_HOME=%s LABMESH_CONFIG_DIR=%s)\n' "$LABMESH_HOME" "$LABMESH_CONFIG_DIR"
printf '  %s/RNA-S002.json                         (an engineered document)\n' "$demo"
