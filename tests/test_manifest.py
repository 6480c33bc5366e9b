"""One exercise, one place: the torch-free manifest, the generated tables, and a 13th exercise.

* the manifest (autograder/core/manifest.py) says what the records say, without torch, and the
  light commands (``autograder --help``, ``export``, the source tests, the results writer) run
  without ever loading torch;
* the README's and docs/contract.md's tables are the records' (autograder.grading.tables);
* a throwaway 13th exercise, added to a copy of the kit as its record, its notebook and a wrong
  implementation (its "mutant") only, followed by the regeneration steps ``make regen`` runs, is
  graded by the real ``autograder grade`` (sandbox included): its points are the record's and the
  wrong implementation is diagnosed with the record's own mistake model and message.
"""
import csv
import inspect
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

from autograder.core import manifest
from autograder.exercises import EXERCISES
from autograder.grading import tables
from support.slow import slow_fixture

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def _env(pythonpath, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUTOGRADER_COURSE_DIR")}
    env.update(PYTHONPATH=str(pythonpath), **extra)
    return env


# ----------------------------------------------------------------- the manifest

def test_manifest_is_the_records():
    """Same functions, same order, same fields: the manifest is read from the records' source."""
    assert [e.name for e in manifest.ENTRIES] == [e.name for e in EXERCISES]
    for entry, record in zip(manifest.ENTRIES, EXERCISES):
        assert {f: getattr(entry, f) for f in manifest.FIELDS} == {f: getattr(record, f) for f in manifest.FIELDS}
        assert (entry.grade_id, entry.answer_id) == (record.grade_id, record.answer_id)
    assert manifest.NOTEBOOKS == sorted({e.notebook for e in EXERCISES})
    # notebook order, and within a notebook the records' positions 1, 2, ...
    for nb in manifest.NOTEBOOKS:
        assert [e.position for e in manifest.functions_in(nb)] == list(range(1, len(manifest.functions_in(nb)) + 1))


def _record_source(name="f", notebook="09_x", position=1, points="2", extra=""):
    return textwrap.dedent(f'''\
        from autograder.exercises.record import Exercise
        EXERCISE = Exercise(
            name="{name}", notebook="{notebook}", position={position}, points={points}, forbid="none",{extra}
            reference=print, cases=list, groups={{}})
        ''')


def test_manifest_reads_records_without_running_them(tmp_path):
    (tmp_path / "f.py").write_text(_record_source(extra=" optional=True,") + "raise SystemExit('executed')\n")
    (tmp_path / "helpers.py").write_text("import torch\nEXERCISE = None\n")       # not a record
    [entry] = manifest.read_manifest(tmp_path, "pkg")
    assert entry == manifest.Entry("f", "09_x", 1, 2.0, True, "none", "pkg.f")


@pytest.mark.parametrize("source, error", [
    (_record_source(points="POINTS"), "points= must be a literal"),
    (_record_source(name="g"), "must be in g.py"),
    (_record_source().replace(" position=1,", ""), "does not state position"),
])
def test_manifest_refuses_what_it_cannot_read(tmp_path, source, error):
    (tmp_path / "f.py").write_text(source)
    with pytest.raises(manifest.ManifestError, match=error):
        manifest.read_manifest(tmp_path)


def test_manifest_refuses_two_records_in_one_place(tmp_path):
    (tmp_path / "f.py").write_text(_record_source())
    (tmp_path / "g.py").write_text(_record_source(name="g"))
    with pytest.raises(manifest.ManifestError, match="both claim position 1 of 09_x"):
        manifest.read_manifest(tmp_path)


LIGHT = textwrap.dedent("""\
    import contextlib, csv, io, pathlib, sys
    from autograder import cli
    from autograder.core import manifest
    from autograder.core.course_dir import default_course_dir
    from autograder.pipeline import source_tests
    from autograder.run import write as write_results
    from autograder.core.results import GRADES_COLUMNS
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for argv in (["--help"], ["export", "--help"]):
            try:
                cli.main(argv)
            except SystemExit as e:
                assert e.code == 0, (argv, e.code)
    assert "export" in out.getvalue()
    src = source_tests.SourceTests(default_course_dir())
    graded = [f for nb in src.notebooks() for f in src.functions(nb)]
    assert graded == list(manifest.NAMES), graded
    # `autograder export DIR --to csv` on a grades.csv with a row per graded function
    out_dir = pathlib.Path(sys.argv[1])
    rows = [dict.fromkeys(GRADES_COLUMNS, "") | {"student_id": "s1", "assignment": "pooling", "notebook": e.notebook,
            "grade_id": e.grade_id, "points": e.points, "max_points": e.points, "status": "passed", "seconds": 0}
            for e in manifest.ENTRIES]
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, GRADES_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    assert cli.main(["export", str(out_dir), "--to", "csv"]) == 0
    assert (out_dir / "scores.csv").is_file()
    # the class report and the integrity analysis read results, names and notebooks: no torch either
    import autograder.report.report, autograder.report.integrity.analyse  # noqa: E401,F401
    loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
    assert not loaded, loaded
""")


def test_light_commands_never_load_torch(tmp_path):
    """`autograder --help`, `autograder export`, the source tests and the report's modules, in a fresh
    interpreter: no torch."""
    proc = subprocess.run([sys.executable, "-c", LIGHT, str(tmp_path)], cwd=tmp_path, env=_env(ROOT),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------- generated tables

def test_readme_and_contract_tables_are_the_records():
    stale = [str(p) for p, text in tables.rendered().items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"run python -m autograder.grading.tables: {stale}"


def test_contract_table_has_each_record_with_its_signature():
    text = tables.contract_table()
    for e in EXERCISES:
        row = next(line for line in text.splitlines() if f"`{e.name}(" in line)
        assert f"`{e.name}{inspect.signature(e.reference)}` {e.contract[0]}" in row
        assert row.endswith(f"| {e.contract[1]} |")
        assert ("附加题 (optional)" in row) == e.optional


# ----------------------------------------------------------------- a 13th exercise

RECORD = '''\
"""sum_pool2d (06_sum_pool): a throwaway exercise of tests/test_manifest.py."""
import torch.nn.functional as F

from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair
from course.language import Text


def sum_pool2d(X, pool_size):
    """The sum of each ``p_h x p_w`` window, stride = window, no padding. X: ``(N, C, H, W)``."""
    kh, kw = pair(pool_size)
    return F.avg_pool2d(X, (kh, kw)) * (kh * kw)


def cases(g):
    def case(group, X, k):
        return Case(group, (X, k), scale=float(X.abs().max()))
    return [case("basic", g.distinct((1, 1, 4, 4)), 2), case("basic", g.distinct((2, 3, 6, 6)), 3),
            case("shapes", g.distinct((1, 2, 4, 6)), (2, 3)), case("shapes", g.distinct((2, 1, 6, 4)), (3, 2))]


def _mean(X, pool_size):
    kh, kw = pair(pool_size)
    return F.avg_pool2d(X, (kh, kw))


MESSAGES = {
    "sum_pool_as_mean": (
        "算成了平均值：和汇聚不除以窗口大小",
        "Computed the mean: sum pooling does not divide by the window size",
        Text("去掉除以 p_h·p_w 的那一步", "Drop the division by p_h·p_w")),
}


EXERCISE = Exercise(
    name="sum_pool2d", notebook="06_sum_pool", position=1, points=2, forbid="pooling",
    contract=("— the sum of each window", "`F.avg_pool2d` times the window size"),
    reference=sum_pool2d, cases=cases, groups={"basic": 2, "shapes": 1},
    messages=MESSAGES,
    mistakes=(Mistake("sum_pool_as_mean", _mean, catches=("basic",)),),
)
'''

SOLUTION = '''\
def sum_pool2d(X, pool_size):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    return X.unfold(2, kh, kh).unfold(3, kw, kw).sum((-1, -2))
'''
MUTANT = SOLUTION.replace(".sum((-1, -2))", ".mean((-1, -2))")   # the wrong implementation


def _cell(kind, source, **nbgrader):
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if nbgrader:
        cell["metadata"]["nbgrader"] = dict(schema_version=3, task=False, **nbgrader)
    return cell


def _notebook(answer):
    test = ("### BEGIN HIDDEN TESTS\nfrom autograder.hidden import grade\n### END HIDDEN TESTS\n"
            "from course import check\ncheck(sum_pool2d)\n"
            "### BEGIN HIDDEN TESTS\ngrade(sum_pool2d)\n### END HIDDEN TESTS")
    cells = [_cell("markdown", "# 和汇聚 / Sum pooling"),
             _cell("code", "import math\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F"),
             _cell("code", answer, grade=False, grade_id="answer_sum_pool2d", locked=False, solution=True),
             # the author writes no points here: make regen writes the record's
             _cell("code", test, grade=True, grade_id="test_sum_pool2d", locked=True, points=0, solution=False)]
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                                         "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


@slow_fixture(scope="module")
def thirteenth(tmp_path_factory):
    """A copy of the kit with sum_pool2d added (record, notebook, mutant), regenerated, then graded."""
    kit = tmp_path_factory.mktemp("kit13")
    ignore = shutil.ignore_patterns("__pycache__")
    for part in ("autograder", "course"):
        shutil.copytree(ROOT / part, kit / part, ignore=ignore)
    for part in ("source/pooling", "release/pooling"):
        (kit / part).mkdir(parents=True)
        for nb in (ROOT / part).glob("*.ipynb"):
            shutil.copy2(nb, kit / part / nb.name)
    # by hand: the record, the notebook, the mutant
    (kit / "autograder" / "exercises" / "sum_pool2d.py").write_text(RECORD, encoding="utf-8")
    source_nb = kit / "source" / "pooling" / "06_sum_pool.ipynb"
    source_nb.write_text(json.dumps(_notebook("### BEGIN SOLUTION\n" + SOLUTION + "### END SOLUTION\n")),
                         encoding="utf-8")
    subs = kit / "submitted"
    for student, code in (("alice", SOLUTION), ("bob", MUTANT)):
        (subs / student / "pooling").mkdir(parents=True)
        (subs / student / "pooling" / "06_sum_pool.ipynb").write_text(json.dumps(_notebook(code)), encoding="utf-8")
    # make regen's steps that grading reads (the wheel, release/, examples and goldens are the repo's)
    env = _env(kit)
    steps = [[sys.executable, "-m", "autograder.exercises.sync_notebooks"],
             [sys.executable, "-m", "autograder.grading.make_public_cases", "--only", "sum_pool2d"],
             [str(BIN / "autograder"), "grade", str(subs), "--out", str(kit / "out"), "--force"]]
    for cmd in steps:
        proc = subprocess.run(cmd, cwd=kit, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
    with open(kit / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {(r["student_id"], r["grade_id"]): r for r in csv.DictReader(f)}
    return kit, rows


def test_thirteenth_exercise_points_come_from_its_record(thirteenth):
    kit, rows = thirteenth
    nb = json.loads((kit / "source" / "pooling" / "06_sum_pool.ipynb").read_text(encoding="utf-8"))
    [test_cell] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_sum_pool2d"]
    assert test_cell["metadata"]["nbgrader"]["points"] == 2         # written by the sync step
    alice = rows["alice", "test_sum_pool2d"]
    assert (float(alice["points"]), float(alice["max_points"]), alice["status"]) == (2.0, 2.0, "passed")
    # the student package learned its parameters and its message from the record
    public = json.loads((kit / "course" / "public_cases.json").read_text(encoding="utf-8"))
    assert public["params"]["sum_pool2d"] == ["X", "pool_size"] and public["rules"]["sum_pool2d"] == "pooling"
    words = json.loads((kit / "course" / "exercise_messages.json").read_text(encoding="utf-8"))
    assert "sum_pool_as_mean" in words["misconceptions"]


def test_thirteenth_exercise_diagnoses_its_mutant(thirteenth):
    kit, rows = thirteenth
    bob = rows["bob", "test_sum_pool2d"]
    assert float(bob["points"]) < 2.0 and bob["status"] == "failed"
    assert bob["misconception"] == "sum_pool_as_mean"
    assert "basic" in bob["groups_failed"].split(";")
    feedback = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in (kit / "out").rglob("*") if p.is_file() and "bob" in str(p))
    assert "sum pooling does not divide by the window size" in feedback
    # the other notebooks were not submitted: their rows are there, worth 0 (nothing else changed)
    assert float(rows["bob", "test_pool2d"]["points"]) == 0.0
