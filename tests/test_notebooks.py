"""The five pooling notebooks, with real nbclient kernels and real nbgrader.

* every source notebook runs top to bottom in a fresh kernel without error;
* released notebooks run with errors only in the test cells of the unanswered stubs;
* ``nbgrader generate_assignment`` reproduces release/ (cell types and sources);
* ``nbgrader autograde`` gives the solutions full marks and the untouched release
  zero on the autograded cells (in a temporary copy of the course directory,
  with its own gradebook, using the repository's nbgrader_config.py as is);
* test-cell points equal the registry; the release leaks no solution, hidden
  test or rubric; the solutions agree with torch on random cases.

Each notebook is executed once per session (session-scoped fixtures), one kernel
at a time, from the test's own thread (see execute_all).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from support.slow import slow_fixture
import torch
import torch.nn.functional as F

from autograder.exercises import BY_NAME, EXERCISES as FUNCTIONS, NOTEBOOKS, PREAMBLE, functions_in
from autograder.core.totals import is_optional_cell, points_of
from conftest import RELEASE, ROOT, SOURCE, load_solution

EDITIONS = ("pooling", "pooling_en")     # the Chinese edition and the English one built from it (#25)
RELEASES = {e: ROOT / "release" / e for e in EDITIONS}

WRITTEN = {"02_as_convolution": ["answer_ex2", "answer_ex3a", "answer_ex3c"], "04_min_softmax": ["answer_ex4", "answer_ex5", "answer_ex6"]}
WRITTEN_POINTS = {"answer_ex2": 1, "answer_ex3a": 1, "answer_ex3c": 1, "answer_ex4": 2, "answer_ex5": 2, "answer_ex6": 2}
RUBRIC_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "autograder", "评分标准",
                  "Rubric", "rubric", "参考答案", "Model answer", "MARK SCHEME"]
POOL_CALL = re.compile(r"\b(?:F|nn|torch|functional|aten)\.[\w.]*pool\w*", re.IGNORECASE)


# ---------------------------------------------------------------- helpers

def kernel_env(extra_path=ROOT):
    """Environment for kernels and nbgrader: the repo importable, the venv's bin/ on PATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(extra_path)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Two kernels share two cores: one thread each avoids OpenMP spinning against each other.
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and m.get("grade") and not m.get("solution")


def is_answer_cell(cell):
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and m.get("solution") and not m.get("grade")


def execute(path, allow_errors):
    """Run a notebook in a fresh python3 kernel, in its own folder; return the executed notebook."""
    from support.kernels import SlicedClient     # nbclient's, without its 300 s stall (#21)

    nb = nbformat.read(path, as_version=4)
    client = SlicedClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                          resources={"metadata": {"path": str(pathlib.Path(path).parent)}})
    client.execute(env=kernel_env())
    return nb


def execute_all(paths, allow_errors):
    """Each notebook in a fresh kernel of its own, one after the other, from this thread.

    Not from a thread pool: the suite is CPU-bound (two kernels at once only share the same two
    cores), and two asyncio event loops in two threads driving ZeroMQ sockets are one suspect of
    the missed wake-ups that support.kernels makes cheap (pyzmq#1558 shows that pattern: a poll that
    returns its event only at its timeout)."""
    return {p.stem: execute(p, allow_errors) for p in paths}


