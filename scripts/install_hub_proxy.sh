#!/usr/bin/env bash
# Installs configurable-http-proxy, JupyterHub's proxy, from the npm registry: the exact versions of
# scripts/hub-proxy/package-lock.json (`npm ci`) into scripts/hub-proxy/node_modules/ (gitignored),
# once per lock file. Needs Node.js and npm (scripts/install_system_packages.sh installs Debian's).
# Used by the hub test (tests/test_hub.py) and described in docs/deploy.md.
set -euo pipefail
dir="$(cd "$(dirname "$0")/hub-proxy" && pwd)"
bin="$dir/node_modules/.bin/configurable-http-proxy"
stamp="$dir/node_modules/.kit-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && "$bin" --version >/dev/null 2>&1; then
    exit 0
fi
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "需要 / needed: $tool (run scripts/install_system_packages.sh as root)" >&2; exit 1; }
done
echo "installing configurable-http-proxy (npm ci in $dir)"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
"$bin" --version >/dev/null
echo "$want" >"$stamp"
