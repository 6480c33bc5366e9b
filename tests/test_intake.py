"""``autograder intake``: a Canvas-style zip (renamed files, a LATE marker, resubmission suffixes,
unsafe members: zip slip, absolute path, a link, a bomb, a duplicate name), a Moodle-style folder
and a folder per student id, into nbgrader's layout; the input is never modified and nothing is
overwritten. Cheap: the notebooks are the released ones (matched by name); one is matched by
content (renamed by its student)."""
import csv
import functools
import json
import hashlib
import os
import pathlib
import stat
import zipfile

import pytest

from autograder.cli import commands as cli
from autograder.core import deadlines
from autograder.adapters import intake
from conftest import RELEASE, ROOT
from support.slow import slow_fixture

NB = {p.stem: p.read_bytes() for p in sorted(RELEASE.glob("*.ipynb"))}
BASICS, CONV = NB["01_basics"], NB["02_as_convolution"]


def _tree_digest(path):
    h = hashlib.sha256()
    for p in sorted(pathlib.Path(path).rglob("*")):
        st = os.lstat(p)
        h.update(str(p.relative_to(path)).encode() + oct(st.st_mode).encode())
        if stat.S_ISREG(st.st_mode):
            h.update(p.read_bytes())
    return h.hexdigest()


def _zip_entry(zf, name, data, mode=0o100644, compress=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.compress_type = compress
    zf.writestr(info, data)


@slow_fixture(scope="module")
def canvas(tmp_path_factory):
    """A Canvas download zip and what the intake made of it (run once through the CLI)."""
    tmp = tmp_path_factory.mktemp("canvas")
    zpath = tmp / "submissions.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        _zip_entry(zf, "doe_jane_12345_678901_01_basics-1.ipynb", BASICS)
        _zip_entry(zf, "doe_jane_12345_678902_02_as_convolution.ipynb", CONV)
        _zip_entry(zf, "lee_ann_LATE_22222_678903_01_basics (1).ipynb", BASICS)
        # renamed by its student: matched by content
        _zip_entry(zf, "lee_ann_LATE_22222_678904_my homework.ipynb", CONV)
        # two files for one notebook of one student: ambiguous, neither placed
        _zip_entry(zf, "kim_bo_33333_678905_01_basics.ipynb", BASICS)
        _zip_entry(zf, "kim_bo_33333_678906_01_basics-2.ipynb", BASICS)
        # not in the roster
        _zip_entry(zf, "ghost_g_99999_678907_01_basics.ipynb", BASICS)
        # hostile members
        _zip_entry(zf, "../../evil_12345_1_01_basics.ipynb", BASICS)
        _zip_entry(zf, "/etc/evil_12345_2_01_basics.ipynb", BASICS)
        _zip_entry(zf, "doe_jane_12345_678908_03_cost.ipynb", b"/etc/passwd", mode=0o120777)
        _zip_entry(zf, "doe_jane_12345_678909_04_min_softmax.ipynb", b"\0" * (40 << 20))
        _zip_entry(zf, "doe_jane_12345_678910_05_gradients.ipynb", b"{" + b" " * (3 << 20) + b"}")
        _zip_entry(zf, "__MACOSX/._doe_jane_12345_678901_01_basics-1.ipynb", b"junk")
        _zip_entry(zf, "doe_jane_12345_678911_notes.txt", b"hello")
        # one member name twice (zipfile warns, and writes it): neither copy is placed
        with pytest.warns(UserWarning, match="Duplicate name"):
            _zip_entry(zf, "park_jo_44444_678913_01_basics.ipynb", BASICS)
            _zip_entry(zf, "park_jo_44444_678913_01_basics.ipynb", CONV)
    roster = tmp / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
                      "\"Doe, Jane\",12345,u1,s001,A\n\"Lee, Ann\",22222,u2,s002,A\n\"Kim, Bo\",33333,u3,s003,A\n")
    dest = tmp / "submitted"
    dest.mkdir()
    (dest / "s003" / "pooling").mkdir(parents=True)          # an earlier submission: never overwritten
    (dest / "s003" / "pooling" / "02_as_convolution.ipynb").write_bytes(b"earlier")
    with zipfile.ZipFile(zpath, "a") as zf:
        _zip_entry(zf, "kim_bo_33333_678912_02_as_convolution.ipynb", CONV)
    before = hashlib.sha256(zpath.read_bytes()).hexdigest()
    status = cli.main(["intake", str(zpath), "--to", str(dest), "--roster", str(roster)])
    with open(dest / "intake.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    record = {r["source"].lstrip("'"): r for r in rows}
    return dict(zip=zpath, dest=dest, status=status, record=record, before=before, rows=rows)


PLACED = {("s001", "01_basics"): BASICS, ("s001", "02_as_convolution"): CONV,
          ("s002", "01_basics"): BASICS, ("s002", "02_as_convolution"): CONV}


@pytest.mark.parametrize("student, notebook", sorted(PLACED))
def test_canvas_files_are_placed(canvas, student, notebook):
    target = canvas["dest"] / student / "pooling" / f"{notebook}.ipynb"
    assert target.read_bytes() == PLACED[student, notebook]


@pytest.mark.parametrize("member, status, reason", [
    ("kim_bo_33333_678905_01_basics.ipynb", "ambiguous", "none placed"),
    ("kim_bo_33333_678906_01_basics-2.ipynb", "ambiguous", "none placed"),
    ("kim_bo_33333_678912_02_as_convolution.ipynb", "exists", "not overwritten"),
    ("ghost_g_99999_678907_01_basics.ipynb", "unmatched", "not in the roster"),
    ("../../evil_12345_1_01_basics.ipynb", "refused", ".."),
    ("/etc/evil_12345_2_01_basics.ipynb", "refused", "absolute"),
    ("doe_jane_12345_678908_03_cost.ipynb", "refused", "link"),
    ("doe_jane_12345_678909_04_min_softmax.ipynb", "refused", "MiB"),
    ("doe_jane_12345_678910_05_gradients.ipynb", "refused", "zip bomb"),
    ("doe_jane_12345_678911_notes.txt", "skipped", "not a notebook"),
    ("__MACOSX/._doe_jane_12345_678901_01_basics-1.ipynb", "skipped", "hidden"),
    ("lee_ann_LATE_22222_678903_01_basics (1).ipynb", "placed", ""),
])
def test_canvas_record_says_why(canvas, member, status, reason):
    row = canvas["record"][member]
    assert row["status"] == status and reason in row["reason"], row


def test_duplicate_member_names_place_nothing(canvas):
    twice = [r for r in canvas["rows"] if r["source"] == "park_jo_44444_678913_01_basics.ipynb"]
    assert len(twice) == 2 and {r["status"] for r in twice} == {"refused"} and "twice" in twice[0]["reason"]
    assert not (canvas["dest"] / "44444").exists()


def test_canvas_late_marker_and_exit_status(canvas):
    assert canvas["record"]["lee_ann_LATE_22222_678903_01_basics (1).ipynb"]["late_marker"] == "1"
    assert canvas["record"]["doe_jane_12345_678901_01_basics-1.ipynb"]["late_marker"] == "0"
    assert canvas["status"] == 1                                # some files were not placed
    assert (canvas["dest"] / "s003" / "pooling" / "02_as_convolution.ipynb").read_bytes() == b"earlier"
    assert not (canvas["dest"] / "s003" / "pooling" / "01_basics.ipynb").exists()
    assert hashlib.sha256(canvas["zip"].read_bytes()).hexdigest() == canvas["before"]
    assert not list(canvas["dest"].parent.parent.glob("**/evil*"))        # nothing escaped
    assert not pathlib.Path("/etc/evil_12345_2_01_basics.ipynb").exists()


def test_moodle_folder_and_folder_per_id(tmp_path):
    dl = tmp_path / "moodle"
    a = dl / "Jane Doe_4711_assignsubmission_file_"
    a.mkdir(parents=True)
    (a / "01_basics.ipynb").write_bytes(BASICS)
    (a / "02_as_convolution (2).ipynb").write_bytes(CONV)
    b = dl / "Zhang San_4712_assignsubmission_file_"
    b.mkdir()
    os.symlink("/etc/passwd", b / "01_basics.ipynb")             # a link: never followed
    (b / "03_cost.ipynb").write_bytes(b"not json at all")        # placed by name: the grader says it is invalid
    (b / "homework.ipynb").write_bytes(b"not json at all")       # neither name nor content says which
    os.symlink("/etc", dl / "linked_4713_assignsubmission_file_")
    before = _tree_digest(dl)
    dest = tmp_path / "submitted"
    placements = intake.intake(dl, dest)
    by = {p.source: p for p in placements}
    assert (dest / "4711" / "pooling" / "01_basics.ipynb").read_bytes() == BASICS
    assert (dest / "4711" / "pooling" / "02_as_convolution.ipynb").read_bytes() == CONV
    assert by["Zhang San_4712_assignsubmission_file_/01_basics.ipynb"].status == "refused"
    assert by["linked_4713_assignsubmission_file_"].status == "refused"
    assert by["Zhang San_4712_assignsubmission_file_/03_cost.ipynb"].status == "placed"
    assert by["Zhang San_4712_assignsubmission_file_/homework.ipynb"].status == "unmatched"
    assert _tree_digest(dl) == before
    # a folder per student id (loose notebooks of students off the hub)
    loose = tmp_path / "loose"
    (loose / "s010").mkdir(parents=True)
    (loose / "s010" / "01_basics-Copy1.ipynb").write_bytes(BASICS)
    (loose / "readme.ipynb").write_bytes(BASICS)                 # whose? nobody's
    placements = intake.intake(loose, tmp_path / "sub2")
    assert (tmp_path / "sub2" / "s010" / "pooling" / "01_basics.ipynb").read_bytes() == BASICS
    assert {p.source: p.status for p in placements}["readme.ipynb"] == "unmatched"


def test_refuses_to_write_into_the_download(tmp_path, capsys):
    (tmp_path / "dl" / "s1").mkdir(parents=True)
    assert cli.main(["intake", str(tmp_path / "dl"), "--to", str(tmp_path / "dl" / "out")]) == 2
    assert "never modified" in capsys.readouterr().err
    assert cli.main(["intake", str(tmp_path / "missing.zip"), "--to", str(tmp_path / "x")]) == 2
    (tmp_path / "bad.zip").write_bytes(b"PK not a zip")
    assert cli.main(["intake", str(tmp_path / "bad.zip"), "--to", str(tmp_path / "x")]) == 2


# ------------------------------------------------------------------ submission times (--times)

def _canvas_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            _zip_entry(zf, name, data)
    return path


@slow_fixture(scope="module")
def canvas_times(tmp_path_factory):
    """A Canvas download with a Canvas-style times file (ID + Submitted At): a UTC time, a time with an
    offset, an impossible date, a student without a time, and a student whose timestamp.txt is there."""
    tmp = tmp_path_factory.mktemp("canvas_times")
    zpath = _canvas_zip(tmp / "submissions.zip", [
        ("doe_jane_12345_1_01_basics.ipynb", BASICS),
        ("lee_ann_22222_2_01_basics.ipynb", BASICS),
        ("kim_bo_33333_3_01_basics.ipynb", BASICS),
        ("park_jo_44444_4_01_basics.ipynb", BASICS),
        ("choi_yu_55555_5_01_basics.ipynb", BASICS)])
    times = tmp / "canvas-submissions.csv"
    times.write_text("Student,ID,SIS Login ID,Submitted At\n"
                     "\"Doe, Jane\",12345,s001,2026-03-01T15:59:00Z\n"
                     "\"Lee, Ann\",22222,s002,2026-03-02T01:30:00+08:00\n"
                     "\"Kim, Bo\",33333,s003,2026-02-30T10:00:00Z\n"
                     "\"Choi, Yu\",55555,s005,2026-03-01T10:00:00Z\n", encoding="utf-8")
    roster = tmp / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n\"Doe, Jane\",12345,u1,s001,A\n"
                      "\"Lee, Ann\",22222,u2,s002,A\n\"Kim, Bo\",33333,u3,s003,A\n\"Park, Jo\",44444,u4,s004,A\n"
                      "\"Choi, Yu\",55555,u5,s005,A\n", encoding="utf-8")
    dest = tmp / "submitted"
    (dest / "s005" / "pooling").mkdir(parents=True)
    (dest / "s005" / "pooling" / "timestamp.txt").write_text("2026-02-01 00:00:00.000000 UTC\n")
    status = cli.main(["intake", str(zpath), "--to", str(dest), "--roster", str(roster), "--times", str(times)])
    with open(dest / "intake.csv", newline="", encoding="utf-8") as f:
        record = {r["student_id"]: r for r in csv.DictReader(f)}
    return dict(dest=dest, status=status, record=record)


