"""Deadlines, extensions and late work (autograder/core/deadlines.py): the policy, hostile timestamps, a
generated class (on time, late, late within an extension, missing and untrusted timestamps, time
zones), late.csv from the command line's pieces, the export's penalty (once, on the total), and
nbgrader's own path (KitAssignLatePenalties on a real gradebook) agreeing with it.

Cheap: no student code runs; the class is a few folders of timestamp.txt files made here."""
import csv
import datetime
import os
import sys

import pytest

from autograder.cli import commands as cli
from autograder.core import deadlines
from autograder.adapters import export
from autograder.core.deadlines import DeadlineError, parse_policy

from conftest import ROOT
from test_export import AUTO_MAX, TESTS, write_grades
from support.slow import slow_fixture

UTC = datetime.timezone.utc
DUE = datetime.datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
NOW = datetime.datetime(2026, 3, 20, tzinfo=UTC)          # the grading time of the generated class
H = 3600


# ------------------------------------------------------------------ the policy

@pytest.mark.parametrize("spec, seconds_late, percent", [
    ("none", 10 * 86400, 0),
    ("zero", 0, 0),
    ("zero", 1, 100),
    ("zero,grace=1h", H, 0),                  # within the grace period
    ("zero,grace=1h", H + 1, 100),
    ("10%/day", 1, 10),                       # a started day counts as a day
    ("10%/day", 86400, 10),
    ("10%/day", 86400 + 1, 20),
    ("10%/day,cap=25%", 5 * 86400, 25),
    ("5%/hour,grace=15m", 15 * 60, 0),
    ("5%/hour,grace=15m", 15 * 60 + 1, 5),
    ("5%/hour,grace=15m", 15 * 60 + 3 * H, 15),
    ("30%/day", 30 * 86400, 100),             # never more than the score
    ("2.5%/hour", 2 * H, 5),
])
def test_policy_percent(spec, seconds_late, percent):
    assert parse_policy(spec).percent(seconds_late) == percent


@pytest.mark.parametrize("spec", ["", "late", "10%", "10%/week", "110%/day", "10%/day,cap=120%", "-5%/day",
                                  "zero,cap=50%", "10%/day,grace=forever", "10%/day,cap=5%,cap=6%",
                                  "none,grace=1h", "x" * 500])
def test_bad_policy_is_refused(spec):
    with pytest.raises(DeadlineError):
        parse_policy(spec)


@pytest.mark.parametrize("score, percent, points", [(10, 25, 2.5), (0, 50, 0), (-3, 50, 0), (7.77, 100, 7.77),
                                                    (10, 33.333, 3.33)])
def test_penalty_points_never_below_zero(score, percent, points):
    assert deadlines.penalty_points(score, percent) == points
    assert score - deadlines.penalty_points(score, percent) >= min(0, score)


# ------------------------------------------------------------------ a generated class

# student -> (timestamp.txt bytes or a maker, expected status, expected hours late)
def _link(folder):
    target = folder.parent.parent / "elsewhere.txt"
    target.write_text("2026-03-01 12:00:00 UTC")
    os.symlink(target, folder / "timestamp.txt")


def _fifo(folder):
    os.mkfifo(folder / "timestamp.txt")


