"""Hostile return values and error text, pushed through `autograder grade` (tests/hostile/values/).

Two kinds of attack, each a `pool2d` answer of 01_basics beside an honest student:

* ``record_*``: the function remembers every hidden input it is called with and
  tries to carry them all onto the feedback -- in its error message, a growing
  exception chain or type name, printed output, a returned string or object, the
  values of a returned tensor, or forged op names. The feedback page,
  results.json and grades.csv may show at most ONE hidden case (the one the
  suite shows) and stay short.
* ``stride0_*`` / ``forged_*`` / ``json_bomb``: returned values that lie about
  their size (a zero stride over 4 bytes posing as 2^29 elements, huge shapes
  over tiny buffers, negative strides, offsets past the buffer, 300,000 JSON
  values). The call is marked invalid and the trusted process stays small.
* ``shape_*``: ``pool_output_shape`` answers (03_cost) returning empty tensors
  with 2^24 rows: no element to cap, but a judge that turned them into a list
  would make 2^24 of them. A wrong type, and the trusted process stays small.

The CLI runs once, with ``--workers 1`` so the grading happens in the CLI
process itself, whose peak RSS a wrapper reports. The attacks that must reach
into the child's internals (``forged_*`` rewrite its reply, ``record_ops``
writes into its op recorder) use frame and dispatch-mode introspection, which
the parent's static check refuses before running anything; they are run here
as a submission that evaded that check would be: straight through a sandbox
session, the suite and its replay, in a process whose peak RSS is measured.
"""
import json
import pathlib
import re
import subprocess
import sys

import pytest

from support.slow import slow_fixture

import harness  # noqa: E402
from conftest import SOURCE, answer_cells

VALUES = harness.HERE / "values"
CASES = sorted(p.stem for p in VALUES.glob("*.py") if not p.stem.startswith("_"))
RECORD = [c for c in CASES if c.startswith("record_")]
LYING = [c for c in CASES if c.startswith(("stride0_", "forged_", "json_"))]
TAMPERING = [c for c in CASES if c.startswith("forged_") or c == "record_ops"]   # run through a session
SHAPES = [c for c in CASES if c.startswith("shape_")]     # pool_output_shape answers, run through a session
SESSION = TAMPERING + SHAPES
CLI = [c for c in CASES if c not in SESSION]
PAGE_LIMIT = 16_000            # characters of one feedback page (two functions) at most, pictures aside
PICTURE_LIMIT = 150_000        # characters of one inline picture of a failing case (base64 PNG)
RESULTS_LIMIT = 40_000         # characters of one results.json
MESSAGE_LIMIT = 300            # characters of a grades.csv message


@pytest.fixture(scope="module")
def rss_bounds():
    """(parent, tree): the peak RSS the trusted grading process, and any process it started
    (zygote, children), may reach. Measured once, by the tests that assert them (not at collection,
    which every pytest process of the suite does): a fresh interpreter that imports torch and the
    grader is what the build costs before any submission (about 0.4 GiB for the CPU wheel, more for
    PyPI's CUDA wheel). What hostile values may add on top of it: the bounds held 1 GiB / 1.5 GiB
    with the CPU wheel, so the same headroom is kept whatever the build."""
    out = subprocess.run([sys.executable, "-c", "import resource, torch, autograder.pipeline.grader; "
                          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10)"],
                         capture_output=True, text=True, timeout=300, cwd=str(harness.ROOT))
    torch_rss = int(out.stdout.strip() or 0)
    return max(1 << 30, torch_rss + (640 << 20)), max(3 << 29, torch_rss + (1 << 30))


# A hidden case as the record_* attacks write it: CASE[(h, w)|k|mode], aten.max_pool_CASE_hxw_kK_mode,
# or a returned value -(7000 + 10 h + w).
TOKENS = [re.compile(r"CASE\[[^\]]*\]"), re.compile(r"CASE_\w+"), re.compile(r"-7\d{3}\b")]

# The CLI in this process; at exit (after the grader has stopped and reaped its zygote,
# atexit being last in, first out) the peak RSS of this process and of its descendants.
RUSAGE_CLI = """
import atexit, resource, sys
atexit.register(lambda: print("PEAK_RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10,
                              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss << 10, file=sys.stderr))
from autograder.cli.commands import main
sys.exit(main())
"""


def answer(case):
    code = (VALUES / f"{case}.py").read_text(encoding="utf-8")
    if case.startswith("forged_"):
        code = (VALUES / "_forge.py").read_text(encoding="utf-8") + "\n" + code
    return code