@pytest.mark.parametrize("student, written, iso", [
    ("s001", "2026-03-01 15:59:00.000000 UTC\n", "2026-03-01T15:59:00Z"),
    ("s002", "2026-03-01 17:30:00.000000 UTC\n", "2026-03-01T17:30:00Z"),      # +08:00 -> UTC
])
def test_canvas_times_become_nbgraders_timestamp(canvas_times, student, written, iso):
    folder = canvas_times["dest"] / student / "pooling"
    assert (folder / "timestamp.txt").read_text() == written
    stamp = deadlines.read_timestamp(folder)                 # what `grade` will read
    assert stamp.status == "ok" and deadlines.iso(stamp.when) == iso
    row = canvas_times["record"][student]
    assert row["status"] == "placed" and row["submitted_at"] == iso
    assert "canvas-submissions.csv line" in row["time_source"] and "Submitted At" in row["time_source"]


@pytest.mark.parametrize("student, reason", [
    ("s003", "no such date"),                                # 30 February: no time, no timestamp.txt
    ("s004", "no submission time"),                          # not in the times file
])
def test_canvas_students_without_a_usable_time(canvas_times, student, reason):
    assert not (canvas_times["dest"] / student / "pooling" / "timestamp.txt").exists()
    row = canvas_times["record"][student]
    assert row["status"] == "placed" and row["submitted_at"] == "" and reason in row["time_source"], row