def errors_of(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def source_paths():
    paths = sorted(SOURCE.glob("*.ipynb"))
    assert [p.stem for p in paths] == NOTEBOOKS
    return paths


@slow_fixture(scope="session")
def executed_source(source_paths):
    return execute_all(source_paths, allow_errors=False)


@slow_fixture(scope="session")
def executed_release():
    return execute_all(sorted(RELEASE.glob("*.ipynb")), allow_errors=True)


@slow_fixture(scope="session")
def executed_release_en():
    """The English edition's release notebooks, Run All (their first cell chooses English)."""
    return execute_all(sorted(RELEASES["pooling_en"].glob("*.ipynb")), allow_errors=True)


def make_course_copy(dest):
    """A throwaway nbgrader course directory: the repo's config, source/, and the kit's packages."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in ["source", "course", "autograder"]:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ["pyproject.toml"]:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)
    return dest


@slow_fixture(scope="session")
def graded_course(tmp_path_factory):
    """One course copy, generated once, with two students (the solutions / the untouched release),
    autograded together by one `nbgrader autograde`: ({student: course}, {student: autograde's log})."""
    with pytest.MonkeyPatch.context() as mp:      # session scope: no `monkeypatch` fixture here
        mp.syspath_prepend(str(ROOT / "examples"))
        from make_submissions import filled

    course = make_course_copy(tmp_path_factory.mktemp("nbgrader") / "course")
    env = kernel_env(course)
    run([sys.executable, "-m", "nbgrader", "generate_assignment", "pooling", "--force"], course, env)
    # the English edition's release, from the same course (#25)
    run([sys.executable, "-m", "nbgrader", "generate_assignment", "pooling_en", "--force"], course, env)
    students = ["solutions", "untouched"]
    for student in students:
        sub = course / "submitted" / student / "pooling"
        sub.mkdir(parents=True)
        for nb_path in sorted((course / "release" / "pooling").glob("*.ipynb")):
            if student == "solutions":
                nbformat.write(filled(nb_path.name), sub / nb_path.name)
            else:
                shutil.copy(nb_path, sub / nb_path.name)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "pooling", "--force"], cwd=course, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
    assert proc.returncode == 0, f"nbgrader autograde failed:\n{proc.stdout[-4000:]}"
    return {s: course for s in students}, {s: proc.stdout for s in students}


def autograded_scores(course, student):
    """{(notebook, grade_id): (score, max_score)} for the autograded code cells; the score is nbgrader's
    (auto_score plus extra credit: an optional cell is worth 0 and its points are extra credit)."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        for stem in NOTEBOOKS:
            nb = gb.find_submission_notebook(stem, "pooling", student)
            for grade in nb.grades:
                if grade.cell.cell_type == "code" and grade.auto_score is not None:
                    scores[stem, grade.name] = (grade.score, grade.max_score)
    return scores


# ---------------------------------------------------------------- static checks (fast)

@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_source_conventions(stem):
    nb = nbformat.read(SOURCE / f"{stem}.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    first_cell = (ROOT / "packaging" / "student" / "first_cell.py").read_text(encoding="utf-8")
    assert code[0].source.strip() == first_cell.strip(), "first code cell must make `import course` work"
    assert code[1].source.strip() == PREAMBLE.strip(), "second code cell must be the preamble"
    assert all(not c.outputs and c.execution_count is None for c in code), "source committed with outputs"

    answers = [c for c in nb.cells if is_answer_cell(c)]
    tests = [c for c in nb.cells if is_test_cell(c)]
    expected = [f.name for f in functions_in(stem)]
    assert [nbgrader_meta(c)["grade_id"] for c in answers] == [f"answer_{n}" for n in expected]
    assert [nbgrader_meta(c)["grade_id"] for c in tests] == [f"test_{n}" for n in expected]
    for name, answer in zip(expected, answers):
        i = nb.cells.index(answer)
        test = nb.cells[i + 1]
        assert nbgrader_meta(test)["grade_id"] == f"test_{name}", "test cell must follow its answer cell"
        assert test.source == (
            "### BEGIN HIDDEN TESTS\nfrom autograder.hidden import grade\n### END HIDDEN TESTS\n"
            f"from course import check\ncheck({name})\n"
            f"### BEGIN HIDDEN TESTS\ngrade({name})\n### END HIDDEN TESTS")
        assert nbgrader_meta(test)["locked"] is True
        assert nbgrader_meta(answer)["locked"] is False and nbgrader_meta(answer)["schema_version"] == 3
        assert re.search(rf"^def {name}\(", answer.source, re.M)
        assert "### BEGIN SOLUTION" in answer.source and "### END SOLUTION" in answer.source
        assert "评分程序只运行本笔记本的答案单元格" in answer.source
        if BY_NAME[name].forbid != "none":
            body = answer.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            assert not POOL_CALL.search(body), f"{name}: calls a torch pooling function"

    written = [c for c in nb.cells if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]
    assert [nbgrader_meta(c)["grade_id"] for c in written] == WRITTEN.get(stem, [])
    for c in written:
        m = nbgrader_meta(c)
        assert m["solution"] is True and points_of(c) == WRITTEN_POINTS[m["grade_id"]]
        assert "### BEGIN SOLUTION" in c.source and "评分标准" in c.source


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_points_match_registry(stem):
    for folder in (SOURCE, RELEASE):
        nb = nbformat.read(folder / f"{stem}.ipynb", as_version=4)
        # an optional cell is worth 0 to nbgrader; its points are the kit's metadata (autograder.core.totals)
        points = {nbgrader_meta(c)["grade_id"]: points_of(c) for c in nb.cells if is_test_cell(c)}
        assert points == {f.grade_id: f.points for f in functions_in(stem)}
        assert all(nbgrader_meta(c)["points"] == (0 if is_optional_cell(c) else points_of(c))
                   for c in nb.cells if nbgrader_meta(c).get("grade"))


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_release_leaks_nothing(stem, edition):
    text = (RELEASES[edition] / f"{stem}.ipynb").read_text(encoding="utf-8")
    for marker in RUBRIC_MARKERS:
        assert marker not in text, f"release/{edition}/{stem} contains {marker!r}"
    nb = nbformat.read(RELEASES[edition] / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        if is_answer_cell(cell):
            assert "raise NotImplementedError()" in cell.source
        if is_test_cell(cell):
            name = nbgrader_meta(cell)["grade_id"][len("test_"):]
            assert cell.source == f"from course import check\ncheck({name})"


def test_course_plots_has_no_solutions():
    text = (ROOT / "course" / "plots.py").read_text(encoding="utf-8")
    for f in FUNCTIONS:
        assert f"def {f.name}(" not in text


# ---------------------------------------------------------------- solutions against torch

def _random_setting(g):
    H, W = (int(v) for v in torch.randint(3, 10, (2,), generator=g))
    p = (int(torch.randint(1, min(H, 4) + 1, (1,), generator=g)), int(torch.randint(1, min(W, 4) + 1, (1,), generator=g)))
    s = (int(torch.randint(1, 4, (1,), generator=g)), int(torch.randint(1, 4, (1,), generator=g)))
    pad = (int(torch.randint(0, p[0] // 2 + 1, (1,), generator=g)), int(torch.randint(0, p[1] // 2 + 1, (1,), generator=g)))
    return H, W, p, s, pad


@pytest.fixture
def one_thread():
    """Small tensors: a single intra-op thread is faster and immune to a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_solutions_agree_with_torch(one_thread):
    sol = {f.name: load_solution(f.name) for f in FUNCTIONS}
    g = torch.Generator().manual_seed(1)
    for trial in range(30):
        H, W, p, s, pad = _random_setting(g)
        dtype = torch.float64 if trial % 2 else torch.float32
        X = torch.randn(2, 3, H, W, generator=g, dtype=dtype)
        if trial % 3 == 0:
            X = -X.abs() - 10          # all negative: padding must never win
        for stride in (s, None):
            args = (X, p, stride, pad)
            Y = F.max_pool2d(*args)
            assert torch.equal(sol["pool2d_padded"](*args), Y)
            torch.testing.assert_close(sol["pool2d_padded"](*args, mode="avg"), F.avg_pool2d(*args))
            torch.testing.assert_close(sol["avg_pool_as_conv"](*args), F.avg_pool2d(*args))
            assert torch.equal(sol["max_pool_as_conv"](*args), Y)
            assert torch.equal(sol["min_pool2d"](*args), -F.max_pool2d(-X, p, stride, pad))
            assert sol["pool_output_shape"](H, W, p, stride, pad) == tuple(Y.shape[-2:])
            grad_out = torch.randn(Y.shape, generator=g, dtype=dtype)
            for name, pool in [("max_pool2d_backward", F.max_pool2d), ("avg_pool2d_backward", F.avg_pool2d)]:
                Xr = X.clone().requires_grad_()
                pool(Xr, p, stride, pad).backward(grad_out)
                torch.testing.assert_close(sol[name](X, grad_out, p, stride, pad), Xr.grad)
        X2 = torch.randn(H, W, generator=g, dtype=dtype)
        for mode, pool in [("max", F.max_pool2d), ("avg", F.avg_pool2d)]:
            torch.testing.assert_close(sol["pool2d"](X2, p, mode), pool(X2[None, None], p, 1)[0, 0])
        torch.testing.assert_close(sol["max_pool_conv_relu"](X), F.max_pool2d(X, 2))
        k = 2 + trial % 3                               # k x k windows (d2l-en exercise 3c)
        if min(H, W) >= k:
            torch.testing.assert_close(sol["max_pool_conv_relu"](X, k), F.max_pool2d(X, k))
            torch.testing.assert_close(sol["max_pool_conv_relu"](X, (k, k)), F.max_pool2d(X, k))
    with pytest.raises(ValueError):
        sol["pool2d"](torch.zeros(3, 3), 2, "min")
    with pytest.raises(ValueError):
        sol["pool2d_padded"](torch.zeros(1, 1, 3, 3), 2, mode="sum")


def test_softmax_pooling_limits_and_stability(one_thread):
    softmax_pool2d = load_solution("softmax_pool2d")
    g = torch.Generator().manual_seed(2)
    X = torch.randn(2, 3, 6, 6, generator=g, dtype=torch.float64)
    windows = X.unfold(-2, 2, 2).unfold(-2, 2, 2).reshape(2, 3, 3, 3, 4)
    ref = (torch.softmax(windows / 0.7, dim=-1) * windows).sum(-1)
    torch.testing.assert_close(softmax_pool2d(X, 2, temperature=0.7), ref)
    torch.testing.assert_close(softmax_pool2d(X, 2, temperature=1e-3), F.max_pool2d(X, 2))
    torch.testing.assert_close(softmax_pool2d(X, 2, temperature=1e6), F.avg_pool2d(X, 2), atol=1e-5, rtol=0)
    big = 1e4 * torch.randn(1, 2, 6, 6, generator=g)
    for T in (1e-3, 1.0, 1e3):
        assert torch.isfinite(softmax_pool2d(big, 3, stride=1, temperature=T)).all()


def test_conv_relu_counts_match_the_network_built():
    """The graded counts are those of the network the bonus solution actually builds: count its
    convolutions and the widest output, by recording F.conv2d's calls."""
    import unittest.mock
    max_pool_conv_relu = load_solution("max_pool_conv_relu")
    counts = load_solution("conv_relu_counts")
    from autograder.exercises.references import conv_relu_counts
    assert counts(2) == (3, 6) and counts(3) == (5, 14)
    for k in (1, 2, 3, 4, 5, (2, 3), (1, 4)):
        assert counts(k) == conv_relu_counts(k)
        X = torch.randn(1, 1, 10, 12)
        widths = []
        real = F.conv2d

        def spy(inp, weight, *a, **kw):
            widths.append(weight.shape[0])
            return real(inp, weight, *a, **kw)
        with unittest.mock.patch.object(F, "conv2d", spy):
            Y = max_pool_conv_relu(X, k)
        torch.testing.assert_close(Y, F.max_pool2d(X, k))
        assert (len(widths), max(widths)) == counts(k), (k, widths)


def test_cost_convention_by_counting():
    """pool_cost equals the operations a counting loop performs, also where PyTorch refuses the padding."""
    pool_cost = load_solution("pool_cost")

    def counted(c, h, w, p, s, pad, mode):
        ops = 0
        for _ in range(c):
            r = 0
            while r + p[0] <= h + 2 * pad[0]:
                q = 0
                while q + p[1] <= w + 2 * pad[1]:
                    ops += p[0] * p[1] - 1 + (mode == "avg")
                    q += s[1]
                r += s[0]
        return ops

    for c, h, w, p, s in [(3, 7, 7, (2, 2), (2, 2)), (2, 5, 8, (3, 2), (1, 3)), (1, 4, 4, (4, 4), (1, 1))]:
        for pad in [(0, 0), (p[0] // 2, p[1] // 2), p]:      # the exercise's own setting: padding = window
            for mode in ("max", "avg"):
                assert pool_cost(c, h, w, p, s, pad, mode) == counted(c, h, w, p, s, pad, mode)
    with pytest.raises(ValueError):
        pool_cost(1, 4, 4, 2, 2, 0, "median")


# ---------------------------------------------------------------- executing notebooks

@pytest.mark.slow
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_source_runs_without_error(executed_source, stem):
    nb = executed_source[stem]
    for i, cell in enumerate(nb.cells):
        assert not errors_of(cell), f"{stem} cell {i} raised"
        if is_test_cell(cell):
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert results, f"{stem} cell {i}: grade() returned nothing"
            name = nbgrader_meta(cell)["grade_id"][len("test_"):]
            assert float(results[-1].data["text/plain"]) == BY_NAME[name].points, f"{stem}: {name} not full marks"
            assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]


# What an untouched release notebook's self-check says, per edition: the Chinese edition in Chinese
# with English beside, the English edition (course.use_language("en") in its first cell) in English only.
RUN_ALL_WORDS = {
    "pooling": {"failed": "✗ {name}: 检查未通过，原因见上 / check failed, see the report above",
                "shown": ["函数尚未实现 / The function is not implemented yet"],
                "attempt": ["先完成上面的函数", "finish the function above first"]},
    "pooling_en": {"failed": "✗ {name}: check failed, see the report above",
                   "shown": ["The function is not implemented yet"],
                   "attempt": ["finish the function above first"]},
}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.slow
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_release_runs_all_to_the_end(request, edition, stem):
    """Run All on an untouched release notebook completes (#15): no cell raises, so the later
    figures and widgets run; each test cell shows its check's report (not implemented) and one
    short stderr line, which makes nbgrader validate fail it, and no traceback repeats the report.
    The English edition's self-check speaks English only (#25)."""
    nb = request.getfixturevalue("executed_release" if edition == "pooling" else "executed_release_en")[stem]
    words = RUN_ALL_WORDS[edition]
    failing = [i for i, c in enumerate(nb.cells) if errors_of(c)]
    assert not failing, f"{stem}: cells raised: {[(i, errors_of(nb.cells[i])[0].ename) for i in failing]}"
    tests = [c for c in nb.cells if is_test_cell(c)]
    assert tests
    for cell in tests:
        name = nbgrader_meta(cell)["grade_id"][len("test_"):]
        stderr = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
        assert stderr.strip() == words["failed"].format(name=name), stderr
        shown = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs
                        if o.output_type == "display_data")
        assert all(w in shown for w in words["shown"]), shown
        assert "Traceback" not in stderr + shown
        if edition == "pooling_en":
            assert not HAN.search(stderr + shown), (stem, name, stderr + shown)
    for cell in nb.cells:
        if cell.cell_type == "code" and "with attempt():" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert all(w in text for w in words["attempt"]), (stem, cell.source, text)
            if edition == "pooling_en":
                assert "先完成上面的函数" not in text, (stem, text)
    if edition == "pooling_en":        # every line the notebook prints is in English (labels via course.language.say)
        printed = [(i, o.get("text", "")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream"]
        assert not [(i, t) for i, t in printed if HAN.search(t)], [(i, t[:200]) for i, t in printed if HAN.search(t)]


@pytest.mark.slow
def test_nbgrader_validate_sees_failures_without_tracebacks(tmp_path, monkeypatch):
    """`nbgrader validate` fails an untouched release notebook (the check's stderr line fails its
    test cells) and passes a finished one, although no check raises."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    from make_submissions import filled
    untouched = tmp_path / "untouched" / "01_basics.ipynb"
    untouched.parent.mkdir()
    shutil.copy(RELEASE / "01_basics.ipynb", untouched)
    finished = tmp_path / "finished" / "01_basics.ipynb"
    finished.parent.mkdir()
    nbformat.write(filled("01_basics.ipynb"), finished)
    # One `nbgrader validate` for both (it validates its arguments in order, each in a fresh kernel
    # started in the notebook's own folder): the untouched notebook's report comes first on stdout,
    # then the finished one's, so the report is split where the second begins. Its kernel client
    # waits in slices (support.kernels): on a busy machine nbclient's wait for a cell's reply could
    # otherwise miss its wake-up and last the cell's whole timeout (30 s for nbgrader) before going on.
    env = kernel_env()
    env["PYTHONPATH"] += os.pathsep + str(ROOT / "tests")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(untouched), str(finished),
                           "--AsyncKernelManager.client_class=support.kernels.SlicedKernelClient"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    validated = re.findall(r"Validating '([^']+)'", proc.stderr)
    assert validated == [str(untouched), str(finished)], log[-3000:]
    failed, success = "VALIDATION FAILED ON 2 CELL(S)", "Success! Your notebook passes all the tests."
    assert proc.stdout.count(failed) == 1 and proc.stdout.count(success) == 1, log[-3000:]
    outs = {"untouched": proc.stdout[:proc.stdout.index(success)],
            "finished": proc.stdout[proc.stdout.index(success):]}
    assert "VALIDATION FAILED" not in outs["finished"] and not outs["finished"].strip().replace(success, ""), log[-3000:]
    assert failed in outs["untouched"], outs["untouched"][-3000:]
    assert "check failed, see the report above" in outs["untouched"]
    assert "Traceback" not in log


# ---------------------------------------------------------------- real nbgrader

@pytest.mark.slow
@pytest.mark.parametrize("edition", EDITIONS)
def test_generate_assignment_reproduces_release(graded_course, edition):
    courses, _ = graded_course
    generated = courses["solutions"] / "release" / edition
    release = RELEASES[edition]
    assert sorted(p.name for p in generated.glob("*.ipynb")) == sorted(p.name for p in release.glob("*.ipynb"))
    assert sorted(p.name for p in release.glob("*.ipynb"))
    for path in sorted(release.glob("*.ipynb")):
        ours = nbformat.read(path, as_version=4)
        fresh = nbformat.read(generated / path.name, as_version=4)
        assert [(c.cell_type, c.source) for c in ours.cells] == [(c.cell_type, c.source) for c in fresh.cells], (
            f"release/{edition}/{path.name} is stale: run `make release`")


@pytest.mark.slow
def test_autograde_gives_solutions_full_marks(graded_course):
    courses, logs = graded_course
    scores = autograded_scores(courses["solutions"], "solutions")
    expected = {(f.notebook, f.grade_id): (float(f.points), 0.0 if f.optional else float(f.points))
                for f in FUNCTIONS}
    assert set(scores) == set(expected)
    wrong = {k: v for k, v in scores.items() if v != expected[k]}
    assert not wrong, f"solutions lost points: {wrong}\n{logs['solutions'][-3000:]}"


@pytest.mark.slow
def test_autograde_gives_untouched_release_zero(graded_course):
    courses, logs = graded_course
    scores = autograded_scores(courses["untouched"], "untouched")
    assert set(scores) == {(f.notebook, f.grade_id) for f in FUNCTIONS}
    assert all(score == 0 for score, _ in scores.values()), scores


def test_example_submissions_are_current(tmp_path, monkeypatch):
    """examples/submitted/ is exactly what examples/make_submissions.py builds from release/ and source/."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    from make_submissions import build
    out = build(tmp_path / "submitted")
    committed = ROOT / "examples" / "submitted"
    ours = sorted(p.relative_to(out) for p in out.rglob("*.ipynb"))
    assert ours == sorted(p.relative_to(committed) for p in committed.rglob("*.ipynb"))
    for rel in ours:
        assert (out / rel).read_bytes() == (committed / rel).read_bytes(), f"examples/submitted/{rel} is stale"


# ---------------------------------------------------------------- #15: the content corrections

def _markdown(stem):
    nb = nbformat.read(SOURCE / f"{stem}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _code(stem):
    nb = nbformat.read(SOURCE / f"{stem}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_content_corrections():
    """The six corrections of #15 stay corrected."""
    basics, conv, cost = _markdown("01_basics"), _markdown("02_as_convolution"), _markdown("03_cost")
    # 1. pooling's two purposes: less sensitivity to location, and spatial downsampling
    assert "以及对表示进行空间降采样" in basics
    assert basics.count("降低对空间降采样表示的敏感性") == 1 and "是误译" in basics   # quoted only to correct it
    # 2. PyTorch's padding rule is sufficient, not necessary; no false justification
    assert "否则角上的窗口会完全落在填充里" not in cost
    assert "充分条件" in cost and "不是必要条件" in cost
    assert "nn.MaxPool2d(3, stride=1, padding=2)" in _code("03_cost")
    # 3. the community formula's problems are counted right
    assert "它有三个问题" not in cost and "它有四个问题" in cost
    # 4. the one-hot convolution is exact for finite inputs only, and says so
    assert "对**有限**的输入，one-hot 卷积是精确的" in conv and "math.inf" in _code("02_as_convolution")
    assert "对有限的输入，结果要与" in conv
    # 5. no claim that max pooling adds nothing; the affine case (nn.Conv2d's bias) is ruled out
    assert "最大汇聚层并没有增加网络的表达能力" not in conv
    assert "仿射" in conv and "偏置" in conv
    # 6. the edge figure draws 0 black and 1 white, as the text says
    import inspect
    from course import plots
    assert plots.IMAGE == {"cmap": "gray", "vmin": 0.0, "vmax": 1.0}
    assert "IMAGE" in inspect.getsource(plots.translation_figure)
    assert "0 黑，1 白" in basics


def test_translation_figure_draws_zero_black():
    """Render the edge example: a 0 pixel of X is dark, a 1 pixel light."""
    import matplotlib
    matplotlib.use("Agg")
    from course import plots
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    top, bottom = plots.translation_figure(X, X, X[:, :7], X[:, :7], X[:3, :4], X[:3, :4])
    image = top.axes[0].images[0]
    rgba = image.cmap(image.norm(0.0)), image.cmap(image.norm(1.0))
    assert sum(rgba[0][:3]) < 0.1 and sum(rgba[1][:3]) > 2.9


def test_cost_plot_labels_do_not_overlap():
    """The cost plot's size labels (e.g. 4×32×32 and 8×48×48) never overlap each other."""
    import matplotlib
    matplotlib.use("Agg")
    from course import plots
    sizes = [(4, 32), (8, 48), (8, 64), (16, 64), (16, 96), (16, 128)]
    predicted = [c * n * n * 8 for c, n in sizes]
    seconds = [3e-5, 4e-5, 7e-5, 1.3e-4, 2.9e-4, 5.1e-4]
    fig = plots.cost_vs_time(predicted, seconds, [f"{c}×{n}×{n}" for c, n in sizes])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert len(boxes) == len(sizes)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (i, j)


def test_cost_measurement_is_median_of_repeats_with_fixed_threads():
    """03 and 04 time with one helper, course.timing.median_seconds: warm-up, one thread, median."""
    for stem in ("03_cost", "04_min_softmax"):
        assert "from course.timing import median_seconds" in _code(stem), stem
    helper = (ROOT / "course" / "timing.py").read_text(encoding="utf-8")
    assert "statistics.median" in helper and "torch.set_num_threads(1)" in helper
    md = _markdown("03_cost")
    for word in ("可分离", "van Herk", "积分图", "summed-area table"):
        assert word in md