CLASS = {
    "ontime": (b"2026-03-01 20:00:00.123456 UTC\n", "on_time", 0),
    "late_2h": (b"2026-03-02 01:59:00.000000 UTC", "late", 2),
    "late_tz": (b"2026-03-02T09:59:00+08:00", "late", 2),          # 01:59 UTC: the same moment
    "early_tz": (b"2026-03-02T06:59:00+08:00", "on_time", 0),       # 22:59 UTC the day before
    "extended": (b"2026-03-03 12:00:00 UTC", "on_time", 0),         # late, but within 48 h more
    "extended_late": (b"2026-03-05 23:59:00 UTC", "late", 24),      # new due date 03-04 23:59 UTC
    "nostamp": (None, "missing", 0),
    "garbage": (b"yesterday, honest", "invalid", 0),
    "huge": (b"2026-03-01 12:00:00 UTC" + b" " * 5000, "invalid", 0),
    "future": (b"2099-01-01 00:00:00 UTC", "invalid", 0),
    "ancient": (b"1970-01-01 00:00:00 UTC", "invalid", 0),
    "notadate": (b"2026-02-30 12:00:00 UTC", "invalid", 0),
    "ambiguous": (b"2026-03-01 12:00:00 CST", "invalid", 0),       # an abbreviation names several zones
    "control": (b"2026-03-01 12:00:00 UTC\x1b[2J\xe2\x80\xae", "invalid", 0),
    "link": (_link, "invalid", 0),
    "fifo": (_fifo, "invalid", 0),
}
EXTENSIONS = "student_id,due,extra_hours\nextended,,48\nextended_late,2026-03-04T23:59:00Z,\nnobody,,5\n"


@slow_fixture(scope="module")
def generated_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("late") / "submitted"
    for sid, (stamp, _, _) in CLASS.items():
        folder = root / sid / "pooling"
        folder.mkdir(parents=True)
        if isinstance(stamp, bytes):
            (folder / "timestamp.txt").write_bytes(stamp)
        elif stamp is not None:
            stamp(folder)
    ext = root.parent / "extensions.csv"
    ext.write_text(EXTENSIONS)
    settings = deadlines.load_settings(None, due="2026-03-01T23:59:00Z", policy="10%/day,cap=50%",
                                       extensions=str(ext))
    rows = {r.student_id: r for r in deadlines.assess(root, sorted(CLASS), settings, now=NOW)}
    return root, settings, rows


@pytest.mark.parametrize("sid", sorted(CLASS))
def test_lateness_of_each_student(generated_class, sid):
    _, _, rows = generated_class
    row, (_, status, hours) = rows[sid], CLASS[sid]
    assert row.status == status, row
    assert row.hours_late == pytest.approx(hours, abs=0.01)
    assert row.extended == sid.startswith("extended")
    # the policy's share: 10 % per started day, at most 50 %
    assert row.penalty_percent == (10 if status == "late" else 0)
    if status in ("missing", "invalid"):
        assert row.note and "/" in row.note             # Chinese / English, saying why
        assert "\x1b" not in row.note and "\u202e" not in row.note


def test_each_students_edition_folder_holds_the_timestamp(tmp_path):
    """An English-edition student's timestamp.txt is in pooling_en/ (issue #25): read there, not
    reported missing; a student of the Chinese edition beside them is read from pooling/."""
    root = tmp_path / "submitted"
    for sid, edition, stamp in (("en_late", "pooling_en", b"2026-03-02 12:00:00 UTC"),
                                ("zh_ok", "pooling", b"2026-03-01 12:00:00 UTC")):
        (root / sid / edition).mkdir(parents=True)
        (root / sid / edition / "timestamp.txt").write_bytes(stamp)
    settings = deadlines.load_settings(None, due="2026-03-01T23:59:00Z", policy="10%/day,cap=50%")
    rows = {r.student_id: r for r in deadlines.assess(root, ["en_late", "zh_ok"], settings, now=NOW,
                                                        assignment={"en_late": "pooling_en"})}
    assert rows["en_late"].status == "late" and rows["en_late"].hours_late == pytest.approx(12.02, abs=0.01)
    assert rows["zh_ok"].status == "on_time"