def test_an_existing_timestamp_is_never_overwritten(canvas_times):
    folder = canvas_times["dest"] / "s005" / "pooling"
    assert (folder / "timestamp.txt").read_text() == "2026-02-01 00:00:00.000000 UTC\n"
    assert "kept" in canvas_times["record"]["s005"]["time_source"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]       # no temp file left


MOODLE_WORKSHEET = ("Identifier,Full name,Email address,Status,Grade,Last modified (submission),Last modified (grade)\n"
                    "Participant 4711,Jane Doe,j@example.org,Submitted,,\"Sunday, 1 March 2026, 11:59 PM\",-\n"
                    "Participant 4712,Zhang San,z@example.org,Submitted,,\"Monday, 1 March 2026, 11:59 PM\",-\n"
                    "Participant 4713,Ann Lee,a@example.org,Submitted,,\"1 March 2026, 12:05 AM\",-\n"
                    "Participant 4714,Bo Kim,b@example.org,No submission,,-,-\n")


@pytest.mark.parametrize("zone, expect", [
    ("Asia/Shanghai", {"4711": "2026-03-01T15:59:00Z", "4712": "weekday", "4713": "2026-02-28T16:05:00Z",
                       "4714": "no submission time"}),
    ("America/New_York", {"4711": "2026-03-02T04:59:00Z", "4712": "weekday", "4713": "2026-03-01T05:05:00Z",
                          "4714": "no submission time"}),
    ("", {"4711": "no zone", "4712": "weekday", "4713": "no zone", "4714": "no submission time"}),
])
def test_moodle_worksheet_times_in_the_sites_zone(tmp_path, zone, expect):
    dl = tmp_path / "moodle"
    for uid, name in (("4711", "Jane Doe"), ("4712", "Zhang San"), ("4713", "Ann Lee"), ("4714", "Bo Kim")):
        (dl / f"{name}_{uid}_assignsubmission_file_").mkdir(parents=True)
        (dl / f"{name}_{uid}_assignsubmission_file_" / "01_basics.ipynb").write_bytes(BASICS)
    sheet = tmp_path / "grading-worksheet.csv"
    sheet.write_text(MOODLE_WORKSHEET, encoding="utf-8")
    placements = intake.intake(dl, tmp_path / "submitted", times_path=sheet, times_zone=zone)
    got = {p.student_id: p for p in placements}
    for uid, want in expect.items():
        stamp = deadlines.read_timestamp(tmp_path / "submitted" / uid / "pooling")
        if want[0].isdigit():
            assert got[uid].submitted_at == want and stamp.status == "ok" and deadlines.iso(stamp.when) == want
            assert "Last modified (submission)" in got[uid].time_source
        else:
            assert got[uid].submitted_at == "" and stamp.status == "missing" and want in got[uid].time_source, \
                got[uid]


