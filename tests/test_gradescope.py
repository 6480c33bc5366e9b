"""``autograder gradescope-bundle OUT.zip``, and its ``run_autograder`` in an emulated ``/autograder`` tree.

The emulated tree is what Gradescope's container holds after ``setup.sh``:
``source/`` (the zip, unpacked), ``run_autograder`` (copied from it),
``venv/`` (a virtual environment with the bundle's two wheels; the pinned
packages come from the kit's own venv instead of being downloaded),
``submission/`` (what a student uploaded) and ``results/``.
``AUTOGRADER_GRADESCOPE_ROOT`` points ``run_autograder`` at it.

The graded run is an English-edition student's (issue #25): carol's code, in the English edition's
notebooks. It must earn what ``autograder grade`` gave the same code in the Chinese edition, and its
results.json must be English only (the bundle was built without ``--language``); the run with
nothing submitted is the default (Chinese) edition's, in Chinese with English beside it.
"""
import json
import os
import pathlib
import shutil
import site
import stat
import subprocess
import sys
import tempfile
import tomllib
import zipfile

import pytest

from autograder.exercises import EXERCISES as FUNCTIONS
from conftest import ROOT

AUTOGRADER = os.path.join(os.path.dirname(sys.executable), "autograder")
CAROL = ROOT / "examples" / "submitted" / "carol" / "pooling"
RELEASE_EN = ROOT / "release" / "pooling_en"


def _has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _in_english(nb_path):
    """Carol's notebook as an English-edition student would hand it in: the English release with
    her answer cells (code and written, matched by grade id) in place of the stubs."""
    mine = json.loads(nb_path.read_text(encoding="utf-8"))
    theirs = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in mine["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = json.loads((RELEASE_EN / nb_path.name).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution") and gid in theirs:
            cell["source"] = theirs.pop(gid)
    assert not theirs, theirs                             # every answer found its cell
    return json.dumps(nb, ensure_ascii=False)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    proc = subprocess.run([AUTOGRADER, "gradescope-bundle", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup, run = zf.read("setup.sh").decode(), zf.read("run_autograder").decode()
        reqs = zf.read("requirements.txt").decode().split()
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    wheels = sorted(n for n in names if n.startswith("wheels/"))
    assert [w.split("/")[1].split("-")[0] for w in wheels] == ["pooling_course", "pooling_course_autograder"]
    nbs = {f.notebook for f in FUNCTIONS}
    assert {f"course/source/pooling/{nb}.ipynb" for nb in nbs} <= names
    assert {f"course/release/pooling/{nb}.ipynb" for nb in nbs} <= names
    # the English edition too (#25): one Gradescope assignment grades either edition's notebooks
    assert {f"course/{d}/pooling_en/{nb}.ipynb" for d in ("source", "release") for nb in nbs} <= names
    assert not any(n.startswith(("tests/", "examples/", ".git")) for n in names)
    # setup.sh installs the instructor package's exact pins and the two wheels, by file
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert reqs == [d for d in deps if not d.startswith("pooling-course")]
    assert all("==" in r for r in reqs)
    assert "-r requirements.txt wheels/*.whl" in setup and "chmod -R go-rwx /autograder/source/course" in setup
    assert "import autograder, os; print(os.path.dirname(autograder.__file__))" in setup
    for script in (setup, run):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


def _emulate(bundle, tmp):
    """An /autograder tree as Gradescope's container has it after setup.sh."""
    root = pathlib.Path(tmp) / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    for name in ["run_autograder", "setup.sh"]:
        (root / "source" / name).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheels = sorted(str(p) for p in (root / "source" / "wheels").glob("*.whl"))
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                           "--quiet", "--no-deps", "--no-index", *wheels], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The pinned packages (torch, nbgrader, ...) from the kit's venv, after the bundle's own wheels.
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (pathlib.Path(purelib) / "zz_kit_pins.pth").write_text(
        f"import site; site.addsitedir({site.getsitepackages()[0]!r})\n")
    # setup.sh's permissions: the course (solutions) and the instructor package for root only
    (root / "source").chmod(0o700)
    package = pathlib.Path(purelib) / "autograder"
    assert package.is_dir()
    for p in [*(root / "source" / "course").rglob("*"), package, *package.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o077)
    return root


def _run(root):
    env = dict(os.environ, AUTOGRADER_GRADESCOPE_ROOT=str(root))
    env.pop("AUTOGRADER_COURSE_DIR", None)
    return subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, env=env, cwd=root,
                          timeout=600)