@pytest.mark.parametrize("dues, expected", [
    ({"pooling": "2026-03-01", "pooling_en": "2026-03-08"}, {"pooling": "2026-03-01", "pooling_en": "2026-03-08"}),
    ({"pooling": "2026-03-01"}, {"pooling": "2026-03-01", "pooling_en": "2026-03-01"}),
    ({"pooling_en": "2026-03-08"}, {"pooling": "2026-03-08", "pooling_en": "2026-03-08"}),
])
def test_gradebook_due_date_of_each_edition(tmp_path, fresh_gradebook, dues, expected):
    """Each edition is its own nbgrader assignment: its own due date, else the other edition's (an
    instructor who set one meant it for both); an extension row naming either edition holds for both."""
    from nbgrader.api import Gradebook
    url = fresh_gradebook
    with Gradebook(url) as gb:
        for edition in ("pooling", "pooling_en"):
            due = dues.get(edition)
            gb.add_assignment(edition, duedate=datetime.datetime.fromisoformat(due) if due else None)
    (tmp_path / "ext.csv").write_text("student_id,assignment,extra_hours\nann,pooling_en,24\nbo,other,24\n")
    s = deadlines.load_settings(None, gradebook_url=url, extensions=str(tmp_path / "ext.csv"))
    assert s.source == "gradebook"
    for edition, day in expected.items():
        due = datetime.datetime.fromisoformat(day).replace(tzinfo=UTC)
        assert s.due_for("cy", edition) == (due, False)
        assert s.due_for("ann", edition) == (due + datetime.timedelta(hours=24), True)
        assert s.due_for("bo", edition) == (due, False)            # another assignment's extension
        stamp = deadlines.Stamp("ok", due + datetime.timedelta(hours=1))
        assert deadlines.assess_one("cy", stamp, s, edition).status == "late"
        assert deadlines.assess_one("ann", stamp, s, edition).status == "on_time"


def test_extension_moves_the_due_date(generated_class):
    _, settings, rows = generated_class
    assert rows["extended"].due == DUE + datetime.timedelta(hours=48)
    assert rows["extended_late"].due == datetime.datetime(2026, 3, 4, 23, 59, tzinfo=UTC)
    assert rows["late_2h"].due == DUE


def test_link_is_never_followed(generated_class):
    _, _, rows = generated_class
    assert "link" in rows["link"].note


@pytest.mark.parametrize("text, problem", [
    ("student_id,due\nalice,2026-03-01\nalice,2026-03-02\n", "second row"),
    ("student_id,extra_hours\nalice,-3\n", "extra_hours"),
    ("student_id,extra_hours\nalice,1e9\n", "extra_hours"),
    ("student_id,extra_hours\nalice,nan\n", "extra_hours"),
    ("student_id,due,extra_hours\nalice,2026-03-01,5\n", "either"),
    ("student_id,due\nalice,next week\n", "not a date"),
    ("name,hours\nalice,3\n", "columns"),
])
def test_bad_extensions_file(tmp_path, text, problem):
    path = tmp_path / "extensions.csv"
    path.write_text(text)
    with pytest.raises(DeadlineError, match=problem):
        deadlines.read_extensions(path)


def test_settings_file_and_time_zone(tmp_path):
    """deadlines.toml: a due date without an offset is in the course's time zone; a bare date is its end."""
    (tmp_path / "deadlines.toml").write_text('due = "2026-03-01"\ntimezone = "Asia/Shanghai"\n'
                                             'late_policy = "zero,grace=1h"\nextensions = "ext.csv"\n')
    (tmp_path / "ext.csv").write_text("student_id,extra_hours\nalice,24\n")
    s = deadlines.load_settings(tmp_path)
    assert s.due == datetime.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)       # 23:59:59 in UTC+8
    assert s.policy == deadlines.LatePolicy("zero", grace_seconds=3600) and s.source == "deadlines.toml"
    assert s.due_for("alice") == (s.due + datetime.timedelta(hours=24), True)
    # the command line wins over the file
    s2 = deadlines.load_settings(tmp_path, due="2026-03-02T00:00:00Z", policy="none")
    assert s2.due == datetime.datetime(2026, 3, 2, tzinfo=UTC) and s2.policy.kind == "none"
    (tmp_path / "deadlines.toml").write_text('due = "2026-03-01"\nlate_polcy = "zero"\n')
    with pytest.raises(DeadlineError, match="unknown settings"):
        deadlines.load_settings(tmp_path)


# ------------------------------------------------------------------ the command line and the export

def _grade_args(*extra):
    return cli._parser().parse_args(["grade", "submitted", "--out", "out", *extra])


