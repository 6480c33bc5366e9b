#!/usr/bin/env bash
# Installs axe-core, the accessibility rules engine of the browser tests, from the npm registry:
# the exact version of scripts/axe/package-lock.json (`npm ci`) into scripts/axe/node_modules/
# (gitignored), once per lock file. Needs Node.js and npm (scripts/install_system_packages.sh
# installs Debian's). Used by tests/test_accessibility.py, which injects node_modules/axe-core/axe.min.js
# into each page in headless Chromium: nothing is fetched at run time.
set -euo pipefail
dir="$(cd "$(dirname "$0")/axe" && pwd)"
js="$dir/node_modules/axe-core/axe.min.js"
stamp="$dir/node_modules/.kit-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -s "$js" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "需要 / needed: $tool (run scripts/install_system_packages.sh as root)" >&2; exit 1; }
done
echo "installing axe-core (npm ci in $dir)"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
test -s "$js"
echo "$want" >"$stamp"
