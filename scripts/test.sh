#!/usr/bin/env bash
# The whole test suite: static checks, unit, integration (real QEMU, PGlite and
# PostgreSQL), then e2e in Debian's Chromium against a production build.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n== %s\n' "$*"; }

step "typecheck"
npx tsc --noEmit
step "lint"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
step "unit tests"
npx vitest run --project unit
step "integration tests"
npx vitest run --project integration
step "production build"
npx next build >/tmp/horcrux-next-build.log 2>&1 || { cat /tmp/horcrux-next-build.log; exit 1; }
step "e2e (Chromium)"
npx playwright test