def test_late_csv_and_export_apply_the_penalty_once(generated_class, tmp_path, capsys, monkeypatch):
    root, _, _ = generated_class
    monkeypatch.chdir(tmp_path)                 # no ./gradebook.db here
    args = _grade_args("--due", "2026-03-01T23:59:00Z", "--late-policy", "10%/day,cap=50%",
                       "--extensions", str(root.parent / "extensions.csv"))
    settings = cli._late_settings(args)
    out = write_grades(tmp_path / "out", {sid: 1.0 for sid in CLASS})
    cli._write_lateness(str(root), out, sorted(CLASS), settings)
    err = capsys.readouterr().err
    assert "late.csv" in err and "garbage" in err and "不是普通文件" in err
    with open(out / "late.csv", newline="", encoding="utf-8") as f:
        late = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(late) == set(CLASS) and late["late_2h"]["penalty_percent"] == "10.0"
    scores, maxima = export.collect(out, None, warn=lambda m: None)
    for sid, (_, status, _) in CLASS.items():
        s = scores[sid]
        want = round(AUTO_MAX * 0.9, 2) if status == "late" else AUTO_MAX
        assert s.total == pytest.approx(want, abs=0.005), (sid, s.total)
    rows = list(csv.reader(export.generic_csv(scores, maxima).splitlines()))
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_id["late_tz"]["late_status"] == "late" and float(by_id["late_tz"]["hours_late"]) == 2
    assert float(by_id["late_tz"]["late_penalty"]) == pytest.approx(AUTO_MAX * 0.1, abs=0.005)
    assert by_id["nostamp"]["late_status"] == "missing" and float(by_id["nostamp"]["late_penalty"]) == 0


def test_grades_csv_has_each_students_lateness(generated_class, tmp_path, monkeypatch):
    """grades.csv, as `autograder grade` writes it after late.csv: every row of a student ends with that
    student's status, hours late and penalty share; the export's generic CSV says the same; without a
    due date (no late.csv) the cells are empty."""
    from autograder.run.write import WriteResults
    from autograder.core.results import Row, Status, SubmissionResult
    root, _, _ = generated_class
    monkeypatch.chdir(tmp_path)
    args = _grade_args("--due", "2026-03-01T23:59:00Z", "--late-policy", "10%/day,cap=50%",
                       "--extensions", str(root.parent / "extensions.csv"))
    out = tmp_path / "out"
    out.mkdir()
    cli._write_lateness(str(root), out, sorted(CLASS), cli._late_settings(args))
    results = [SubmissionResult(sid, [Row(sid, "pooling", nb, gid, pts, pts, Status.PASSED, "ok")
                                      for nb, gid, pts in TESTS[:2]]) for sid in sorted(CLASS)]
    WriteResults(out).tables(results)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames[-3:] == ["late_status", "hours_late", "late_penalty_percent"]
    assert len(rows) == 2 * len(CLASS)
    for r in rows:
        _, status, hours = CLASS[r["student_id"]]
        assert r["late_status"] == status, r
        if status in ("late", "on_time"):
            assert float(r["hours_late"]) == pytest.approx(hours, abs=0.01)
            assert float(r["late_penalty_percent"]) == (10 if status == "late" else 0)
        else:                                   # missing / invalid: no hours known, nothing taken off
            assert r["hours_late"] == "" and float(r["late_penalty_percent"]) == 0
    scores, maxima = export.collect(out, None, warn=lambda m: None)
    generic = list(csv.DictReader(export.generic_csv(scores, maxima).splitlines()))
    assert {g["student_id"]: (g["late_status"], g["hours_late"], g["late_penalty_percent"]) for g in generic} == \
        {r["student_id"]: (r["late_status"], r["hours_late"], r["late_penalty_percent"]) for r in rows}
    # no due date: cells present and empty
    plain = tmp_path / "plain"
    WriteResults(plain).tables(results[:1])
    with open(plain / "grades.csv", newline="", encoding="utf-8") as f:
        assert {(r["late_status"], r["hours_late"], r["late_penalty_percent"]) for r in csv.DictReader(f)} == {("", "", "")}


