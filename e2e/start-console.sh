#!/usr/bin/env bash
# Starts the production console for e2e on a fresh data directory (the suite starts at the setup wizard).
set -euo pipefail
cd "$(dirname "$0")/.."
data=.cache/e2e-data
rm -rf "$data"
mkdir -p "$data"
export HORCRUX_DATA_DIR="$data" NODE_ENV=production
exec node_modules/.bin/tsx server/main.ts
