"""Shared fixtures: the repository, and the solutions as written in source/."""
import json
import os
import pathlib

import pytest

from autograder.functions import PREAMBLE, BY_NAME

# Real JupyterLab and Chromium fixtures, and the classes graded once per session (graded_demo,
# graded_class30, reported_class30: tests/support/graded.py), defined once for every test module.
pytest_plugins = ["browser_fixtures", "support.graded"]


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from this run's grading instead of comparing with it "
                          "(only for an intended change of results; say so in the commit)")


# `make test-fast` runs `-m "not slow"`: the unit and single-submission tests. A test is slow if it is
# marked so, drives a browser or a hub, or uses a fixture named here (each grades a class, starts a
# cluster or an nbgrader course: its cost falls on whichever test first asks for it). Measured with
# `--durations=0` one module at a time; add a fixture here when it costs more than a few seconds.
SLOW_FIXTURES = {
    "graded_demo", "graded_class30", "reported_class30", "graded_totals_class",   # tests/support/graded.py
    "browser", "jupyter_lab", "lab_course",                        # tests/browser_fixtures.py
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (item.get_closest_marker("browser") or item.get_closest_marker("hub")
                or SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def update_goldens(request):
    """True under ``pytest --update-goldens``: golden tests write their copy instead of comparing."""
    return request.config.getoption("--update-goldens")

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
