#!/bin/bash
# The kit's virtual environment (the Makefile's venv step, for `make demo`, `make test` and CI):
# torch's CPU build first (scripts/install_torch_cpu.sh), then the student package (course/, built by
# packaging/student/) and the instructor package (autograder/, pyproject.toml), both editable, with
# the test extras.
#
# The packages are installed by uv (pinned below), itself installed by the venv's pip: it downloads
# and unpacks in parallel and keeps a cache, so the environment takes about 20 s on a fresh clone
# instead of pip's 50 (pip keeps no cache on some machines and fetched each of ~150 wheels in turn).
# It installs the same pins into the same venv: `.venv/bin/pip` still works, and `pip check` agrees.
# Where uv cannot be had or fails (an index it cannot reach, a certificate only pip is told of in its
# configuration), pip does it all, as before, only slower.
#
# usage: scripts/make_venv.sh PYTHON VENV
set -euo pipefail
python=${1:?usage: make_venv.sh PYTHON VENV}
venv=${2:?usage: make_venv.sh PYTHON VENV}
UV_VERSION=0.13.9

test -x "$venv/bin/python" || "$python" -m venv "$venv"
export VIRTUAL_ENV="$(cd "$venv" && pwd)"       # the environment `uv pip` installs into
# The machine's certificate store, as pip uses it: uv's own bundle lacks the CA of a TLS-inspecting
# proxy that the system trusts (seen here: a normal user's uv refused PyPI with "UnknownIssuer").
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-1}
"$venv/bin/pip" uninstall --quiet --yes pooling-course-kit 2>/dev/null || true   # the former single package
# uv compiles what it installs, as pip does, so that no process compiles site-packages again (CI's
# environment sets PYTHONDONTWRITEBYTECODE, so nothing compiled at import would be kept).
export UV_COMPILE_BYTECODE=1

# The kit by one installer ("$@": the venv's pip, or its uv's "uv pip"): torch's CPU build first.
install_kit() {
    bash scripts/install_torch_cpu.sh "$*" pyproject.toml &&
        "$@" install --quiet -e ./packaging/student -e '.[test]'
}

# pip itself is upgraded as well: the venv's pip is the one the hub test's deployment runs, and the one
# a user may run later (ensurepip's pip 23 is three times slower there).
if "$venv/bin/pip" install --quiet --upgrade pip "uv==$UV_VERSION" && install_kit "$venv/bin/uv" pip; then
    exit 0
fi
echo "make_venv: uv 不可用或安装失败，改用 pip（较慢）/ uv unavailable or failed: pip installs everything (slower)" >&2
"$venv/bin/pip" install --quiet --upgrade pip
install_kit "$venv/bin/pip"