def test_times_from_the_roster_when_it_has_them(tmp_path):
    zpath = _canvas_zip(tmp_path / "s.zip", [("doe_jane_12345_1_01_basics.ipynb", BASICS)])
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS Login ID,submitted_at\n\"Doe, Jane\",12345,s001,2026-03-01T08:00:00-05:00\n")
    placements = intake.intake(zpath, tmp_path / "out", roster_path=roster)
    assert placements[0].submitted_at == "2026-03-01T13:00:00Z" and "roster.csv line 2" in placements[0].time_source
    # a roster without a time column: placed, and no time invented
    roster.write_text("Student,ID,SIS Login ID\n\"Doe, Jane\",12345,s001\n")
    placements = intake.intake(zpath, tmp_path / "out2", roster_path=roster)
    assert placements[0].status == "placed" and placements[0].time_source == ""
    assert not (tmp_path / "out2" / "s001" / "pooling" / "timestamp.txt").exists()


@pytest.mark.parametrize("text, zone, want", [
    ("2026-03-01T15:59:00Z", "", "2026-03-01T15:59:00Z"),
    ("2026-03-01 15:59:00.123456 UTC", "", "2026-03-01T15:59:00Z"),                  # nbgrader's own format
    ("2026-03-01T23:59:00+08:00", "", "2026-03-01T15:59:00Z"),
    ("2026-03-01 23:59:00 Asia/Shanghai", "", "2026-03-01T15:59:00Z"),
    ("2026-03-01 23:59:00", "Asia/Shanghai", "2026-03-01T15:59:00Z"),
    ("2026-07-01 12:00:00", "Europe/Berlin", "2026-07-01T10:00:00Z"),                 # summer time
    ("Sunday, 1 March 2026, 12:00 PM", "UTC", "2026-03-01T12:00:00Z"),
    ("1 March 2026, 12:00 AM", "UTC", "2026-03-01T00:00:00Z"),
    ("1 March 2026, 23:30", "UTC", "2026-03-01T23:30:00Z"),
])
def test_parse_lms_time(text, zone, want):
    assert deadlines.iso(intake.parse_lms_time(text, zone)) == want