@pytest.fixture(scope="module")
def emulated(bundle):
    tmp = tempfile.mkdtemp(prefix="gradescope-")        # traversable: the jailed child runs as nobody
    os.chmod(tmp, 0o755)
    try:
        yield _emulate(bundle, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_run_autograder_grades_the_submission(emulated, graded_demo):
    root = emulated
    sub = root / "submission"
    for nb in sorted(CAROL.glob("*.ipynb")):
        if nb.stem == "05_gradients":
            continue                                     # not uploaded
        name = "01_basics (1).ipynb" if nb.stem == "01_basics" else nb.name   # a browser's renamed copy
        (sub / name).write_text(_in_english(nb), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "carol@example.edu"}]}))
    proc = _run(root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # the bundle's own packages and course folder were used, not the repository's
    assert f"({root / 'venv'}" in proc.stdout and f"course {root / 'source' / 'course'}" in proc.stdout
    res = json.loads((root / "results" / "results.json").read_text())
    assert set(res) >= {"score", "tests", "output"}
    assert len(res["tests"]) == len(FUNCTIONS)
    # the required maximum: an optional test is worth 0, its points are extra above it (autograder.core.totals)
    assert sum(t["max_score"] for t in res["tests"]) == sum(f.points for f in FUNCTIONS if not f.optional)
    points = {f"{f.notebook}: {f.grade_id}": (f.points, f.optional) for f in FUNCTIONS}
    for t in res["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        worth, optional = points[t["name"]]
        assert t["max_score"] == (0 if optional else worth) and 0 <= t["score"] <= worth
    gradients = [t for t in res["tests"] if t["name"].startswith("05_gradients")]
    assert gradients and all(t["score"] == 0 for t in gradients)
    assert "05_gradients.ipynb" in res["output"]
    # the same points as `autograder grade` on the same notebooks: carol's rows of the session's grading
    # of the bundled class (tests/support/graded.py), without the notebook she did not upload
    expected = sum(float(r["points"]) for r in graded_demo.grades()
                   if r["student_id"] == "carol" and r["notebook"] != "05_gradients")
    assert res["score"] == pytest.approx(expected) and expected > 0
    # the English edition's student reads English only: every test's output and the run's notes
    words = [res["output"]] + [t["output"] for t in res["tests"]]
    assert not any(_has_chinese(w) for w in words), [w for w in words if _has_chinese(w)][:2]
    assert "not submitted: 05_gradients.ipynb" in res["output"]
    failed = [t for t in res["tests"] if t["score"] < t["max_score"]]
    assert failed and all(t["output"] for t in failed)          # the feedback is there, in English


def test_run_autograder_with_nothing_submitted(emulated):
    root = emulated
    for p in (root / "submission").iterdir():
        p.unlink()
    (root / "submission" / "notes.txt").write_text("no notebook here")
    proc = _run(root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == 0 and len(res["tests"]) == len(FUNCTIONS)
    # no notebook: the default edition's words, Chinese with English beside it
    assert "未提交 / not submitted" in res["output"] and "书面回答另计 / written answers" in res["output"]


def test_bundle_refuses_a_bad_name(tmp_path):
    proc = subprocess.run([AUTOGRADER, "gradescope-bundle", str(tmp_path / "x.tar")], capture_output=True, text=True)
    assert proc.returncode == 2 and not (tmp_path / "x.tar").exists()
    assert stat.S_ISDIR(tmp_path.stat().st_mode)


def test_setup_check_reports_the_jail(emulated):
    """setup.sh's last step: the kit imports in the venv and names the jail layers this machine allows."""
    proc = subprocess.run([str(emulated / "venv" / "bin" / "python"), "-I", "-m", "autograder.adapters.gradescope", "check"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "autograder ready; jail layers {" in proc.stdout and "'seccomp'" in proc.stdout
