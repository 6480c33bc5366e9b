"""Shared fixtures: the repository, and the solutions as written in source/."""
import json
import os
import pathlib

import pytest

from autograder.exercises import PREAMBLE, BY_NAME
from support.slow import mark_slow_items

# Real JupyterLab and Chromium fixtures, and the classes graded once per session (graded_demo,
# graded_class30, reported_class30: tests/support/graded.py), defined once for every test module.
# support.xdist_groups also writes each test's group where loadgroup reads it (its docstring says why).
pytest_plugins = ["browser_fixtures", "support.graded", "support.xdist_groups"]


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from this run's grading instead of comparing with it "
                          "(only for an intended change of results; say so in the commit)")


@pytest.hookimpl(tryfirst=True)     # before pytest-xdist's, which reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """`make test-fast` runs `-m "not slow"`: what is slow is said in tests/support/slow.py. Under
    pytest-xdist, tests sharing a module or session fixture stay on one worker (tests/support/xdist_groups.py)."""
    from support.xdist_groups import add_xdist_groups   # here: pytest_plugins imports it first, rewritten
    mark_slow_items(items)
    add_xdist_groups(items)


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


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory):
    """The bytes of an empty gradebook, as nbgrader makes one, made once per session: nbgrader
    runs ``alembic heads`` (a subprocess, about a CPU-second) for each new gradebook."""
    from autograder.core.gradebook import open_gradebook
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with open_gradebook(f"sqlite:///{path}"):
        pass
    return path.read_bytes()


@pytest.fixture
def fresh_gradebook(empty_gradebook, tmp_path):
    """The ``sqlite:///`` URL of a new, empty gradebook: ``tmp_path/gradebook.db``."""
    path = tmp_path / "gradebook.db"
    path.write_bytes(empty_gradebook)
    return f"sqlite:///{path}"


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


def pytest_sessionfinish(session):
    """Under pytest-xdist a worker hands its summary lines to the controller, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["kit_summary"] = list(_SUMMARY_LINES)


@pytest.hookimpl(optionalhook=True)     # a pytest-xdist hook: only called when it is installed
def pytest_testnodedown(node, error):
    _SUMMARY_LINES.extend(getattr(node, "workeroutput", {}).get("kit_summary", []))


def pytest_terminal_summary(terminalreporter):
    if _SUMMARY_LINES:
        terminalreporter.section("kit summary")
        for line in _SUMMARY_LINES:
            terminalreporter.write_line(line)