@pytest.mark.parametrize("text, zone, why", [
    ("2026-03-01 23:59:00 CST", "", "unknown time zone"),          # ambiguous abbreviation
    ("2026-03-01", "UTC", "not a date and time"),                  # a date is not a submission time
    ("2026-03-01 23:59:00", "", "no zone"),
    ("2026-02-30T10:00:00Z", "", "no such date"),
    ("2026-03-01T10:00:00+25:00", "", "offset"),
    ("Monday, 1 March 2026, 11:59 PM", "UTC", "weekday"),
    ("1 March 2026, 13:00 PM", "UTC", "no such hour"),
    ("1 Mars 2026, 10:00 AM", "UTC", "unknown month"),
    ("8 March 2026, 2:30 AM", "America/New_York", "clock change"),   # skipped by summer time
    ("1 November 2026, 1:30 AM", "America/New_York", "clock change"),  # happens twice
    ("２０２６-03-01T10:00:00Z", "", "ASCII"),
    ("=HYPERLINK(\"http://x\")", "", "not a date"),
    ("2026-03-01T10:00:00Z" + " " * 80, "", "too long"),
    ("2026-03-01\n10:00:00Z", "", "printable"),
])
def test_parse_lms_time_refuses(text, zone, why):
    with pytest.raises(deadlines.DeadlineError, match=why):
        intake.parse_lms_time(text, zone)


