"""The kit as a normal user: the same jail, the same points, and the same tests as root.

CI runs as root, and root hides what a normal user meets (a self-learner on a
laptop, a JupyterHub user, a TA): no uid to drop to, user namespaces instead of
privileges, files only root can read. So, when the suite runs as root, this
module drops to a throwaway uid (``setpriv``) and

- grades the bundled submissions as that uid and as root, and asserts the rows and the files agree;
- re-runs, as that uid, the tests whose outcome depends on who runs them (NONROOT_TESTS says which
  and why), with namespaces and with the documented fallback without them.

Run by a normal user, the whole suite already is the normal-user run, and
this module skips.
"""
import csv
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from support.slow import slow_fixture

from conftest import ROOT

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="already a normal user: the whole suite is the non-root run"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is needed to drop to a uid"),
]

UID = 54321                     # a throwaway account: no passwd entry, no groups, no home but ours
VENV_PY = pathlib.Path(sys.executable)
EXAMPLES = ROOT / "examples" / "submitted"


def _as_user(cmd, home, cwd=None, env=None, timeout=1800):
    """Run `cmd` as UID with nothing of root's: no groups, no capabilities, a home of its own."""
    base = {k: v for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS") or k.startswith("PIP_")}
    base.update(HOME=str(home), TMPDIR=str(home / "tmp"), PYTHONDONTWRITEBYTECODE="1",
                MPLCONFIGDIR=str(home / "mpl"), **(env or {}))
    full = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--inh-caps=-all",
            "--reset-env", "env", *[f"{k}={v}" for k, v in base.items()], *map(str, cmd)]
    return subprocess.run(full, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def home():
    """A home directory owned by the throwaway uid (and a TMPDIR inside it)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="autograder-nonroot-"))
    os.chmod(d, 0o755)
    for sub in ("tmp", "mpl"):
        (d / sub).mkdir()
    for p in [d, *d.iterdir()]:
        os.chown(p, UID, UID)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@slow_fixture(scope="module")
def kit(home):
    """(python, repo) that the throwaway uid can read: this checkout, or a copy when a parent
    directory (e.g. /root) is closed to other users."""
    probe = _as_user([VENV_PY, "-c", "import torch, autograder"], home, cwd=home,
                     env={"PYTHONPATH": str(ROOT)})
    if probe.returncode == 0:
        return VENV_PY, ROOT
    copy = home / "kit"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    subprocess.run(["chmod", "-R", "a+rX", str(copy)], check=True)
    py = copy / VENV_PY.relative_to(ROOT) if VENV_PY.is_relative_to(ROOT) else VENV_PY
    probe = _as_user([py, "-c", "import torch, autograder"], home, cwd=home, env={"PYTHONPATH": str(copy)})
    assert probe.returncode == 0, f"the throwaway user cannot run the kit's Python: {probe.stderr[-2000:]}"
    return py, copy


def _rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"], r["grade_id"]): (r["points"], r["status"], r["message"])
                for r in csv.DictReader(f)}


def _max_points(out):
    """student -> the autograded points there are to earn (grades.csv's max_points)."""
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        totals = {}
        for r in csv.DictReader(f):
            totals[r["student_id"]] = totals.get(r["student_id"], 0.0) + float(r["max_points"])
    return totals


def _written(out):
    """The files a grading run wrote (relative paths; the cache's entries are named by content digests)."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts)


def _grade(runner, py, repo, subs, out, home):
    cmd = [py, "-m", "autograder.cli.commands", "grade", subs, "--out", out, "--workers", "2", "--force", "--quiet"]
    env = {"PYTHONPATH": str(repo)}
    return runner(cmd, home, cwd=home, env=env)


def test_normal_user_grades_like_root(kit, home, graded_demo):
    """The bundled class, as root and as a normal user: the same row for every cell, no grader error,
    full marks for the two complete solutions. Root's run is the session's (tests/support/graded.py)."""
    py, repo = kit
    subs = home / "submitted"
    shutil.copytree(EXAMPLES, subs)
    subprocess.run(["chmod", "-R", "a+rX", str(subs)], check=True)
    u = _grade(_as_user, py, repo, subs, home / "tmp" / "out-user", home)
    assert u.returncode == 0, u.stderr[-3000:]
    root_rows, user_rows = _rows(graded_demo.out), _rows(home / "tmp" / "out-user")
    assert root_rows == user_rows
    # the same files, as test_cli's class checks them for root: feedback pages, results.json, manual.csv...
    assert _written(home / "tmp" / "out-user") == _written(graded_demo.out)
    assert not [k for k, v in user_rows.items() if "grader error" in v[2] or "sandbox" in v[2]]
    full = _max_points(home / "tmp" / "out-user")
    for student in ("alice", "bob"):                       # the two complete solutions: full marks for both users
        got = sum(float(p) for (sid, _, _), (p, _, _) in user_rows.items() if sid == student)
        assert got == full[student], (student, got, full[student])


def test_normal_user_self_study_full_marks(kit, home):
    """A learner grades the instructor's own notebook on their machine, where they can write only
    their home: full marks for every function, no root, and nothing written beside the notebook."""
    py, repo = kit
    mine = home / "tmp" / "selfstudy"
    mine.mkdir()
    nb = mine / "02_as_convolution.ipynb"
    shutil.copy(EXAMPLES / "alice" / "pooling" / "02_as_convolution.ipynb", nb)
    for p in (mine, nb):
        os.chown(p, UID, UID)
    r = _as_user([py, "-m", "autograder.cli.commands", "grade", nb], home, cwd=home, env={"PYTHONPATH": str(repo)})
    assert r.returncode == 0, r.stderr[-3000:]
    total = re.search(r"合计 total\s+([\d.]+) / ([\d.]+)", r.stdout)
    assert total and float(total[1]) == float(total[2]) > 0, r.stdout[-2000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("02_as_convolution")]
    assert len(rows) == 4 and all(" passed " in line for line in rows), r.stdout[-2000:]  # 2 required, 2 bonus
    # each function's full points and the required total, from the records (as root's test_selfstudy)
    from test_selfstudy import assert_full_marks_table
    assert_full_marks_table(r.stdout, "02_as_convolution", r.stderr)
    assert "grader error" not in r.stdout
    # self-study grading writes nothing into the learner's folder (a folder the learner owns)
    assert sorted(p.name for p in mine.iterdir()) == [nb.name]


# The tests whose outcome depends on the uid, run again as the throwaway uid:
# - test_sandbox.py, whole: the jail itself. Root drops to a uid inside namespaces it may create;
#   a normal user gets user namespaces (or the Landlock/seccomp fallback) and no uid to drop to, so
#   every limit, boundary and clean-up is a different code path.
# - test_hostile.py, whole: what the hostile corpus can reach (network, files outside the jail, the
#   submissions, processes left running) is decided by that jail.
# - test_cli.py::test_unwritable_out_is_refused: refusing an output folder the user cannot write into.
# A learner's own notebook, graded where the learner can write only their home (full points for each
# function, nothing written beside the notebook), is test_normal_user_self_study_full_marks above: it
# asserts what test_selfstudy.py::test_selfstudy_grade_full_points asserts for root, so that test is
# not run a second time here (one `autograder grade` and a module's collection less).
# The rest of test_selfstudy.py and test_cli.py is uid-independent and runs as root only: argument
# parsing and help, timeouts, late penalties, the cache (a file in the output folder), feedback text,
# misconception messages and `course.check` (plain Python in the learner's own process) compute the
# same whoever runs them; class grading and self-study grading by a normal user are checked against
# root's above (test_normal_user_grades_like_root, test_normal_user_self_study_full_marks).
NONROOT_TESTS = ["tests/test_sandbox.py", "tests/test_hostile.py", "tests/test_cli.py::test_unwritable_out_is_refused"]


@pytest.mark.slow
def test_kit_tests_pass_as_a_normal_user(kit, home):
    """The uid-dependent tests (NONROOT_TESTS: sandbox with namespaces and the fallback, hostile corpus,
    an unwritable output folder), as a normal user."""
    py, repo = kit
    # (a test id that no longer exists makes pytest exit 4: the list cannot go stale unseen)
    cmd = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-m", "not browser",
           *[f"{repo}/{t}" for t in NONROOT_TESTS]]
    r = _as_user(cmd, home, cwd=repo, env={"PYTHONPATH": str(repo)}, timeout=3000)
    tail = (r.stdout + r.stderr)[-4000:]
    assert r.returncode == 0, tail
    assert " passed" in r.stdout and " failed" not in r.stdout, tail


def test_system_packages_check_passes_for_a_normal_user(home):
    """`make test` installed the packages first; a normal user who has them never needs root.

    Several runs: the old check lost a race (grep -q closing the pipe early) most of the time."""
    for purpose in ["all"] * 5 + ["demo"]:
        r = _as_user(["bash", ROOT / "scripts" / "install_system_packages.sh", purpose], home, cwd=home)
        assert r.returncode == 0, r.stderr
        assert "run as root" not in r.stderr


def test_normal_user_where_namespaces_are_refused(kit, home, graded_demo):
    """A laptop or container that refuses namespaces: one loud warning, and still the right points."""
    py, repo = kit
    subs = home / "tmp" / "fallback-class"
    for student in ("alice", "carol"):
        shutil.copytree(EXAMPLES / student, subs / student)
    subprocess.run(["chown", "-R", f"{UID}:{UID}", str(subs)], check=True)
    out = home / "tmp" / "out-fallback"
    # --allow-weak-sandbox: where nothing else (Landlock) confines the child, the kit refuses without it
    cmd = [py, repo / "tests" / "support" / "refuse_namespaces.py", py, "-m", "autograder.cli.commands", "grade", subs,
           "--out", out, "--workers", "2", "--quiet", "--allow-weak-sandbox"]
    r = _as_user(cmd, home, cwd=home, env={"PYTHONPATH": str(repo)})
    assert r.returncode == 0, r.stderr[-3000:]
    warnings = [line for line in r.stderr.splitlines() if "WARNING: sandbox" in line]
    assert len(warnings) == 1 and "namespaces" in warnings[0], r.stderr[-3000:]
    # the reference: the same students in the session's grading of the bundled class with every layer
    reference = {k: v for k, v in _rows(graded_demo.out).items() if k[0] in ("alice", "carol")}
    assert reference and _rows(out) == reference
    assert sum(float(p) for (sid, _, _), (p, _, _) in _rows(out).items() if sid == "alice") == \
        _max_points(out)["alice"]