@slow_fixture(scope="module")
def graded():
    subs = harness._BASE / "hostile_values"
    out = harness._BASE / "hostile_values_out"
    for student, nb in [("honest", harness.source_nb())] + [(f"hostile_{c}", harness.with_answer(answer(c)))
                                                           for c in CLI]:
        d = subs / student / "pooling"
        d.mkdir(parents=True, exist_ok=True)
        (d / "01_basics.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    cmd = [harness.PY, "-c", RUSAGE_CLI, "grade", str(subs), "--out", str(out),
           "--timeout", str(harness.CALL_TIMEOUT), "--workers", "1"]
    res = subprocess.run(cmd, cwd=str(harness._BASE), env=harness.env(), capture_output=True, text=True,
                         timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    peak = re.search(r"PEAK_RSS (\d+) (\d+)", res.stderr)
    rows = harness.read_grades(out)
    return {"out": out, "rows": rows, "points": harness.points(rows),
            "parent_rss": int(peak.group(1)), "tree_rss": int(peak.group(2))}


def student_dir(out, student):
    try:
        from autograder.run.write import student_dir as where
    except ImportError:                                  # older layout: DIR/<student>/
        return pathlib.Path(out) / student
    return where(out, student)


def outputs(graded, student):
    """(feedback page, results.json, this student's grades.csv lines) as text."""
    d = student_dir(graded["out"], student)
    grades = (graded["out"] / "grades.csv").read_text(encoding="utf-8").splitlines()
    return ((d / "01_basics.html").read_text(encoding="utf-8"), (d / "results.json").read_text(encoding="utf-8"),
            "\n".join(line for line in grades if student in line))


def cases_shown(text):
    return {m for t in TOKENS for m in t.findall(text)}


def row(graded, student, grade_id="test_pool2d"):
    return next(r for r in graded["rows"] if r["student_id"] == student and r["grade_id"] == grade_id)


def test_corpus_is_complete():
    assert {"record_error", "record_print", "record_return_str", "record_return_object", "record_chain",
            "record_values", "record_ops"} <= set(RECORD)
    assert {"stride0_huge", "stride0_in_cap", "forged_huge_shape", "forged_negative_stride", "forged_offset",
            "json_bomb"} <= set(LYING)
    assert {"shape_empty_rows", "shape_empty_planes"} <= set(SHAPES)


def test_honest_keeps_full_marks(graded):
    assert graded["points"][("honest", "01_basics", "test_pool2d")] == 2.0
    assert graded["points"][("honest", "01_basics", "test_pool2d_padded")] == 3.0


@pytest.mark.parametrize("case", CLI)
def test_hostile_gains_nothing_loses_nothing_else(graded, case):
    got = graded["points"][(f"hostile_{case}", "01_basics", "test_pool2d")]
    # record_error answers its first dozen cases correctly: it may keep a group those cover.
    assert got < 2.0 if case == "record_error" else got == 0.0
    assert graded["points"][(f"hostile_{case}", "01_basics", "test_pool2d_padded")] == 3.0


@pytest.mark.parametrize("case", [c for c in RECORD if c in CLI])
def test_feedback_shows_at_most_one_hidden_case(graded, case):
    page, results, grades = outputs(graded, f"hostile_{case}")
    for where, text in (("feedback page", page), ("results.json", results), ("grades.csv", grades)):
        shown = cases_shown(text)
        assert len(shown) <= 1, f"{where} shows {len(shown)} hidden cases: {sorted(shown)[:5]}"


def test_the_attacks_were_live(graded):
    """The one case shown does carry the attack's text: the check above is not vacuous."""
    shown = [c for c in RECORD if c in CLI and cases_shown(outputs(graded, f"hostile_{c}")[0])]
    assert {"record_chain", "record_return_str", "record_return_object", "record_values"} <= set(shown)


def test_a_case_that_passes_alone_is_shown_without_the_functions_output(graded):
    """record_error answers right until it has seen a dozen cases: alone, the case shown passes."""
    page = outputs(graded, "hostile_record_error")[0]
    assert "单独重新运行时结果不同" in page and not cases_shown(page)
    assert row(graded, "hostile_record_error")["status"] == "failed"


@pytest.mark.parametrize("case", [c for c in CASES if c in CLI])
def test_outputs_stay_short(graded, case):
    student = f"hostile_{case}"
    page, results, _ = outputs(graded, student)
    # The failing case drawn by the kit (#15): at most one inline picture per function, of
    # bounded size (grids of at most 6 x 6 numbers the kit formats); the text is measured apart.
    pictures = re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]*", page)
    assert len(pictures) <= 2 and all(len(p) < PICTURE_LIMIT for p in pictures)
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]*", "data:", page)
    assert len(page) < PAGE_LIMIT and len(results) < RESULTS_LIMIT
    assert all(len(r["message"]) < MESSAGE_LIMIT for r in graded["rows"] if r["student_id"] == student)


def test_zero_stride_view_is_an_invalid_return_value(graded):
    assert row(graded, "hostile_stride0_huge")["status"] in ("failed", "error")
    from support.page_text import page_text
    assert "返回值无效 / invalid return value" in page_text(outputs(graded, "hostile_stride0_huge")[0])


