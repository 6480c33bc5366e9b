#!/bin/bash
# torch's CPU build into the kit's venv, before the kit's own packages (scripts/make_venv.sh).
#
# PyPI's torch for Linux x86_64 is the CUDA build: gigabytes of GPU libraries a grader never uses,
# and a 3 GiB address space at import that the sandbox's memory limit must then allow for. The
# pin stays `torch==X.Y.Z` in pyproject.toml (what pip, conda and Gradescope's setup.sh all read);
# only where the wheel comes from is chosen here, for any user (root's pip.conf is not theirs):
#
#   1. a local CPU wheel of the pinned version: $TORCH_WHEELS (default /opt/wheels) or a
#      directory of $PIP_FIND_LINKS;
#   2. otherwise PyTorch's CPU index (https://download.pytorch.org/whl/cpu, the documented way),
#      asked for torch alone, with one retry and a 20 s timeout (set for pip and for uv through
#      their environment variables): an unreachable index costs seconds, not minutes;
#   3. otherwise nothing: a warning, and the pinned install that follows takes PyPI's torch (it works,
#      it is only large).
#
# The next step keeps this torch: `X.Y.Z+cpu` satisfies `torch==X.Y.Z` (PEP 440 ignores a local
# label the specifier does not name), and neither pip nor uv replaces a requirement that is satisfied.
#
# PIP is the installer's command, one or more words without spaces in them: a venv's pip, or
# "uv pip" (scripts/make_venv.sh); both take the options used here.
#
# usage: scripts/install_torch_cpu.sh PIP [PYPROJECT]
set -u
read -r -a pip <<< "${1:?usage: install_torch_cpu.sh PIP [PYPROJECT]}"
pyproject=${2:-pyproject.toml}
index=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}

# The one pin, read from pyproject.toml's dependencies ("torch==2.13.0").
version=$(sed -n 's/^[[:space:]]*"torch==\([0-9][0-9A-Za-z.]*\)".*/\1/p' "$pyproject" | head -n 1)
if [ -z "$version" ]; then
    echo "install_torch_cpu: 在 $pyproject 中找不到 torch 的固定版本，跳过 / no torch==X.Y.Z pin in $pyproject: skipped" >&2
    exit 0
fi
want="torch==${version}+cpu"

# Already there (a re-run after another pin changed): nothing to fetch.
if "${pip[@]}" show torch 2>/dev/null | grep -qx "Version: ${version}+cpu"; then
    exit 0
fi

dirs=("${TORCH_WHEELS:-/opt/wheels}")
IFS=' ' read -r -a extra <<< "${PIP_FIND_LINKS:-}"
dirs+=("${extra[@]}")
for dir in "${dirs[@]}"; do
    dir=${dir#file://}
    if compgen -G "$dir/torch-${version}+cpu-*.whl" >/dev/null; then
        echo "torch: ${version}+cpu from $dir"
        exec "${pip[@]}" install --quiet --no-deps --no-index --find-links "$dir" "$want"
    fi
done

echo "torch: ${version}+cpu from $index"
if PIP_RETRIES=1 PIP_TIMEOUT=20 UV_HTTP_RETRIES=1 UV_HTTP_TIMEOUT=20 \
        "${pip[@]}" install --quiet --no-deps --index-url "$index" "$want"; then
    exit 0
fi
echo "install_torch_cpu: 无法访问 PyTorch 的 CPU 索引，将从 PyPI 安装 torch（CUDA 版本，数 GB）/" \
     "PyTorch's CPU index could not be reached: PyPI's torch (the CUDA build, several GB) is installed instead" >&2
exit 0
