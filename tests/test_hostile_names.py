"""Hostile student folder names (tests/hostile/names/) through a real `autograder grade`.

A name must never become a formula in a CSV, never share an output folder or
a cache entry with another name, never land on a file the kit writes, and
never stop the batch. Output files follow the user's umask. Also: bad
--timeout / --out are refused, and a student whose files cannot be written
gets `error` rows while the others are graded.
"""
import csv
import json
import math
import os
import stat
import subprocess
import sys

import pytest

from support.slow import slow_fixture

import harness  # noqa: E402
import names  # noqa: E402
from autograder.report import report  # noqa: E402
from autograder.run import collect as collect_results  # noqa: E402
from autograder.run.collect import CollectResults  # noqa: E402
from autograder.core.results import Row, Status, SubmissionResult  # noqa: E402
from autograder.run.write import (atomic_write, csv_cell, csv_text, csv_uncell, display_id, student_dir,
    student_folder)

UMASK = 0o027                      # not the usual 022, so a mode that ignores the umask shows
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def grade(subs, out, *extra, umask=UMASK):
    """`autograder grade SUBS --out OUT` in a child process with the given umask."""
    cmd = [harness.PY, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())", "grade",
           os.fsencode(subs), "--out", os.fsencode(out), "--timeout", str(harness.CALL_TIMEOUT),
           "--workers", "1", "--quiet", *extra]
    return subprocess.run(cmd, cwd=str(harness._BASE), env=harness.env(), capture_output=True,
                          text=True, timeout=900, umask=umask)


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def formula_cells(path):
    """Cells of a CSV file that a spreadsheet would evaluate (a plain number is not one)."""
    bad = []
    for row in csv_rows(path):
        for cell in row:
            if cell.startswith(FORMULA_START) and not _is_number(cell):
                bad.append(cell)
    return bad


def _is_number(cell):
    try:
        return math.isfinite(float(cell)) and cell.strip() == cell
    except ValueError:
        return False


def shown_scores():
    """Expected scores by the id as CSV files show it (an undecodable byte as a \\udcXX escape)."""
    return {display_id(s): v for s, v in names.expected_scores().items()}


def totals_by_id(out):
    """student id (as grades.csv shows it, formula guard removed) -> its points."""
    tot = {}
    for r in harness.read_grades(out):
        sid = csv_uncell(r["student_id"])
        tot[sid] = tot.get(sid, 0.0) + float(r["points"])
    return tot


@slow_fixture(scope="module")
def hostile_names(tmp_path_factory):
    base = tmp_path_factory.mktemp("names")
    subs = names.build_class(base / "submitted", harness.source_nb())
    out = base / "out"
    res = grade(subs, out)
    return {"subs": subs, "out": out, "res": res}


# ------------------------------------------------------------------ the class of hostile names

def test_batch_finishes_with_every_student(hostile_names):
    out, res = hostile_names["out"], hostile_names["res"]
    assert res.returncode == 0, res.stderr[-3000:]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert set(run["students"]) == set(names.expected_scores())
    assert run["write_errors"] == {} and run["graded"] == len(names.expected_scores())


def test_no_formula_cells_in_grades_or_manual(hostile_names):
    out = hostile_names["out"]
    for table in ("grades.csv", "manual.csv"):
        assert formula_cells(out / table) == [], table
    # ... yet every id reads back exactly, and the numbers are numbers
    rows = harness.read_grades(out)
    assert {csv_uncell(r["student_id"]) for r in rows} == set(shown_scores())
    assert all(_is_number(r["points"]) and _is_number(r["max_points"]) for r in rows)


def test_each_student_gets_their_own_score(hostile_names):
    out = hostile_names["out"]
    assert totals_by_id(out) == pytest.approx(shown_scores())
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for sid, want in names.expected_scores().items():
        folder = out / run["students"][sid]
        assert folder == student_dir(out, sid)
        gs = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert gs["score"] == pytest.approx(want), repr(sid)
        page = (folder / "01_basics.html").read_text(encoding="utf-8")
        assert f"<b>{want:g} / 5</b>" in page, repr(sid)


def test_honest_student_keeps_full_marks(hostile_names):
    assert totals_by_id(hostile_names["out"])[names.HONEST] == 5.0