def test_no_due_date_means_no_assessment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUTOGRADER_COURSE_DIR", str(tmp_path))       # no deadlines.toml, no gradebook
    assert cli._late_settings(_grade_args()) is None
    with pytest.raises(DeadlineError, match="due date"):
        cli._late_settings(_grade_args("--late-policy", "zero"))


@pytest.mark.parametrize("flag, value", [("--late-policy", "10%/fortnight"), ("--due", "soon"),
                                         ("--extensions", "/nonexistent/ext.csv")])
def test_bad_deadline_arguments_exit_2_before_grading(tmp_path, capsys, flag, value):
    sub = tmp_path / "submitted" / "alice" / "pooling"
    sub.mkdir(parents=True)
    extra = [] if flag == "--due" else ["--due", "2026-03-01"]
    status = cli.main(["grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "out"), flag, value, *extra])
    assert status == 2
    assert "autograder:" in capsys.readouterr().err
    assert not (tmp_path / "out" / "grades.csv").exists()


# ------------------------------------------------------------------ nbgrader's path agrees

@slow_fixture
def nbgrader_course(tmp_path, monkeypatch, fresh_gradebook):
    """A course directory with deadlines.toml, an extensions file and a gradebook whose due date
    differs (deadlines.toml wins, in both paths)."""
    from nbgrader.api import Gradebook
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("AUTOGRADER_COURSE_DIR", str(tmp_path))
    (tmp_path / "source").symlink_to(ROOT / "source")          # the course's points (autograder.core.totals)
    (tmp_path / "deadlines.toml").write_text('due = "2026-03-01T23:59:00Z"\nlate_policy = "5%/hour,cap=40%"\n'
                                             'extensions = "extensions.csv"\n')
    (tmp_path / "extensions.csv").write_text("student_id,extra_hours\nerin,3\n")
    url = fresh_gradebook
    with Gradebook(url) as gb:
        gb.add_assignment("pooling", duedate=datetime.datetime(2026, 6, 1))
        for nb in sorted({n for n, _, _ in TESTS}):
            gb.add_notebook(nb, "pooling")
        for nb, gid, pts in TESTS:
            gb.add_grade_cell(gid, nb, "pooling", max_score=pts, cell_type="code")
    return tmp_path, url


STAMPS = {"dana": "2026-03-02 02:30:00 UTC",     # 2.5 h late: 3 started hours, 15 %
          "erin": "2026-03-02 02:30:00 UTC",     # the same, within a 3 h extension: 0
          "finn": "2026-03-01 12:00:00 UTC",     # on time
          "gus": "2026-03-10 00:00:00 UTC",      # days late: the cap, 40 %
          "hal": None}                           # no timestamp: no penalty
FRACTION = {"dana": 0.5, "erin": 1.0, "finn": 0.75, "gus": 1.0, "hal": 1.0}


def test_nbgrader_path_agrees_with_the_export(nbgrader_course, tmp_path):
    from nbgrader.api import Gradebook
    from autograder.adapters.nbgrader.late import KitAssignLatePenalties
    course, url = nbgrader_course
    submitted = course / "submitted"
    with Gradebook(url) as gb:
        for sid, frac in FRACTION.items():
            gb.add_student(sid)
            gb.add_submission("pooling", sid)
            for nbsub in gb.find_submission("pooling", sid).notebooks:
                for g in nbsub.grades:
                    g.auto_score = round(g.max_score * frac, 2)
        gb.db.commit()
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Configurable

    class Converter(Configurable):          # what runs the step in nbgrader: it has the course directory
        coursedir = CourseDirectory(root=str(course))

    converter = Converter()
    for sid, stamp in STAMPS.items():
        folder = submitted / sid / "pooling"
        folder.mkdir(parents=True)
        if stamp:
            (folder / "timestamp.txt").write_text(stamp)
        # the notebook nbgrader converts is the autograded copy; a timestamp.txt there (nbgrader copies it
        # with shutil.copy, through a link) is not the one read: the collected one in submitted/ is
        autograded = course / "autograded" / sid / "pooling"
        autograded.mkdir(parents=True)
        (autograded / "timestamp.txt").write_text("2026-01-01 00:00:00 UTC")
        for nb in sorted({n for n, _, _ in TESTS}):     # nbgrader's step, once per notebook, as autograde runs it
            KitAssignLatePenalties(parent=converter).preprocess({}, {
                "nbgrader": {"notebook": nb, "assignment": "pooling", "student": sid, "db_url": url},
                "metadata": {"path": str(autograded)}})
    with Gradebook(url) as gb:
        nbgrader_penalty = {sid: gb.find_submission("pooling", sid).late_submission_penalty for sid in STAMPS}
        nbgrader_score = {sid: gb.find_submission("pooling", sid).score for sid in STAMPS}
    # the kit's path: late.csv from `autograder grade`'s pieces, then the export
    out = write_grades(course / "out", FRACTION)
    old = os.getcwd()
    os.chdir(course)
    try:
        settings = cli._late_settings(_grade_args())
    finally:
        os.chdir(old)
    cli._write_lateness(str(submitted), out, sorted(STAMPS), settings)
    scores, _ = export.collect(out, None, warn=lambda m: None)
    expected_percent = {"dana": 15, "erin": 0, "finn": 0, "gus": 40, "hal": 0}
    for sid in STAMPS:
        kit = scores[sid]
        assert kit.before_penalty == pytest.approx(nbgrader_score[sid], abs=0.05)      # the same points
        assert (kit.late.penalty_percent if kit.late else 0) == expected_percent[sid]
        assert kit.late_penalty == pytest.approx(nbgrader_penalty[sid] or 0.0, abs=0.011), sid
        assert kit.late_penalty == pytest.approx(kit.before_penalty * expected_percent[sid] / 100, abs=0.011)


# ------------------------------------------------------------------ the feedback page and the report

def test_feedback_page_and_report_say_the_lateness(generated_class, tmp_path, monkeypatch):
    """A late student's feedback page says how late and the penalty; the report lists the late and the
    unknown times; a student on time reads "on time". (Templates: autoescaped, nothing of the
    timestamp's text is shown but through the kit's own note.)"""
    from autograder.run.write import WriteResults
    from autograder.report.report import write_report
    from autograder.core.results import Row, SubmissionResult
    root, _, _ = generated_class
    monkeypatch.chdir(tmp_path)
    out = write_grades(tmp_path / "out", {sid: 1.0 for sid in CLASS})
    settings = cli._late_settings(_grade_args("--due", "2026-03-01T23:59:00Z", "--late-policy", "10%/day",
                                              "--extensions", str(root.parent / "extensions.csv")))
    cli._write_lateness(str(root), out, sorted(CLASS), settings)
    writer = WriteResults(out)
    nb, gid, pts = TESTS[0]
    from support.page_text import page_text
    page = {sid: page_text(writer.feedback_page(SubmissionResult(sid, [Row(sid, "pooling", nb, gid, pts, pts,
                                                                               "passed")]), nb))
            for sid in ("late_2h", "ontime", "garbage", "extended")}
    assert "迟交 / late: 2 h" in page["late_2h"] and "penalty 10%" in page["late_2h"]
    assert "按时提交 / on time" in page["ontime"] and "迟交" not in page["ontime"]
    assert "submission time unknown, no penalty" in page["garbage"]
    assert "extension" in page["extended"] and "on time" in page["extended"]
    from support import results_jsonl                    # the report reads the kit's own results
    results_jsonl.write(out, [results_jsonl.record(sid) for sid in CLASS])
    write_report(out, integrity=False)
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split('<section id="late">', 1)[1].split("</section>", 1)[0]
    for sid, (_, status, _) in CLASS.items():
        assert (f"#student-{sid}\"" in section) == (status != "on_time"), sid
    assert "2026-03-01T23:59:00Z" in section