@pytest.mark.parametrize("content, why", [
    (b"Student,ID\nx,1\n", "needs an id column"),
    (b"\xff\xfeI\x00D\x00", "not UTF-8"),
])
def test_unusable_times_file(tmp_path, content, why, capsys):
    zpath = _canvas_zip(tmp_path / "s.zip", [("doe_jane_12345_1_01_basics.ipynb", BASICS)])
    (tmp_path / "t.csv").write_bytes(content)
    assert cli.main(["intake", str(zpath), "--to", str(tmp_path / "o"), "--times", str(tmp_path / "t.csv")]) == 2
    assert why in capsys.readouterr().err


def test_two_times_for_one_student_use_neither(tmp_path):
    t = tmp_path / "t.csv"
    t.write_text("ID,Submitted At\n12345,2026-03-01T10:00:00Z\n12345,2026-03-02T10:00:00Z\n"
                 "222,2026-03-01T10:00:00Z\n222,2026-03-01T18:00:00+08:00\n")
    got = intake.read_times(t)
    assert got[("lms", "12345")].when is None and "two different times" in got[("lms", "12345")].problem
    assert deadlines.iso(got[("lms", "222")].when) == "2026-03-01T10:00:00Z"          # the same instant twice


# ------------------------------------------------------------------ which edition (pooling / pooling_en)

NB_EN = {p.stem: p.read_bytes() for p in sorted((RELEASE.parent / "pooling_en").glob("*.ipynb"))}


@functools.cache
def _prints():
    return intake.edition_prints(ROOT)


def _shared_code(name):
    """The code cells (their text) both editions' release notebooks `name` hold."""
    def code(data):
        return {"".join(c["source"]) for c in json.loads(data)["cells"] if c["cell_type"] == "code"}
    return code(NB[name]) & code(NB_EN[name])


def _edited(data, name, only_shared_code=False):
    """A student's copy with every markdown cell rewritten (their own notes), and optionally with only
    the code cells both editions share (no `course.use_language("en")` cell, no translated comment):
    what no longer says the edition."""
    nb = json.loads(data)
    shared = _shared_code(name)
    nb["cells"] = [dict(c, source=f"my notes {i}") if c["cell_type"] == "markdown" else c
                   for i, c in enumerate(nb["cells"])
                   if not (only_shared_code and c["cell_type"] == "code" and "".join(c["source"]) not in shared)]
    return json.dumps(nb).encode()


# member -> (student, edition folder, what intake.csv's edition_reason says)
MIXED = {
    "zhao_li_11111_1_01_basics.ipynb": (NB["01_basics"], "s011", "pooling", "cells as in pooling's"),
    "zhao_li_11111_2_02_as_convolution.ipynb": (NB["02_as_convolution"], "s011", "pooling", "cells as in pooling's"),
    "smith_al_22222_3_01_basics (1).ipynb": (NB_EN["01_basics"], "s022", "pooling_en", "cells as in pooling_en's"),
    "smith_al_22222_4_my homework.ipynb": (NB_EN["02_as_convolution"], "s022", "pooling_en", "cells as in pooling_en's"),
    # its markdown rewritten: the English edition's code cells of its own (its language cell, its
    # translated comments) still say it
    "jones_bo_33333_5_01_basics.ipynb": (_edited(NB_EN["01_basics"], "01_basics"), "s033", "pooling_en",
                                         "cells as in pooling_en's"),
    # nothing left to tell: the student's other notebook decides
    "brown_cy_44444_6_01_basics.ipynb": (_edited(NB_EN["01_basics"], "01_basics", True), "s044", "pooling_en",
                                         "this one cannot be told"),
    "brown_cy_44444_7_02_as_convolution.ipynb": (NB_EN["02_as_convolution"], "s044", "pooling_en", "cells as in"),
    # nothing to tell at all: the rule, the default edition, flagged for a person
    "white_di_55555_8_01_basics.ipynb": (_edited(NB["01_basics"], "01_basics", True), "s055", "pooling",
                                         "the edition cannot be told"),
    # one notebook of each: split evenly, the default edition, flagged
    "green_ed_66666_9_01_basics.ipynb": (NB["01_basics"], "s066", "pooling", "split evenly (pooling 1, pooling_en 1)"),
    "green_ed_66666_10_03_cost.ipynb": (NB_EN["03_cost"], "s066", "pooling", "split evenly"),
    # a Chinese notebook of a student who already has an English folder (an earlier intake): both kept, flagged
    "ng_fa_77777_11_01_basics.ipynb": (NB["01_basics"], "s077", "pooling", "s077 already has pooling_en/"),
}


