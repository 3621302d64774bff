#!/usr/bin/env bash
# The main job on the embedded default: the whole pipeline, on the sample exports shipped beside
# this script, into a fresh workspace under ./.labmesh-demo/ (your own workspace is not touched).
# From a clone: `npm run demo`; from an installed package: `bash node_modules/labmesh/samples/demo.sh`.
# LABMESH_COMMAND runs another labmesh (`npx labmesh`) instead of the one beside this script.
set -euo pipefail
samples="$(cd "$(dirname "$0")" && pwd)"
if [[ -n ${LABMESH_COMMAND:-} ]]; then read -ra run <<<"$LABMESH_COMMAND"; else run=(node "$(dirname "$samples")/bin/run.js"); fi
demo="$PWD/.labmesh-demo"
rm -rf "$demo"
export LABMESH_HOME="$demo/workspace" LABMESH_CONFIG_DIR="$demo/config" LABMESH_CACHE_DIR="$demo/cache" LABMESH_PROFILE=
labmesh() { "${run[@]}" "$@"; }

# Commands in bold on a terminal; plain text down a pipe or into a file.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ labmesh %s%s\n' "$bold" "$*" "$plain"; labmesh "$@"; }

# 1. ingest: raw files with the metadata their paths carry; a second run stores nothing.
step ingest "$samples/exports" --template '{project}/{device}/{sample}_{date:YYYY-MM-DD}.*' --label source=demo
step ingest "$samples/exports"
step files list --metadata project=alpha

# 2. convert: engineered documents, then rows of the lab Delta tables.
step convert
step convert file "$samples/exports/alpha/nanodrop/RNA-S002_2026-03-03.txt" --out "$demo/RNA-S002.json"
step catalog list
step catalog describe lab.plate_reader_measurement

# 3. search: by metadata, label and content.
step search 'project:alpha OR label.source:demo' --limit 5

# 4. query: SQL over the tables, then a data package a scientist takes home.
step query "SELECT f.metadata['sample'] AS sample, count(*) AS wells, round(avg(m.absorbance), 3) AS mean_absorbance
            FROM lab.plate_reader_measurement m JOIN lab.files f USING (file_id)
            WHERE m.absorbance IS NOT NULL GROUP BY ALL ORDER BY sample"
step query "SELECT sample_identifier, mass_concentration, mass_concentration_unit FROM lab.spectrophotometry_measurement ORDER BY 1" \
  --package "$demo/rna-package" --format csv
step package verify "$demo/rna-package"

printf '\nThe workspace is in %s. Look next at:\n' "$LABMESH_HOME"
printf '  %s/RNA-S002.json        an engineered document\n' "$demo"
printf '  %s/rna-package/         a data package (datapackage.json + CSV)\n' "$demo"
printf '  LABMESH_HOME=%s LABMESH_CONFIG_DIR=%s %s query "SELECT * FROM lab.files"\n' "$LABMESH_HOME" "$LABMESH_CONFIG_DIR" "${run[*]}"
