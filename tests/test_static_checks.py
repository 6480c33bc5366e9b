"""The type checker and the linter (#21 point 7), configured in pyproject.toml ([tool.mypy],
[tool.ruff]); `make test` and `make test-fast` run them here. mypy keeps its cache in .mypy_cache/
(a few seconds when warm)."""
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def _tool(name):
    """The tool beside this interpreter (the venv's pinned one); missing is a failure: `make` installs
    the [test] extra, which pins both."""
    import pathlib
    path = pathlib.Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_mypy_passes():
    proc = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_ruff_passes():
    proc = subprocess.run([_tool("ruff"), "check", "autograder", "course"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
