"""Plain `nbgrader autograde pooling` with the kit's config, on the hostile and malformed corpora.

Each corpus is autograded in a temporary copy of the course directory with its
own gradebook; the points must be identical to `autograder grade`'s, and
`nbgrader generate_feedback` must still work on the result.
"""
import pathlib
import subprocess

import pytest

import harness  # noqa: E402
import test_malformed  # noqa: E402

pytestmark = pytest.mark.slow


def _both(name):
    if name == "hostile":
        rows, out, server, res = harness.graded_hostile()
        subs = harness._BASE / "hostile_class"
    else:
        rows, out, res = test_malformed.graded_malformed()
        subs = test_malformed.malformed_class()
    assert res.returncode == 0, res.stderr[-2000:]
    course, gen, auto = harness.nbgrader_course(name, subs)
    assert gen.returncode == 0, gen.stderr[-3000:]
    return harness.points(rows), course, auto


@pytest.fixture(scope="module", params=["hostile", "malformed"])
def corpus(request):
    return (request.param,) + _both(request.param)


def test_autograde_succeeds_for_everyone(corpus):
    name, ours, course, auto = corpus
    assert auto.returncode == 0, auto.stderr[-3000:]
    students = {k[0] for k in ours}
    graded = {p.name for p in (course / "autograded").iterdir()}
    assert students <= graded


def test_identical_points(corpus):
    name, ours, course, auto = corpus
    theirs = harness.gradebook_points(course)
    submitted = {k for k in ours if (course / "submitted" / k[0] / "pooling" / f"{k[1]}.ipynb").exists()}
    assert submitted, "nothing compared"
    diffs = [(k, ours[k], theirs.get(k)) for k in sorted(submitted) if theirs.get(k) != ours[k]]
    assert diffs == []


def test_no_stderr_outputs_and_points_as_results(corpus):
    import nbformat
    name, ours, course, auto = corpus
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
    name, ours, course, auto = corpus
    nbg = str(pathlib.Path(harness.PY).parent / "nbgrader")
    res = subprocess.run([nbg, "generate_feedback", "pooling"], cwd=course, env=harness.env(),
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    pages = list((course / "feedback").rglob("*.html"))
    assert pages
    if name == "hostile":
        page = (course / "feedback" / "honest" / "pooling" / "01_basics.html").read_text(encoding="utf-8")
        assert "test_pool2d" in page