def test_run_json_maps_ids_to_distinct_folders(hostile_names):
    out = hostile_names["out"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    folders = list(run["students"].values())
    assert len(set(folders)) == len(folders)
    assert len({f.lower() for f in folders}) == len(folders)        # also on a case-insensitive disk
    assert all(f.startswith("students/") and "/" not in f[len("students/"):] for f in folders)
    assert sorted(p.name for p in (out / "students").iterdir()) == sorted(f.split("/")[1] for f in folders)


def test_kit_files_are_where_they_belong(hostile_names):
    out = hostile_names["out"]
    for name in ("grades.csv", "manual.csv", "run.json", "results.jsonl"):
        assert (out / name).is_file()
    assert (out / "students").is_dir() and (out / ".cache").is_dir()
    assert all(p.suffix == ".json" and p.is_file() for p in (out / ".cache").iterdir())
    kit = {".cache", "grades.csv", "manual.csv", "run.json", "results.jsonl", "students",
           "report.html", "report_students.csv", "report_tests.csv"}
    assert {p.name for p in out.iterdir()} <= kit
    assert not list(out.rglob("*.tmp"))


def test_hidden_folder_is_not_a_student(hostile_names):
    """As nbgrader's globbing does, a dot folder is not graded, but it is never skipped silently."""
    ids = {csv_uncell(r["student_id"]) for r in harness.read_grades(hostile_names["out"])}
    assert ".cache" not in ids and "cache" in ids
    assert "hidden folder, not graded: .cache" in hostile_names["res"].stderr


def test_files_follow_the_umask(hostile_names):
    out = hostile_names["out"]
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith("report")]
    dirs = [out] + [p for p in out.rglob("*") if p.is_dir()]
    assert len(files) > 3 * len(names.expected_scores())
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~UMASK}
    assert {stat.S_IMODE(p.stat().st_mode) for p in dirs} == {0o777 & ~UMASK}


def test_report_reads_every_hostile_name(hostile_names):
    out = hostile_names["out"]
    rep = report.write_report(out)
    assert {s: rep.totals[s].total for s in rep.students} == pytest.approx(shown_scores())
    assert {s for s, _ in report.load(out).results} == set(shown_scores())   # every results.json found
    for table in ("report_students.csv", "report_tests.csv"):
        assert formula_cells(out / table) == [], table
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('01_basics.html"') == len(names.expected_scores())


def test_rerun_uses_each_students_own_cache_entry(hostile_names):
    out = hostile_names["out"]
    before = _without_seconds(out)
    digest = json.loads((out / "run.json").read_text(encoding="utf-8"))["kit_digest"]
    res = grade(hostile_names["subs"], out)
    assert res.returncode == 0, res.stderr[-3000:]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    if run["kit_digest"] == digest:               # (unless the kit itself was edited meanwhile)
        assert run["graded"] == 0
    assert _without_seconds(out) == before
    assert totals_by_id(out) == pytest.approx(shown_scores())


