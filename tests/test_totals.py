"""One set of totals: every output of the kit gives the same required maximum and the same points.

A class of four is graded once through the real command line (``autograder grade``, ``report``,
``export --to csv|canvas``, a learner's self-study table) and through ``nbgrader autograde`` with
the kit's configuration. Some students do the optional work, some do not. For every student,
every output must agree with an independent reference computed here from grades.csv and the
issue's numbers: 25 required autograded points, 6 required written, 2 optional autograded and
1 optional written (``test_max_pool_conv_relu``, ``test_conv_relu_counts``, ``answer_ex3c``), so
the denominator everywhere is 31 and optional work is earned above it.
"""
import csv
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from autograder import totals
from autograder.results import Row, SubmissionResult
from conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))
from make_class import solution_code  # noqa: E402  (the instructor's answer, marker lines removed)

slow = pytest.mark.slow       # the tests on the graded class; the definition's own tests are fast

BIN = pathlib.Path(sys.executable).parent
ASSIGNMENT = "pooling"
# The reference, written out rather than derived from the code under test.
OPTIONAL = {("02_as_convolution", "test_max_pool_conv_relu"), ("02_as_convolution", "test_conv_relu_counts"),
            ("02_as_convolution", "answer_ex3c")}
REQUIRED_AUTO_MAX, REQUIRED_WRITTEN_MAX, OPTIONAL_AUTO_MAX, OPTIONAL_WRITTEN_MAX = 25.0, 6.0, 2.0, 1.0
POSSIBLE = REQUIRED_AUTO_MAX + REQUIRED_WRITTEN_MAX          # 31: what a student who skips the bonus can reach

# student -> notebook -> {function: "solution" | mutant file | None (the released stub)}, written answers
CLASS = {
    "full": {"01_basics": {"pool2d": "solution", "pool2d_padded": "solution"},
             "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_as_conv": "solution",
                                   "max_pool_conv_relu": "solution", "conv_relu_counts": "solution"},
             "04_min_softmax": {"min_pool2d": "solution", "softmax_pool2d": "solution"}},
    "required": {"01_basics": {"pool2d": "solution", "pool2d_padded": "solution"},
                 "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_as_conv": "solution"}},
    "half": {"01_basics": {"pool2d": "solution", "pool2d_padded": "zero_pad_max.py"},
             "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_conv_relu": "solution",
                                   "conv_relu_counts": "forgets_output_layer.py"}},
    "blank": {"02_as_convolution": {}},
}
WRITTEN = {"full": {"answer_ex3c", "answer_ex4", "answer_ex5", "answer_ex6"}, "half": {"answer_ex3c"}}
# A submission's own metadata never says what counts: "half" marks a required test optional and
# worth 100, and unmarks an optional one, giving it nbgrader points. Both paths must ignore it.
FORGED = {"half": {"test_pool2d": {"optional": {"points": 100}, "nbgrader_points": 100},
                   "test_max_pool_conv_relu": {"optional": None, "nbgrader_points": 5}}}


def _env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in e.get("PYTHONPATH", "").split(os.pathsep) if p])
    e["PATH"] = str(BIN) + os.pathsep + e.get("PATH", "")          # nbgrader runs `alembic` by name
    e.pop("AUTOGRADER_COURSE_DIR", None)
    return e