@slow_fixture(scope="module")
def mixed(tmp_path_factory):
    """A Canvas download of a class that mixes the editions, with a times file; intake run once (CLI)."""
    tmp = tmp_path_factory.mktemp("mixed")
    zpath = _canvas_zip(tmp / "submissions.zip", [(m, v[0]) for m, v in MIXED.items()])
    roster = tmp / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n" + "".join(
        f"\"S, {n}\",{n * 11111},u{n},s0{n}{n},A\n" for n in range(1, 8)), encoding="utf-8")
    times = tmp / "times.csv"
    times.write_text("ID,Submitted At\n22222,2026-03-01T15:59:00Z\n11111,2026-03-01T10:00:00Z\n", encoding="utf-8")
    before = hashlib.sha256(zpath.read_bytes()).hexdigest()
    dest = tmp / "submitted"
    (dest / "s077" / "pooling_en").mkdir(parents=True)
    (dest / "s077" / "pooling_en" / "01_basics.ipynb").write_bytes(b"earlier")
    status = cli.main(["intake", str(zpath), "--to", str(dest), "--roster", str(roster), "--times", str(times)])
    with open(dest / "intake.csv", newline="", encoding="utf-8") as f:
        record = {r["source"]: r for r in csv.DictReader(f)}
    return dict(zip=zpath, before=before, dest=dest, status=status, record=record)


@pytest.mark.parametrize("member", sorted(MIXED))
def test_each_notebook_goes_to_its_editions_folder(mixed, member):
    data, student, edition, reason = MIXED[member]
    row = mixed["record"][member]
    assert row["status"] == "placed" and row["student_id"] == student, row
    assert row["edition"] == edition and reason in row["edition_reason"], row
    assert ("check" in row["edition_reason"]) == (student in ("s055", "s066", "s077")), row   # a person decides
    target = mixed["dest"] / student / edition / f"{row['notebook']}.ipynb"
    assert target.read_bytes() == data                                       # never modified
    other = {"pooling": "pooling_en", "pooling_en": "pooling"}[edition]
    if student == "s077":                                                    # the earlier one, untouched
        assert (mixed["dest"] / student / other / "01_basics.ipynb").read_bytes() == b"earlier"
    else:
        assert not (mixed["dest"] / student / other).exists()                # one edition per student


def test_mixed_class_times_and_download_untouched(mixed, capsys):
    assert mixed["status"] == 0
    assert hashlib.sha256(mixed["zip"].read_bytes()).hexdigest() == mixed["before"]
    assert (mixed["dest"] / "s022" / "pooling_en" / "timestamp.txt").read_text() == "2026-03-01 15:59:00.000000 UTC\n"
    assert (mixed["dest"] / "s011" / "pooling" / "timestamp.txt").is_file()


@pytest.mark.parametrize("edition", ["pooling", "pooling_en"])
@pytest.mark.parametrize("notebook", sorted(NB))
def test_every_release_notebook_is_told_by_its_cells(edition, notebook):
    """Each edition's released notebooks, untouched, are recognised as that edition, by many cells."""
    votes = intake.detect_edition((NB if edition == "pooling" else NB_EN)[notebook], _prints())
    assert intake._leader(votes) == edition and votes[edition] >= 5, votes


@pytest.mark.parametrize("data", [b"", b"[]", b'{"cells": 3}', b'{"cells": [1, {"source": 5}]}', b"[" * 100000])
def test_edition_of_garbage_is_nobodys(data):
    assert intake.detect_edition(data, _prints()) == {}
