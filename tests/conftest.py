"""Shared fixtures: the repository, and the solutions as written in source/."""
import json
import os
import pathlib

import pytest

from autograder.functions import PREAMBLE, BY_NAME

# Real JupyterLab and Chromium fixtures, defined once for every test module that uses them.
pytest_plugins = ["browser_fixtures"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "pooling"
RELEASE = ROOT / "release" / "pooling"


def answer_cells(notebook_path):
    """Code of the autograded answer cells (nbgrader solution cells) of a notebook."""
    nb = json.loads(pathlib.Path(notebook_path).read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            src = cell["source"]
            out.append("".join(src) if isinstance(src, list) else src)
    return out


def load_solution(name):
    """The instructor's solution of graded function `name`, exec'd from its source notebook."""
    nb = SOURCE / f"{BY_NAME[name].notebook}.ipynb"
    ns = {}
    exec(PREAMBLE, ns)
    for code in answer_cells(nb):
        exec(compile(code, str(nb), "exec"), ns)
    return ns[name]


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


@pytest.fixture
def set_umask():
    """``set_umask(mask)`` for this test; the process's own umask comes back afterwards
    (monkeypatch has no umask)."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


# Lines that tests want shown at the end of the run (e.g. the mutation kill rate),
# since pytest hides a passing test's own output.
_SUMMARY_LINES = []


@pytest.fixture(scope="session")
def summary():
    """Append a line to show in pytest's terminal summary."""
    return _SUMMARY_LINES


def pytest_terminal_summary(terminalreporter):
    if _SUMMARY_LINES:
        terminalreporter.section("kit summary")
        for line in _SUMMARY_LINES:
            terminalreporter.write_line(line)
