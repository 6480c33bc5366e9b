"""One set of totals: every output of the kit gives the same required maximum and the same points.

A class of four is graded once through the real command line (``autograder grade``, ``report``,
``export --to csv|canvas``, a learner's self-study table) and through ``nbgrader autograde`` with
the kit's configuration. Some students do the optional work, some do not. For every student,
every output must agree with an independent reference computed here from grades.csv and the
issue's numbers: 25 required autograded points, 6 required written, 2 optional autograded and
3 optional written (``test_max_pool_conv_relu``, ``test_conv_relu_counts``; ``answer_ex2``,
``answer_ex3a``, ``answer_ex3c``), so
the denominator everywhere is 31 and optional work is earned above it.
"""
import csv
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from autograder.core import totals
from autograder.core.results import Row, SubmissionResult
from conftest import ROOT

from support.totals_class import ASSIGNMENT, CLASS, _cli, _env, _read_nb  # noqa: F401  (the class's definition)

slow = pytest.mark.slow       # the tests on the graded class; the definition's own tests are fast

# The reference, written out rather than derived from the code under test.
OPTIONAL = {("02_as_convolution", "test_max_pool_conv_relu"), ("02_as_convolution", "test_conv_relu_counts"),
            ("02_as_convolution", "answer_ex2"), ("02_as_convolution", "answer_ex3a"),
            ("02_as_convolution", "answer_ex3c")}
REQUIRED_AUTO_MAX, REQUIRED_WRITTEN_MAX, OPTIONAL_AUTO_MAX, OPTIONAL_WRITTEN_MAX = 25.0, 6.0, 2.0, 3.0
POSSIBLE = REQUIRED_AUTO_MAX + REQUIRED_WRITTEN_MAX          # 31: what a student who skips the bonus can reach


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Graded:
    """Everything the class's grading wrote, read once."""


@pytest.fixture(scope="module")
def graded(graded_totals_class):
    """The class graded once per session (tests/support/graded.py); the reference computed here."""
    g = Graded()
    g.subs, g.out, g.course = graded_totals_class.submissions, graded_totals_class.out, graded_totals_class.course
    g.grades = [Row.from_csv(r) for r in _csv(g.out / "grades.csv")]
    g.run = json.loads((g.out / "run.json").read_text(encoding="utf-8"))
    # The reference: grades.csv's points, split by the optional cells.
    g.ref = {}
    for s in CLASS:
        mine = [r for r in g.grades if r.student_id == s]
        g.ref[s] = {"auto": round(sum(r.points for r in mine if (r.notebook, r.grade_id) not in OPTIONAL), 4),
                    "optional": round(sum(r.points for r in mine if (r.notebook, r.grade_id) in OPTIONAL), 4)}
    return g


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
    from autograder.cli.commands import _print_table
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
    shutil.copyfile(graded.course / "gradebook.db", db)         # a writable copy (the shared course is frozen read-only)
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
    t = totals.Totals.of(rows, scheme, {("a", "answer_w"): 2.5, ("a", "answer_v"): 1.0, ("a", "test_x"): 9.0})
    assert (t.auto, t.auto_max) == (1.3, 6.3)            # 0.1 + 0.2 + 1.0 (an unknown cell counts as required)
    assert (t.written, t.written_max, t.optional_auto, t.optional_written) == (2.5, 3.0, 1.0, 1.0)
    assert (t.possible, t.earned, t.optional_max) == (9.3, 5.8, 2.0)
    one = totals.Totals.of(rows, scheme.only(["a"]))                # a page of one notebook: its cells only
    assert (one.auto, one.auto_max, one.optional_auto) == (0.1, 2.0, 1.0)
    assert totals.Totals.of((), scheme).earned == 0 and scheme.maxima.possible == 5.3


def test_totals_is_light():
    """The definition needs neither torch nor nbgrader (export and the parser use it)."""
    code = ("import sys; from autograder.core import totals; totals.scheme();"
            "print(sorted(m for m in ('torch', 'nbgrader', 'numpy') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


# ---------------------------------------------------------------- one place that sums points

_ROW_POINTS = re.compile(r"\.(?:points|max_points)\b|\[\s*[\"'](?:points|max_points|max_score)[\"']\s*\]")


def _point_sums(path):
    """(line, text) of each sum of row points in a module: ``sum(...)`` / ``fsum`` / ``+=`` / a
    reduction whose expression reads a row's ``.points`` / ``.max_points`` (or a JSON row's
    ``["points"]``, a results.json test's ``["max_score"]``)."""
    import ast
    src = path.read_text(encoding="utf-8")
    out = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in ("sum", "fsum", "reduce", "accumulate"):
                continue
        elif not (isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub))):
            continue
        text = ast.get_source_segment(src, node) or ""
        if _ROW_POINTS.search(text):
            out.append((node.lineno, text))
    return out


@pytest.mark.parametrize("path", sorted((pathlib.Path(totals.__file__).parent).rglob("*.py")),
                         ids=lambda p: str(p.relative_to(pathlib.Path(totals.__file__).parent)))
def test_points_are_summed_only_by_totals_of(path):
    """#21: ``Totals.of`` (and ``Totals.maxima_of``) are the only sums of points, so no two outputs
    can disagree on a total, a maximum or what is optional."""
    sums = _point_sums(path)
    if path.name == "totals.py":
        assert sums, "the scan must see Totals.of's own sums (else it sees nothing)"
    else:
        assert sums == [], f"{path}: sums points outside autograder.core.totals.Totals.of: {sums}"


def test_the_scan_finds_a_sum_of_points(tmp_path):
    """The scan is not blind: each way of summing row points is caught."""
    for code in ("t = sum(r.points for r in rows)\n", "m = sum([r.max_points for r in rows])\n",
                 "t = 0\nfor r in rows:\n    t += r.points\n", "s = math.fsum(t['max_score'] for t in tests)\n", "s = sum(r['points'] for r in rows)\n"):
        (tmp_path / "m.py").write_text(code)
        assert _point_sums(tmp_path / "m.py"), code
    (tmp_path / "m.py").write_text("n = sum(1 for r in rows if r.status == 'passed')\n")
    assert _point_sums(tmp_path / "m.py") == []