def test_json_bomb_counts_as_a_broken_child(graded):
    assert row(graded, "hostile_json_bomb")["status"] in ("failed", "error")
    assert "进程退出" in outputs(graded, "hostile_json_bomb")[0]      # the reply broke the protocol: killed


def test_view_inside_the_cap_is_judged_as_a_wrong_shape(graded):
    page = outputs(graded, "hostile_stride0_in_cap")[0]
    assert row(graded, "hostile_stride0_in_cap")["status"] == "failed"
    assert "(1024, 1024)" in page and "返回值无效" not in page


def test_trusted_process_stays_small(graded, rss_bounds):
    parent_bound, tree_bound = rss_bounds
    assert graded["parent_rss"] < parent_bound, f"grading process peaked at {graded['parent_rss'] >> 20} MiB"
    assert graded["tree_rss"] < tree_bound, f"a process it started peaked at {graded['tree_rss'] >> 20} MiB"


@pytest.mark.slow       # a class graded by a pool of workers (66 s under load)
def test_pool_workers_have_their_own_memory_limit():
    """The local backend's pool initializer caps each worker's address space (a worker of the pool's
    own context: forked from its server)."""
    code = ("import concurrent.futures as cf, dataclasses, multiprocessing, resource\n"
            "from autograder.run.backends import local\n"
            "from autograder.core.config import GradingConfig\n"
            "ctx = local._pool_context()\n"
            "with cf.ProcessPoolExecutor(1, mp_context=ctx, initializer=local._start_worker,\n"
            "                            initargs=(GradingConfig().to_dict(),)) as p:\n"
            "    print(p.submit(resource.getrlimit, resource.RLIMIT_AS).result()[0])\n"
            "print(local.WORKER_ADDRESS_SPACE)\n")
    res = subprocess.run([harness.PY, "-c", code], env=harness.env(), capture_output=True, text=True, timeout=300)
    in_worker, wanted = (int(x) for x in res.stdout.split())
    assert in_worker == wanted == 4 << 30


# ------------------------------------------------------------------ past the static check

SESSION_SCRIPT = """
import json, resource, sys
from autograder.exercises import PREAMBLE
from autograder.pipeline.run_suites import Replay
from autograder.sandbox.runner import Engine, Limits
from autograder.grading.suites import run_suite
out = {}
with Engine(Limits.from_timeout(2.0)) as engine:      # as `--timeout 2`: the notebook's time derived
    for case, (name, code) in json.loads(sys.stdin.read()).items():
        cells = [(f"cell 1 ({name})", code)]
        replay = Replay(engine, cells)
        try:
            with engine.session(cells, preamble=PREAMBLE) as session:
                res = run_suite(name, session.caller(name), replay=replay.caller(name))
        finally:
            replay.close()
        out[case] = {"points": res.points, "status": res.status, "message": res.message, "feedback": res.feedback}
print(json.dumps({"results": out, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10}))
"""


@slow_fixture(scope="module")
def sessions():
    """Each SESSION case's suite (pool2d; pool_output_shape for shape_*), with its replay, in one
    measured process."""
    codes = {c: ("pool_output_shape" if c in SHAPES else "pool2d", answer(c)) for c in SESSION}
    codes["honest_shape"] = ("pool_output_shape", "\n".join(answer_cells(SOURCE / "03_cost.ipynb")))  # beside them
    codes = json.dumps(codes)
    res = subprocess.run([harness.PY, "-c", SESSION_SCRIPT], input=codes, env=harness.env(), cwd=str(harness._BASE),
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", [c for c in TAMPERING if c.startswith("forged_")])
def test_forged_replies_are_invalid_return_values(sessions, case):
    r = sessions["results"][case]
    assert r["points"] == 0.0 and r["status"] in ("failed", "error")
    assert "返回值无效 / invalid return value" in r["feedback"]
    assert len(r["feedback"]) < PAGE_LIMIT // 2


def test_forged_op_names_show_at_most_one_case(sessions):
    r = sessions["results"]["record_ops"]
    assert r["points"] == 0.0 and r["status"] == "failed"
    shown = cases_shown(r["feedback"] + r["message"])
    assert len(shown) == 1, shown          # the names came through, for the one case shown only
    assert "出现在这个用例中 / seen in this case" in r["feedback"]


def test_the_honest_shape_beside_them_keeps_full_marks(sessions):
    r = sessions["results"]["honest_shape"]
    assert r["status"] == "passed" and r["points"] == 2.0, r


@pytest.mark.parametrize("case", SHAPES)
def test_an_empty_tensor_with_many_rows_is_not_a_shape(sessions, case):
    r = sessions["results"][case]
    assert r["points"] == 0.0 and r["status"] == "failed"
    assert "expected a tuple of ints, got Tensor" in r["message"] + r["feedback"]


def test_session_process_stays_small(sessions, rss_bounds):
    parent_bound, _ = rss_bounds
    assert sessions["rss"] < parent_bound, f"grading process peaked at {sessions['rss'] >> 20} MiB"
