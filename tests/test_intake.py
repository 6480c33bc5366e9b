"""``autograder intake``: a Canvas-style zip (renamed files, a LATE marker, resubmission suffixes,
unsafe members: zip slip, absolute path, a link, a bomb, a duplicate name), a Moodle-style folder
and a folder per student id, into nbgrader's layout; the input is never modified and nothing is
overwritten. Cheap: the notebooks are the released ones (matched by name); one is matched by
content (renamed by its student)."""
import csv
import hashlib
import os
import pathlib
import stat
import zipfile

import pytest

from autograder import cli, intake
from conftest import RELEASE
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
