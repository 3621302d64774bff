#!/usr/bin/env bash
# The package as users get it: `npm pack`, the tarball installed into an empty folder with npm, then
# `npx labmesh` runs its version check and the demo pipeline on the samples the package ships.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(npm pack --pack-destination "$work" --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].filename)')"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install "$work/$tarball" --no-audit --no-fund
expected="labmesh/$(node -p 'require("./node_modules/labmesh/package.json").version')"
version="$(npx --no-install labmesh --version)"
[[ $version == "$expected "* ]] || { echo "npx labmesh --version printed: $version (expected $expected ...)" >&2; exit 1; }
LABMESH_COMMAND="npx --no-install labmesh" bash node_modules/labmesh/samples/demo.sh
# The demo's last step verified its data package; check it recorded this labmesh.
grep -q "\"generator\": \"labmesh " .labmesh-demo/rna-package/datapackage.json
echo "packed install: ok ($version)"
