"""Classes graded once per test session, shared by every module that only reads what grading wrote.

Grading a class is the suite's main cost (an ``autograder grade`` starts interpreters, imports
torch and forks a jailed child per notebook), so a class that several modules need is graded
here, once, and each module reads the same outputs. Use them by naming the fixture:

``graded_demo``
    ``examples/submitted`` graded by ``autograder grade SUBS --out OUT --force`` (exactly
    ``support.golden.grade``): the golden copy ``demo`` and every test that wants "the bundled
    class, graded by root with the default options" as its reference.
``graded_class30``
    ``examples/make_class.make_class(30, seed=0)`` graded the same way: the golden copy
    ``class30``; ``.composition`` is what make_class says each student wrote.
``reported_class30``
    A copy of ``graded_class30``'s output on which ``autograder report`` ran (report.html,
    report_*.csv, integrity.csv): for tests of the class report.
``graded_totals_class``
    tests/support/totals_class.py's class of four (optional work done or not, forged metadata):
    ``grade``, ``report --no-integrity``, ``export --to csv|canvas`` in ``.out``, and an nbgrader
    course that autograded the same submissions in ``.course`` (gradebook.db).

Each is a :class:`GradedRun`. Its folders are shared: **never write into them** (copy what you
need to change, e.g. ``shutil.copytree(run.out, tmp_path / "out")``). They are made read-only
(which stops everyone but root), and at the end of the session the plugin checks that no byte
changed (which stops root too): a test that wrote there fails the run with the files it changed.

Add a class here (not in a module) when a second module needs it graded the same way.
"""
from __future__ import annotations

import csv
import dataclasses
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
from typing import Any, Callable

from support import golden
from support.slow import slow_fixture

ROOT = golden.ROOT
BIN = pathlib.Path(sys.executable).parent


@dataclasses.dataclass(frozen=True)
class GradedRun:
    """One grading run: the submissions it read, the folder it wrote, and that folder read back."""
    submissions: pathlib.Path
    out: pathlib.Path
    composition: dict | None = None     # make_class's record of what each student wrote
    course: pathlib.Path | None = None  # an nbgrader course directory that graded the same submissions

    def snapshot(self) -> dict:
        """grades.csv, manual.csv and every results.json, timings blanked (support.golden.snapshot)."""
        return golden.snapshot(self.out)

    def grades(self) -> list[dict[str, str]]:
        """grades.csv's rows, as csv.DictReader reads them."""
        with open(self.out / "grades.csv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def run_json(self) -> dict:
        return json.loads((self.out / "run.json").read_text(encoding="utf-8"))


def tree_digest(path: pathlib.Path) -> dict[str, str]:
    """{relative path: sha256} of every file below `path`."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pathlib.Path(path).rglob("*")) if p.is_file()}


def _read_only(path: pathlib.Path) -> None:
    for p in [path, *path.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(path: pathlib.Path) -> None:
    """Back to writable, so that pytest can remove its temporary folders."""
    for p in [path, *path.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


def _shared(tmp_path_factory, name: str, make: Callable[[pathlib.Path], GradedRun]):
    """Make a run once, freeze its folders, hand it out, and check at the end that nobody wrote there.

    Once per run even under pytest-xdist: the workers share the folder above their own temporary
    folders, and the first to take the lock grades while the others wait, then read its record."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    base, record = root / f"shared-{name}", root / f"shared-{name}.json"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)           # released when the file closes, even on an error
        if record.exists():
            saved = json.loads(record.read_text(encoding="utf-8"))
            run = GradedRun(**{k: (pathlib.Path(v) if k != "composition" and v is not None else v)
                               for k, v in saved["run"].items()})
            before = saved["digests"]
        else:
            if base.exists():                      # a run that failed half-way: start again
                _writable(base)
                shutil.rmtree(base)
            base.mkdir()
            run = make(base)
            frozen = [p for p in (run.out, run.submissions, run.course) if p is not None and p.is_relative_to(base)]
            before = {str(p): tree_digest(p) for p in frozen}
            for p in frozen:
                _read_only(p)
            fields = {k: (str(v) if isinstance(v, pathlib.Path) else v) for k, v in dataclasses.asdict(run).items()}
            record.write_text(json.dumps({"run": fields, "digests": before}), encoding="utf-8")
    yield run
    changed = {}
    for folder, digests in before.items():
        _writable(pathlib.Path(folder))
        now = tree_digest(pathlib.Path(folder))
        if now != digests:
            changed[folder] = sorted(k for k in set(digests) | set(now) if digests.get(k) != now.get(k))
    assert not changed, f"a test wrote into the shared graded class {name!r} (copy it first): {changed}"


def run_cli(*args: Any, cwd: pathlib.Path | None = None, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``autograder ARGS`` from the venv this session runs in; it must succeed."""
    proc = subprocess.run([str(BIN / "autograder"), *map(str, args)], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


@slow_fixture(scope="session")
def graded_demo(tmp_path_factory):
    """examples/submitted, graded once (see the module's docstring)."""
    def make(base):
        subs = golden.CASES["demo"](base)
        golden.grade(subs, base / "out")
        return GradedRun(subs, base / "out")
    yield from _shared(tmp_path_factory, "graded_demo", make)


@slow_fixture(scope="session")
def graded_class30(tmp_path_factory):
    """make_class(30, seed=0), graded once (see the module's docstring)."""
    def make(base):
        subs = golden.CASES["class30"](base)
        comp = json.loads((subs / "composition.json").read_text(encoding="utf-8"))
        golden.grade(subs, base / "out")
        return GradedRun(subs, base / "out", comp)
    yield from _shared(tmp_path_factory, "graded_class30", make)


@slow_fixture(scope="session")
def reported_class30(graded_class30, tmp_path_factory):
    """graded_class30's output copied, then ``autograder report`` on the copy."""
    def make(base):
        out = base / "out"
        shutil.copytree(graded_class30.out, out)
        _writable(out)
        run_cli("report", out)
        return GradedRun(graded_class30.submissions, out, graded_class30.composition)
    yield from _shared(tmp_path_factory, "reported_class30", make)


@slow_fixture(scope="session")
def graded_totals_class(tmp_path_factory):
    """tests/support/totals_class.py's class of four: CLI grade, report, exports, and nbgrader autograde."""
    from support import totals_class

    def make(base):
        subs, out, course = totals_class.build(base)
        return GradedRun(subs, out, course=course)
    yield from _shared(tmp_path_factory, "graded_totals_class", make)


# The names every test module sees (conftest.py loads this plugin).
__all__ = ["GradedRun", "graded_demo", "graded_class30", "reported_class30", "graded_totals_class", "tree_digest",
           "run_cli"]
