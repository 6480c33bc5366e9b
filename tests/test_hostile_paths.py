"""Files are what they seem: links, hard links, FIFOs and odd layouts, through both graders.

One class (tests/hostile/paths/classes.py) is graded by `autograder grade`
and, built straight into a course's submitted/ folder, by `nbgrader
autograde` + `nbgrader generate_feedback`. The honest student keeps full
marks; every attacker gets 0 (invalid, the link named); nothing from
source/ lands in autograded/, feedback/ or the grader's output; a plain copy
of the source notebook keeps its points and is flagged `solution_copy`;
layout problems are named on stderr (or nbgrader's log).
"""
import json
import os
import pathlib
import signal

import pytest

from support.slow import slow_fixture

import classes  # noqa: E402
import harness  # noqa: E402

from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook  # noqa: E402
from autograder.core.course_dir import release_dir, source_dir  # noqa: E402
from autograder.pipeline.check_integrity import SOLUTION_COPY, CheckIntegrity  # noqa: E402
from autograder.pipeline.find_submissions import find_submissions  # noqa: E402
from autograder.pipeline import open_submission  # noqa: E402
from autograder.pipeline.open_submission import LINK, SPECIAL, RefusedPath  # noqa: E402

HONEST = ("honest", classes.LINKED_DATA, "copier")
FULL = {"test_pool2d": 2.0, "test_pool2d_padded": 3.0}


@pytest.fixture
def no_hang():
    """A read that blocks (a FIFO opened for reading) fails the test instead of hanging it."""
    def alarm(*_):
        raise TimeoutError("blocked: a read of the submission hung")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------ the one checked open

