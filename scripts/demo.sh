#!/usr/bin/env bash
# npm run demo [-- --exit --orders N ...]: provisions n8n if needed (cached), builds and installs
# this package into it as users get it, and runs scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npx tsx scripts/demo.ts "$@"
