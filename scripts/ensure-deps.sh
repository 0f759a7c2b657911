#!/usr/bin/env bash
# Installs this repo's dev dependencies (npm ci) when node_modules is missing or older than
# package-lock.json, so that `npm test`, `npm run demo` and `npm run bench` work from a fresh clone
# with no other command. npm ci follows .npmrc (install scripts off: see the comment there).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json # written by npm at the end of every install
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "== installing dev dependencies (npm ci; about 1 minute the first time)"
  npm ci --no-audit --no-fund --loglevel=error
  [ -f "$stamp" ] || { echo "npm ci finished but $stamp is missing" >&2; exit 1; }
  touch "$stamp"
fi
