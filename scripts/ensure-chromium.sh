#!/usr/bin/env bash
# The editor test (test/e2e/editor.e2e.test.ts) drives Debian's Chromium through playwright-core.
# `npm test` calls this before the end-to-end tests: it installs Chromium when it is missing
# (apt-get, as root or through sudo) and prints the browser's path. POS_E2E_CHROMIUM overrides it.
set -euo pipefail

chromium="${POS_E2E_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "$chromium"
  exit 0
fi
if [ -n "${POS_E2E_CHROMIUM:-}" ]; then
  echo "POS_E2E_CHROMIUM=$chromium is not an executable" >&2
  exit 1
fi

if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Chromium is missing ($chromium) and this user cannot install it: run 'apt-get install -y chromium' as root" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing ($chromium) and there is no apt-get here: install Chromium and set POS_E2E_CHROMIUM to its path" >&2
  exit 1
fi

echo "== installing Chromium (Debian package) for the editor test" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
[ -x "$chromium" ] || { echo "apt-get installed chromium but $chromium is missing" >&2; exit 1; }
echo "$chromium"