def _without_seconds(out):
    """grades.csv's rows without the timing column (a re-grade, if the kit changed, re-times)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in harness.read_grades(out)]


# ------------------------------------------------------------------ a student whose files cannot be written

@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    subs = tmp_path_factory.mktemp("small")
    for sid, variant in (("ann", "full"), ("ben", "no_pool2d")):
        d = subs / sid / "pooling"
        d.mkdir(parents=True)
        (d / "01_basics.ipynb").write_text(json.dumps(names.notebook(variant, harness.source_nb())),
                                           encoding="utf-8")
    return subs


@pytest.mark.slow       # grades a class of two
def test_unwritable_student_gets_error_rows_and_the_batch_goes_on(small_class, tmp_path):
    out = tmp_path / "out"
    student_dir(out, "ann").parent.mkdir(parents=True)
    student_dir(out, "ann").write_text("in the way")          # a pre-existing non-directory
    (out / ".cache").write_text("in the way too")             # no cache at all: only costs a re-grade
    res = grade(small_class, out)
    assert res.returncode == 0, res.stderr[-3000:]
    rows = harness.read_grades(out)
    ann = [r for r in rows if r["student_id"] == "ann"]
    assert ann and all(r["status"] == "error" and float(r["points"]) == 0 for r in ann)
    assert "could not write" in ann[0]["message"]
    assert totals_by_id(out)["ben"] == 3.0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert set(run["write_errors"]) == {"ann"} and run["cache_errors"] == 1
    assert run["grader_errors"] == len(ann)                   # the grader's failure, counted apart
    assert (student_dir(out, "ben") / "results.json").is_file()


# ------------------------------------------------------------------ bad arguments

@pytest.mark.parametrize("extra", [["--timeout", "0"], ["--timeout=-1"], ["--timeout", "nan"]])
def test_bad_timeout_exits_2_with_one_line(small_class, tmp_path, extra):
    res = grade(small_class, tmp_path / "out", *extra)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out").exists()


def test_out_pointing_at_a_file_exits_2_with_one_line(small_class, tmp_path):
    f = tmp_path / "grades.csv"
    f.write_text("keep me")
    res = grade(small_class, f)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert f.read_text() == "keep me"


# ------------------------------------------------------------------ the pieces, in process

def test_student_folders_are_distinct_and_short():
    ids = [names.student_id(n) for n in names.students()] + ["", ".", "..", "-", "a" * 300]
    folders = [student_folder(s) for s in ids]
    assert len({f.lower() for f in folders}) == len(ids)
    for f in folders:
        assert len(f.encode("utf-8", "surrogateescape")) <= 100 and f.isprintable()
        assert not f.startswith((".", "-")) and "/" not in f and "\\" not in f


@pytest.mark.parametrize("value", ["=2+3", "+cmd", "-1+1", "@x", "\tfoo", "\rbar", "'", "'=x", "''", "-",
                                   "plain", "", "li wei"])
def test_csv_cell_round_trips_and_is_never_a_formula(value):
    cell = csv_cell(value)
    assert csv_uncell(cell) == value
    assert not cell.startswith(FORMULA_START)


def test_numbers_stay_numbers():
    rows = csv_rows_of(csv_text(["student_id", "points", "seconds"], [["-1", -1.5, 0.25], ["x", -2, -0.0]]))
    assert rows[1:] == [["-1", "-1.5", "0.25"], ["x", "-2", "-0.0"]]
    assert csv_cell(float("-inf")) == "'-inf" and csv_cell(True) is True


def csv_rows_of(text):
    return list(csv.reader(text.splitlines()))


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_write_follows_the_umask(tmp_path, umask, set_umask):
    set_umask(umask)
    atomic_write(tmp_path / "f.txt", "x")
    atomic_write(tmp_path / "f.txt", "y")                 # replacing keeps it too
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o666 & ~umask
    assert (tmp_path / "f.txt").read_text() == "y" and not list(tmp_path.glob("*.tmp"))


def _result(sid, points=2.0):
    return SubmissionResult(sid, [Row(sid, "pooling", "01_basics", "test_pool2d", points, 2.0, Status.PASSED,
                                      "ok", seconds=0.1)], seconds=0.1)


class _Sub:
    def __init__(self, sid):
        self.student_id = sid


def test_a_folder_collision_is_refused_not_merged(tmp_path, monkeypatch):
    monkeypatch.setattr(collect_results, "student_folder", lambda sid: "same")
    col = CollectResults(tmp_path, "digest")
    col.finish(_Sub("a"), "k1", _result("a"))
    col.finish(_Sub("b"), "k2", _result("b"))
    meta = col.close()
    assert [r.status for r in col.tables["a"].rows] == ["passed"]
    assert [(r.status, r.points) for r in col.tables["b"].rows] == [("error", 0.0)]
    assert set(meta["write_errors"]) == {"b"}


def test_a_cache_entry_of_another_id_is_not_used(tmp_path):
    col = CollectResults(tmp_path, "digest")
    col.finish(_Sub("a"), "key", _result("a"))
    entry = tmp_path / ".cache" / f"{student_folder('a')}.json"
    forged = json.loads(entry.read_text())
    forged["result"]["student_id"] = "b"
    entry.write_text(json.dumps(forged))
    again = CollectResults(tmp_path, "digest")
    assert [s.student_id for s, _ in again.todo([_Sub("a")], lambda s: "key")] == ["a"]
