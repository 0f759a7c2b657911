#!/usr/bin/env bash
# The whole test suite, as CI runs it (README: `npm test`). Set-up included: it builds the
# package, lints it with n8n's verification rules, runs n8n's own scanner on the source and the
# packed tarball, runs the unit tests, provisions a real n8n
# (cached under ~/.cache, see scripts/provision-n8n.sh) and runs the end-to-end tests on it.
#   SKIP_E2E=1 npm test   runs everything but the real-n8n tests.
set -euo pipefail
cd "$(dirname "$0")/.."
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

bash scripts/ensure-deps.sh

echo "== build"; npm run --silent build
echo "== lint (eslint-plugin-n8n-nodes-base + n8n community-package verification rules)"; npm run --silent lint
echo "== n8n's verification scanner (@n8n/scan-community-package) on the source and the npm pack tarball"
node scripts/scan-package.mjs
echo "== typecheck tests, simulator and scripts"; npx tsc -p tsconfig.test.json --noEmit

echo "== unit tests"
npx jest --selectProjects unit --json --outputFile="$results/unit.json"

if [ "${SKIP_E2E:-0}" != "1" ]; then
  echo "== provisioning a real n8n for the end-to-end tests (cached after the first run)"
  bash scripts/provision-n8n.sh
  echo "== Chromium for the editor test (installed with apt-get when missing)"
  bash scripts/ensure-chromium.sh
  echo "== end-to-end tests against a real n8n"
  npx jest --selectProjects e2e --runInBand --json --outputFile="$results/e2e.json"
  # A renamed or deleted e2e file would otherwise just run fewer tests: name the ones that must run.
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // A file with a skipped test reports status "focused", not "passed": judge by its tests instead.
    const ok = (t) => t.assertionResults.some((a) => a.status === "passed") && !t.assertionResults.some((a) => a.status === "failed");
    const ran = new Set(r.testResults.filter(ok).map((t) => require("path").basename(t.name)));
    const missing = process.argv.slice(2).filter((f) => !ran.has(f));
    if (missing.length) { console.error("end-to-end files that did not run and pass: " + missing.join(", ")); process.exit(1); }
  ' "$results/e2e.json" provision.e2e.test.ts trigger.e2e.test.ts reconcile.e2e.test.ts \
    crash-soak.e2e.test.ts editor.e2e.test.ts queue.e2e.test.ts queue-setup.e2e.test.ts
fi

# One plain closing line for any reader: "N passed, N failed".
node -e '
  const fs = require("fs"); let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$results"
