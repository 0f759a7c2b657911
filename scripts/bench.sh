#!/usr/bin/env bash
# npm run bench [-- --quick]: runs bench/run.ts on the Node 24 runtime that n8n 2.x itself runs
# on (provisioned with n8n, cached), so that the per-event costs are those of production.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
line="$(bash scripts/provision-n8n.sh | tee /dev/stderr | tail -1)" # progress stays visible
node24="$(sed -n 's/.*NODE_BIN=\([^ ]*\).*/\1/p' <<<"$line")"
exec "$node24" --expose-gc --import tsx bench/run.ts "$@"
