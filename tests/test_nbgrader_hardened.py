"""Plain `nbgrader autograde pooling` with the kit's config, on the hostile and malformed corpora.

Both corpora are autograded together in one temporary copy of the course directory with its own
gradebook (their student names are disjoint: ``honest``, ``hostile_*`` and ``m_*``), so the
assignment is generated once and nbgrader started once; each corpus's points must be identical to
`autograder grade`'s, and `nbgrader generate_feedback` must still work on the result. The tests run
once per corpus, each on its own students.
"""
import pathlib
import shutil
import subprocess

import pytest

import harness  # noqa: E402
import test_malformed  # noqa: E402
from support.slow import slow_fixture

pytestmark = pytest.mark.slow


def _graded(name):
    """`autograder grade`'s rows and the submissions folder of one corpus (graded once per process)."""
    if name == "hostile":
        rows, out, server, res = harness.graded_hostile()
        subs = harness._BASE / "hostile_class"
    else:
        rows, out, res = test_malformed.graded_malformed()
        subs = test_malformed.malformed_class()
    assert res.returncode == 0, res.stderr[-2000:]
    return harness.points(rows), subs


@slow_fixture(scope="module")
def course():
    """One nbgrader course holding both corpora: autograded, then generate_feedback."""
    ours, both = {}, harness._BASE / "hardened_class"
    for name in ("hostile", "malformed"):
        ours[name], subs = _graded(name)
        for student in subs.iterdir():
            assert not (both / student.name).exists(), f"a student in two corpora: {student.name}"
            shutil.copytree(student, both / student.name)
    course, gen, auto = harness.nbgrader_course("hardened", both)
    assert gen.returncode == 0, gen.stderr[-3000:]
    feedback = None
    if auto.returncode == 0:       # (test_autograde_succeeds_for_everyone says why not)
        nbg = str(pathlib.Path(harness.PY).parent / "nbgrader")
        feedback = subprocess.run([nbg, "generate_feedback", "pooling"], cwd=course, env=harness.env(),
                                  capture_output=True, text=True, timeout=900)
    return ours, course, auto, feedback


@pytest.fixture(params=["hostile", "malformed"])
def corpus(request, course):
    ours, course_dir, auto, feedback = course
    return request.param, ours[request.param], course_dir, auto, feedback


def test_autograde_succeeds_for_everyone(corpus):
    name, ours, course, auto, _ = corpus
    assert auto.returncode == 0, auto.stderr[-3000:]
    students = {k[0] for k in ours}
    graded = {p.name for p in (course / "autograded").iterdir()}
    assert students <= graded


def test_identical_points(corpus):
    name, ours, course, auto, _ = corpus
    theirs = harness.gradebook_points(course)
    submitted = {k for k in ours if (course / "submitted" / k[0] / "pooling" / f"{k[1]}.ipynb").exists()}
    assert submitted, "nothing compared"
    diffs = [(k, ours[k], theirs.get(k)) for k in sorted(submitted) if theirs.get(k) != ours[k]]
    assert diffs == []


def test_no_stderr_outputs_and_points_as_results(corpus):
    import nbformat
    name, ours, course, auto, _ = corpus
    nb = nbformat.read(course / "autograded" / "honest" / "pooling" / "01_basics.ipynb", as_version=4) \
        if name == "hostile" else None
    if nb is None:
        pytest.skip("honest notebook is in the hostile corpus")
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith("test_"):
            kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
            assert ("stream", "stderr") not in kinds
            assert any(k[0] == "execute_result" for k in kinds)


def test_generate_feedback_works(corpus):
    name, ours, course, auto, feedback = corpus
    assert feedback is not None and feedback.returncode == 0, feedback and feedback.stderr[-3000:]
    students = {k[0] for k in ours}
    pages = [p for p in (course / "feedback").rglob("*.html") if p.relative_to(course / "feedback").parts[0] in students]
    assert pages
    if name == "hostile":
        page = (course / "feedback" / "honest" / "pooling" / "01_basics.html").read_text(encoding="utf-8")
        assert "test_pool2d" in page