def _run(*args, cwd=None, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def _cli(*args, cwd=None):
    return _run(sys.executable, "-c", "import sys; from autograder.cli import main; sys.exit(main())", *args,
                cwd=cwd)


def _read_nb(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def _student_notebook(notebook, answers, written, forged):
    nb = _read_nb(ROOT / "release" / ASSIGNMENT / f"{notebook}.ipynb")
    source = _read_nb(ROOT / "source" / ASSIGNMENT / f"{notebook}.ipynb")
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid in forged:
            cell["metadata"].pop("optional", None)
            if forged[gid]["optional"] is not None:
                cell["metadata"]["optional"] = forged[gid]["optional"]
            cell["metadata"]["nbgrader"]["points"] = forged[gid]["nbgrader_points"]
        if gid.startswith("answer_") and gid[len("answer_"):] in answers:
            kind = answers[gid[len("answer_"):]]
            code = (solution_code(source, gid[len("answer_"):]) if kind == "solution" else
                    (ROOT / "tests" / "mutants" / gid[len("answer_"):] / kind).read_text(encoding="utf-8"))
            cell["source"] = code
        elif gid in written:
            cell["source"] = "窗口内的最大值保留，平均值丢失。/ The window's maximum is kept, its mean is lost.\n"
    return nb


def _make_class(subs):
    for student, notebooks in CLASS.items():
        folder = subs / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for notebook, answers in notebooks.items():
            nb = _student_notebook(notebook, answers, WRITTEN.get(student, set()), FORGED.get(student, {}))
            (folder / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Graded:
    """Everything the class's grading wrote, read once."""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("totals")
    subs, out = base / "submitted", base / "out"
    _make_class(subs)
    g = Graded()
    g.subs, g.out = subs, out
    _cli("grade", subs, "--out", out, "--quiet", "--force")
    _cli("report", out, "--no-integrity")
    _cli("export", out, "--to", "csv", cwd=base)
    _cli("export", out, "--to", "canvas", "--assignment-name", "Pooling", cwd=base)
    g.grades = [Row.from_csv(r) for r in _csv(out / "grades.csv")]
    g.run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # The reference: grades.csv's points, split by the issue's optional cells.
    g.ref = {}
    for s in CLASS:
        mine = [r for r in g.grades if r.student_id == s]
        g.ref[s] = {"auto": round(sum(r.points for r in mine if (r.notebook, r.grade_id) not in OPTIONAL), 4),
                    "optional": round(sum(r.points for r in mine if (r.notebook, r.grade_id) in OPTIONAL), 4)}
    g.course = _nbgrader_course(base, subs)
    return g


def _nbgrader_course(base, subs):
    """A copy of the course directory with its own gradebook: generate_assignment, then autograde."""
    course = base / "course"
    course.mkdir()
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copytree(ROOT / "release", course / "release")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbgrader = BIN / "nbgrader"
    _run(nbgrader, "generate_assignment", ASSIGNMENT, "--force", cwd=course)
    shutil.copytree(subs, course / "submitted")
    _run(nbgrader, "autograde", ASSIGNMENT, cwd=course, timeout=1800)
    return course


# ------------------------------------------------------------------ the class is what it should be

@slow
def test_the_class_has_students_with_and_without_optional_work(graded):
    assert graded.ref["full"]["optional"] == OPTIONAL_AUTO_MAX          # both bonus functions right
    assert graded.ref["required"]["optional"] == 0                       # skipped
    assert 0 < graded.ref["half"]["optional"] < OPTIONAL_AUTO_MAX        # one of the two
    assert graded.ref["blank"] == {"auto": 0, "optional": 0}
    assert graded.ref["required"]["auto"] == 10                         # 01_basics and two 02 functions
    # the forged metadata changed nothing: the maxima are the source's
    half = {r.grade_id: r.max_points for r in graded.grades if r.student_id == "half"}
    assert (half["test_pool2d"], half["test_max_pool_conv_relu"]) == (2.0, 1.0)
    assert 1.0 <= graded.ref["half"]["optional"] < 2.0                  # max_pool_conv_relu: still the bonus


# ------------------------------------------------------------------ every output agrees

@slow
def test_report_students_csv(graded):
    rows = {r["student_id"]: r for r in _csv(graded.out / "report_students.csv")}
    assert set(rows) == set(CLASS)
    for s, ref in graded.ref.items():
        r = rows[s]
        assert (float(r["total"]), float(r["max"]), float(r["bonus"])) == (ref["auto"], REQUIRED_AUTO_MAX,
                                                                          ref["optional"]), s


@slow
def test_export_csv(graded):
    rows = {r["student_id"]: r for r in _csv(graded.out / "scores.csv")}
    for s, ref in graded.ref.items():
        r = rows[s]
        assert float(r["autograded"]) == ref["auto"] and float(r["autograded_max"]) == REQUIRED_AUTO_MAX, s
        assert float(r["manual_max"]) == REQUIRED_WRITTEN_MAX
        assert float(r["optional"]) == ref["optional"]
        assert float(r["optional_max"]) == OPTIONAL_AUTO_MAX + OPTIONAL_WRITTEN_MAX
        assert float(r["total"]) == pytest.approx(ref["auto"] + ref["optional"])
        assert float(r["max_total"]) == POSSIBLE                    # the bonus never enlarges it


@slow
def test_export_canvas(graded):
    with open(graded.out / "canvas.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == POSSIBLE
    by_login = {r[3]: float(r[5]) for r in rows[2:]}
    for s, ref in graded.ref.items():
        assert by_login[s] == pytest.approx(ref["auto"] + ref["optional"]), s
    # optional work is points above Points Possible: a perfect required score plus the bonus exceeds it
    assert graded.ref["full"]["auto"] + graded.ref["full"]["optional"] > graded.ref["full"]["auto"]


@slow
def test_results_json(graded):
    for s, ref in graded.ref.items():
        res = json.loads((graded.out / graded.run["students"][s] / "results.json").read_text(encoding="utf-8"))
        assert sum(t["max_score"] for t in res["tests"]) == REQUIRED_AUTO_MAX, s
        assert res["score"] == pytest.approx(ref["auto"] + ref["optional"]), s
        for t in res["tests"]:
            notebook, gid = t["name"].split(": ", 1)
            if (notebook, gid) in OPTIONAL:
                assert t["max_score"] == 0 and t["score"] >= 0


_AUTOGRADED = re.compile(r"autograded(?:</span>)?: <b>([\d.]+) / ([\d.]+)</b>")     # English in <span lang="en">
_BONUS = re.compile(r"optional bonus(?:</span>)?: <b>([\d.]+) / ([\d.]+)</b>")


@slow
def test_feedback_pages_total_lines(graded):
    for s, ref in graded.ref.items():
        folder = graded.out / graded.run["students"][s]
        got = maxed = bonus = bonus_max = 0.0
        pages = sorted(folder.glob("*.html"))
        assert len(pages) == 5, s                      # one per notebook, submitted or not
        for page in pages:
            text = page.read_text(encoding="utf-8")
            a, b = map(float, _AUTOGRADED.search(text).groups())
            got, maxed = got + a, maxed + b
            m = _BONUS.search(text)
            assert bool(m) == (page.stem == "02_as_convolution"), page
            if m:
                bonus, bonus_max = float(m[1]), float(m[2])
        assert (round(got, 4), maxed, bonus, bonus_max) == (ref["auto"], REQUIRED_AUTO_MAX, ref["optional"],
                                                            OPTIONAL_AUTO_MAX), s


@slow
def test_self_study_table(graded):
    """The self-study table (``autograder grade <a learner's notebooks>``; test_selfstudy.py runs it
    for real) of a learner's two notebooks: required total out of their required points, bonus apart."""
    from autograder.cli import _print_table
    half = [r for r in graded.grades if r.student_id == "half" and r.notebook in CLASS["half"]]
    text = io.StringIO()
    _print_table([SubmissionResult("half", half)], text)
    want = round(sum(r.points for r in half if (r.notebook, r.grade_id) not in OPTIONAL), 4)
    bonus = round(sum(r.points for r in half if (r.notebook, r.grade_id) in OPTIONAL), 4)
    total = re.search(r"合计 total\s+([\d.]+) / ([\d.]+)", text.getvalue())
    extra = re.search(r"附加题 bonus\s+([\d.]+) / ([\d.]+)", text.getvalue())
    assert (float(total[1]), float(total[2])) == (want, 10.0), text.getvalue()   # 01: 5, 02 required: 5
    assert (float(extra[1]), float(extra[2])) == (bonus, OPTIONAL_AUTO_MAX)


@slow
def test_nbgrader_gradebook(graded):
    """nbgrader's own maxima leave the optional cells out; their points are extra credit."""
    from nbgrader.api import Gradebook
    kit = {(r.student_id, r.notebook, r.grade_id): r.points for r in graded.grades}
    with Gradebook(f"sqlite:///{graded.course / 'gradebook.db'}") as gb:
        assert gb.find_assignment(ASSIGNMENT).max_score == POSSIBLE
        for s, ref in graded.ref.items():
            sub = gb.find_submission(ASSIGNMENT, s)
            assert sub.max_score == POSSIBLE
            assert sub.score == pytest.approx(ref["auto"] + ref["optional"]), s      # no person has graded yet
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell.cell_type != "code":
                        continue
                    if (nb.name, g.name) in OPTIONAL:
                        assert (g.max_score, g.auto_score) == (0, 0), (s, g.name)
                        assert g.extra_credit == kit[s, nb.name, g.name], (s, g.name)
                    else:
                        assert g.auto_score == kit[s, nb.name, g.name] and not g.extra_credit, (s, g.name)


@slow
def test_export_with_the_gradebook_counts_optional_points_once(graded, tmp_path):
    """A person grades two written answers: the export's total is nbgrader's own score."""
    from nbgrader.api import Gradebook
    db = tmp_path / "gradebook.db"
    shutil.copy(graded.course / "gradebook.db", db)
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.find_grade("answer_ex4", "04_min_softmax", ASSIGNMENT, "full").manual_score = 1.5
        ex3c = gb.find_grade("answer_ex3c", "02_as_convolution", ASSIGNMENT, "full")    # the optional one:
        ex3c.manual_score, ex3c.extra_credit = 0.0, 1.0          # worth 0, its point as extra credit
        gb.db.commit()
        nbgrader_score = {s: gb.find_submission(ASSIGNMENT, s).score for s in CLASS}
    out = tmp_path / "scores.csv"
    _cli("export", graded.out, "--to", "csv", "--gradebook", db, "--out", out, cwd=tmp_path)
    rows = {r["student_id"]: r for r in _csv(out)}
    full = rows["full"]
    assert float(full["manual"]) == 1.5 and float(full["optional"]) == graded.ref["full"]["optional"] + 1.0
    assert float(full["adjustment"]) == 0 and float(full["extra_credit"]) == 0
    assert float(full["max_total"]) == POSSIBLE
    for s in CLASS:
        assert float(rows[s]["total"]) == pytest.approx(nbgrader_score[s]), s


# ------------------------------------------------------------------ the definition itself (fast)

def test_optional_cells_are_worth_nothing_to_nbgrader():
    """Every optional grade cell of source/ has nbgrader points 0 (so nbgrader's maxima leave it
    out) and its points in the kit's metadata; the scheme reads the issue's numbers."""
    scheme = totals.scheme(ROOT)
    for path in sorted((ROOT / "source" / ASSIGNMENT).glob("*.ipynb")):
        for cell in _read_nb(path)["cells"]:
            meta = cell.get("metadata", {})
            if meta.get("nbgrader", {}).get("grade") and totals.is_optional_cell(cell):
                assert meta["nbgrader"]["points"] == 0 and meta["optional"]["points"] > 0
    assert {(c.notebook, c.grade_id) for c in scheme.cells if c.optional} == OPTIONAL
    m = scheme.maxima
    assert (m.auto_max, m.written_max, m.optional_auto_max, m.optional_written_max) == (
        REQUIRED_AUTO_MAX, REQUIRED_WRITTEN_MAX, OPTIONAL_AUTO_MAX, OPTIONAL_WRITTEN_MAX)
    assert m.possible == POSSIBLE


def test_totals_of_rows():
    scheme = totals.Scheme((
        totals.GradeCell("a", "test_x", 2.0), totals.GradeCell("a", "test_bonus", 1.0, optional=True),
        totals.GradeCell("a", "answer_w", 3.0, written=True),
        totals.GradeCell("a", "answer_v", 1.0, written=True, optional=True),
        totals.GradeCell("b", "test_y", 0.3)))
    rows = [Row("s", ASSIGNMENT, "a", "test_x", 0.1, 2.0), Row("s", ASSIGNMENT, "a", "test_bonus", 1.0, 1.0),
            Row("s", ASSIGNMENT, "b", "test_y", 0.2, 0.3), Row("s", ASSIGNMENT, "c", "test_z", 1.0, 4.0)]
    t = scheme.totals(rows, {("a", "answer_w"): 2.5, ("a", "answer_v"): 1.0, ("a", "test_x"): 9.0})
    assert (t.auto, t.auto_max) == (1.3, 6.3)            # 0.1 + 0.2 + 1.0 (an unknown cell counts as required)
    assert (t.written, t.written_max, t.optional_auto, t.optional_written) == (2.5, 3.0, 1.0, 1.0)
    assert (t.possible, t.earned, t.optional_max) == (9.3, 5.8, 2.0)
    one = scheme.only(["a"]).totals(rows)                # a page of one notebook: its cells only
    assert (one.auto, one.auto_max, one.optional_auto) == (0.1, 2.0, 1.0)
    assert scheme.totals(()).earned == 0 and scheme.maxima.possible == 5.3


def test_totals_is_light():
    """The definition needs neither torch nor nbgrader (export and the parser use it)."""
    code = ("import sys; from autograder import totals; totals.scheme();"
            "print(sorted(m for m in ('torch', 'nbgrader', 'numpy') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
