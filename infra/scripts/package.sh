#!/bin/sh
# azd `prepackage` hook of the api service: builds the folder azd zips and deploys
# (azure.yaml `dist: .azure-package`): the compiled app, the staging migrations it reads at run
# time, host.json and the production dependencies only: no TypeScript, test tools or Core Tools.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.azure-package"
cd "$root"
npm run build --silent
rm -rf "$out"
mkdir -p "$out/dist" "$out/src/lib/staging"
cp -R dist/src "$out/dist/src"
# migrate.ts reads the SQL files from src/lib/staging/migrations at run time.
cp -R src/lib/staging/migrations "$out/src/lib/staging/migrations"
# GET /api/guide serves the operators' guide (src/lib/ops/guide.ts).
mkdir -p "$out/docs" && cp docs/guide.md "$out/docs/guide.md"
cp package.json package-lock.json host.json "$out/"
cd "$out"
npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error
echo "Paquet : $(du -sh "$out" | cut -f1) ($out)"
