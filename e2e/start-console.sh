#!/usr/bin/env bash
# Starts the production console and a real agent (real QEMU) for e2e, on fresh data
# directories (the suite starts at the setup wizard). Guests left running by an
# earlier run are stopped first.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$PWD/.cache/e2e-data
agent_port=${E2E_AGENT_PORT:-18007}
pkill -f -- "$data/agent/run/" 2>/dev/null || true
rm -rf "$data"
mkdir -p "$data/agent"

HORCRUX_AGENT_DATA_DIR="$data/agent" HORCRUX_AGENT_PORT=$agent_port HORCRUX_AGENT_HOST=127.0.0.1 \
  node --import tsx agent/main.ts &
agent=$!
trap 'kill $agent 2>/dev/null || true; pkill -f -- "$data/agent/run/" 2>/dev/null || true' EXIT

export HORCRUX_DATA_DIR="$data/console" NODE_ENV=production
export HORCRUX_LOCAL_AGENT_URL="https://127.0.0.1:$agent_port" HORCRUX_LOCAL_AGENT_DIR="$data/agent"
node --import tsx server/main.ts
