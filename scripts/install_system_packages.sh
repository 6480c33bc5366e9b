#!/usr/bin/env bash
# Installs the Debian packages the kit needs, once: Chromium (browser tests),
# a CJK font (Chinese labels in matplotlib figures), and Node.js with npm
# (JupyterHub's configurable-http-proxy, scripts/install_hub_proxy.sh).
#
#   install_system_packages.sh        everything `make test` needs
#   install_system_packages.sh demo   only what `make demo` and `make lab` need (the font)
#
# A normal user who already has them never needs root.
set -euo pipefail
need=()
if [ "${1:-all}" != demo ]; then
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v node >/dev/null 2>&1 || need+=(nodejs)
    command -v npm >/dev/null 2>&1 || need+=(npm)
    command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)   # tests/test_written_pdf.py reads the PDFs back
fi
# Read fc-list whole before matching: `fc-list | grep -q` under pipefail fails whenever grep
# exits early and fc-list dies of SIGPIPE, and the installed font would count as missing.
fonts=$(fc-list : family 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk fontconfig)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "需要安装系统软件包 / system packages needed: ${need[*]} (run as root: apt-get install ${need[*]})" >&2
    exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