@pytest.fixture
def tree(tmp_path):
    """root/ with a regular notebook, a symlink, a hard link, a FIFO and a linked folder; outside/ beside it."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "s" / "pooling").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (root / "s" / "pooling" / "ok.ipynb").write_text('{"cells": []}', encoding="utf-8")
    os.symlink(outside / "secret.ipynb", root / "s" / "pooling" / "sym.ipynb")
    os.link(outside / "secret.ipynb", root / "s" / "pooling" / "hard.ipynb")
    os.mkfifo(root / "s" / "pooling" / "fifo.ipynb")
    os.symlink(outside, root / "s" / "linked")
    return root, outside


def test_regular_file_is_read(tree):
    root, _ = tree
    assert open_submission.read_bytes(root / "s" / "pooling" / "ok.ipynb", root) == b'{"cells": []}'


@pytest.mark.parametrize("name, flag, words", [
    ("sym.ipynb", LINK, "link: s/pooling/sym.ipynb"),
    ("hard.ipynb", LINK, "hard link: s/pooling/hard.ipynb (2 names)"),
    ("fifo.ipynb", SPECIAL, "(FIFO): s/pooling/fifo.ipynb"),
])
def test_links_and_special_files_are_refused(tree, no_hang, name, flag, words):
    root, _ = tree
    with pytest.raises(RefusedPath) as e:
        open_submission.read_bytes(root / "s" / "pooling" / name, root)
    assert e.value.flag == flag and words in str(e.value)
    with pytest.raises(InvalidNotebook) as e:
        ReadNotebook().read(str(root / "s" / "pooling" / name), str(root))
    assert e.value.flag == flag and "/" in str(e.value)


def test_a_link_in_a_parent_component_is_refused(tree):
    root, _ = tree
    with pytest.raises(RefusedPath, match="link: s/linked"):
        open_submission.read_bytes(root / "s" / "linked" / "secret.ipynb", root)


def test_the_root_itself_may_be_a_link(tree, tmp_path):
    root, _ = tree
    os.symlink(root, tmp_path / "alias")
    assert open_submission.read_bytes(tmp_path / "alias" / "s" / "pooling" / "ok.ipynb", tmp_path / "alias")


def test_paths_outside_the_root_are_refused(tree):
    root, outside = tree
    with pytest.raises(RefusedPath, match="outside"):
        open_submission.read_bytes(root / ".." / "outside" / "secret.ipynb", root)


def test_a_file_swapped_after_the_check_is_refused(tree, monkeypatch):
    """TOCTOU: the lstat saw a regular file; by the open it is a link, or another file."""
    root, outside = tree
    pdir = root / "s" / "pooling"
    seen = os.lstat(pdir / "ok.ipynb")
    monkeypatch.setattr(open_submission, "_lstat", lambda dfd, name: seen)
    dfd = os.open(pdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(RefusedPath, match="link"):          # O_NOFOLLOW: ELOOP
            open_submission.step_file(dfd, "sym.ipynb", "s/pooling/sym.ipynb")
        (pdir / "other.ipynb").write_text("{}", encoding="utf-8")
        with pytest.raises(RefusedPath, match="link"):          # another inode than the one checked
            open_submission.step_file(dfd, "other.ipynb", "s/pooling/other.ipynb")
    finally:
        os.close(dfd)


def test_dask_payload_carries_the_refusal(tree):
    from autograder.run.backends.dask import _payload
    from autograder.pipeline.find_submissions import Submission
    root, _ = tree
    sub = Submission("s", {"01_basics": str(root / "s" / "pooling" / "sym.ipynb"), "02_as_convolution": None},
                     str(root))
    sent = json.loads(json.dumps(_payload(sub)))                # what crosses the wire is JSON-able
    with pytest.raises(InvalidNotebook) as e:
        ReadNotebook().read(sent["notebooks"]["01_basics"])
    assert e.value.flag == LINK and "s/pooling/sym.ipynb" in str(e.value)


# ------------------------------------------------------------------ discovery and flags (no grading)

def test_discovery_never_looks_through_links_and_names_layout_problems(tmp_path, no_hang):
    subs = classes.build(tmp_path / "subs", tmp_path / "outside", harness.SOURCE)
    said = []
    found, mode = find_submissions(subs, warn=said.append)
    assert mode == "course"
    by_id = {s.student_id: s for s in found}
    assert set(classes.ATTACKS) | set(HONEST) | set(classes.LAYOUT) <= set(by_id)
    assert by_id["link_student"].notebooks["01_basics"].endswith("link_student/pooling/01_basics.ipynb")
    for student, folder in classes.LAYOUT.items():
        assert any(student in m and (folder or "01_basics.ipynb") in m for m in said), (student, said)
        assert by_id[student].note and all(p is None for p in by_id[student].notebooks.values())


def test_solution_copy_flag_is_a_reusable_function():
    check = CheckIntegrity(source_dir(harness.ROOT), release_dir(harness.ROOT))

    def integrity_flags(nb, notebook):
        return check.flags(nb, notebook)

    reader = ReadNotebook()
    copy = reader.normalise(harness.source_nb())
    own = reader.normalise(classes.honest_notebook())
    released = reader.normalise(json.loads((harness.ROOT / "release" / "pooling" / classes.NB).read_text("utf-8")))
    assert integrity_flags(copy, "01_basics") == [SOLUTION_COPY]
    assert integrity_flags(own, "01_basics") == [] and integrity_flags(released, "01_basics") == []
    # Re-indented and re-wrapped, it is still the same text.
    for c in copy["cells"]:
        c["source"] = c["source"].replace("    ", "\t").replace(" = ", "=")
    assert integrity_flags(copy, "01_basics") == [SOLUTION_COPY]


# ------------------------------------------------------------------ autograder grade

@slow_fixture(scope="module")
def cli_graded():
    base = harness._BASE / "paths_cli"
    subs = classes.build(base / "subs", base / "outside", harness.SOURCE)
    out = base / "out"
    res = harness.run_cli(subs, out, *harness.WORKERS, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return harness.read_grades(out), out, res


def _rows(rows, student, notebook="01_basics"):
    return [r for r in rows if r["student_id"] == student and r["notebook"] == notebook]


@pytest.mark.slow
def test_cli_honest_students_keep_full_marks(cli_graded):
    rows, _, _ = cli_graded
    for student in HONEST:
        got = {r["grade_id"]: float(r["points"]) for r in _rows(rows, student)}
        assert got == FULL, student


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(classes.ATTACKS))
def test_cli_attackers_gain_nothing(cli_graded, student):
    rows, _, _ = cli_graded
    mine = [r for r in rows if r["student_id"] == student]
    assert mine and all(float(r["points"]) == 0 for r in mine), classes.ATTACKS[student]
    basics = _rows(rows, student)
    assert basics and all(r["status"] == "invalid" for r in basics)
    expected = {"link_assignment": "link: link_assignment/pooling",
                "link_notebook": "link: link_notebook/pooling/01_basics.ipynb",
                "hardlink_notebook": "hard link: hardlink_notebook/pooling/01_basics.ipynb",
                "link_student": "link: link_student",
                "link_parent": "link: link_parent/pooling",
                "fifo_notebook": "not a regular file (FIFO): fifo_notebook/pooling/01_basics.ipynb"}[student]
    assert all(expected in r["message"] and "/" in r["message"] for r in basics)
    assert all(r["flags"] == (SPECIAL if student == "fifo_notebook" else LINK) for r in basics)


@pytest.mark.slow
def test_cli_flags_a_plain_copy_of_the_source(cli_graded):
    rows, _, _ = cli_graded
    assert {r["flags"] for r in _rows(rows, "copier")} == {SOLUTION_COPY}
    assert {r["flags"] for r in _rows(rows, "honest")} == {""}
    assert {r["flags"] for r in _rows(rows, classes.LINKED_DATA)} == {""}


@pytest.mark.slow
def test_cli_names_layout_problems_on_stderr(cli_graded):
    rows, _, res = cli_graded
    for student, folder in classes.LAYOUT.items():
        lines = [ln for ln in res.stderr.splitlines() if "WARNING" in ln and student in ln]
        assert lines and (folder or "01_basics.ipynb") in lines[0], (student, res.stderr[-2000:])
        assert _rows(rows, student) and all("layout" in r["message"] for r in _rows(rows, student))


@pytest.mark.slow
def test_cli_outputs_hold_no_solution(cli_graded):
    """No output holds the solution, but the instructor's own records of each answer cell as
    submitted (results.jsonl and the cache, DIR/.cache: the integrity analysis reads them), where a
    copier's cells are their copy of the source. Neither is among the files a student gets back
    (DIR/students/)."""
    _, out, _ = cli_graded
    records = {out / "results.jsonl", *(out / ".cache").rglob("*")}
    assert not any(p.is_relative_to(out / "students") for p in records)
    for p in out.rglob("*"):
        if p.is_file() and p not in records:
            text = p.read_text("utf-8", "replace")
            assert not any(s in text for s in classes.SOLUTION_ONLY), p


# ------------------------------------------------------------------ nbgrader autograde + generate_feedback

@slow_fixture(scope="module")
def nbgrader_graded():
    course, gen, auto, feedback = classes.nbgrader_course(harness._BASE / "paths_nbgrader")
    assert gen.returncode == 0, gen.stderr[-3000:]
    return course, auto, feedback


@pytest.mark.slow
def test_nbgrader_runs_to_the_end(nbgrader_graded):
    course, auto, feedback = nbgrader_graded
    assert auto.returncode == 0, auto.stderr[-3000:]
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    assert (course / "feedback" / "honest" / "pooling" / "01_basics.html").is_file()


@pytest.mark.slow
def test_nbgrader_points(nbgrader_graded, cli_graded):
    course, _, _ = nbgrader_graded
    theirs = harness.gradebook_points(course)
    for student in HONEST:
        assert {k[2]: v for k, v in theirs.items() if k[:2] == (student, "01_basics")} == FULL, student
    for student in classes.ATTACKS:
        mine = {k: v for k, v in theirs.items() if k[0] == student}
        assert mine and all(v == 0 for v in mine.values()), (student, mine)
    ours = harness.points([r for r in cli_graded[0] if r["student_id"] in set(HONEST) | set(classes.ATTACKS)])
    same = {k: v for k, v in theirs.items() if k in ours}
    assert same and all(ours[k] == v for k, v in same.items())


@pytest.mark.slow
def test_nothing_from_source_lands_in_autograded_or_feedback(nbgrader_graded):
    course, _, _ = nbgrader_graded
    for step in ("autograded", "feedback"):
        for dirpath, dirnames, filenames in os.walk(course / step):
            for name in dirnames + filenames:
                p = pathlib.Path(dirpath) / name
                assert not p.is_symlink(), p
                if p.is_file():
                    assert os.lstat(p).st_nlink == 1, p
                    if "copier" in p.parts:                  # a plain copy holds what it copied
                        continue
                    text = p.read_text("utf-8", "replace")
                    assert not any(s in text for s in classes.SOLUTION_ONLY), p
        assert not (course / step / classes.LINKED_DATA / "pooling" / "data.txt").exists()
        # nbgrader adds the instructor's released files (the student wheel) to every student's folder:
        # theirs, not the link's target.
        released = {p.name for p in (course / "release" / "pooling").iterdir() if p.suffix != ".ipynb"}
        for student in ("link_assignment", "link_student", "link_parent"):
            extra = [p.name for p in (course / step / student / "pooling").iterdir()
                     if not p.name.startswith("01_basics") and p.suffix not in (".ipynb", ".html")
                     and p.name not in released]
            assert extra == [], (step, student, extra)


@pytest.mark.slow
def test_nbgrader_logs_links_layout_and_flags(nbgrader_graded):
    _, auto, _ = nbgrader_graded
    log = auto.stdout + auto.stderr
    assert "data.txt" in log and "link_notebook/pooling/01_basics.ipynb" in log
    assert "integrity flag solution_copy: copier" in log
    for student in classes.LAYOUT:
        assert any("WARNING" in ln and student in ln for ln in log.splitlines()), student
