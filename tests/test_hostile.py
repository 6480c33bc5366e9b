"""The hostile corpus (tests/hostile/*.py), each case graded beside an honest submission.

Every case replaces the `pool2d` answer of 01_basics; `pool2d_padded` stays
the instructor's. The honest student keeps full marks, the hostile one gains
nothing for `pool2d` and loses nothing else, nothing is left running, nothing
reaches the loopback server, and nothing is written where it must not be.
"""
import csv

import psutil
import pytest

from support.processes import started_on_purpose
from support.slow import slow_fixture

import harness  # noqa: E402
from autograder.run.write import student_dir  # noqa: E402

CASES = harness.hostile_cases()
# Code computed at run time or loaded from outside the answer cells (exec of a file's text,
# globals(), sys.path) could patch or redefine any function of the notebook: the parent's static
# check cannot verify it, so every function with an operator rule gets a review flag there (a
# person decides); its points stand (course/source_rules/, docs/security.md).
RUN_TIME_CODE = {"read_solutions", "import_references"}


@slow_fixture(scope="module")
def graded():
    rows, out, server, res = harness.graded_hostile()
    assert res.returncode == 0, res.stderr[-3000:]
    return {"points": harness.points(rows), "rows": rows, "out": out, "server": server}


def test_corpus_is_complete():
    wanted = {"input_transformer", "run_cell_wrapper", "monkeypatch_compare", "lying_subclass", "sys_exit",
              "os_exit", "infinite_loop", "memory_bomb", "fork_bomb", "spawn_processes", "kill_parent",
              "print_flood", "network", "read_solutions", "import_references", "forbidden_direct",
              "forbidden_obfuscated", "write_output", "magics"}
    assert wanted <= set(CASES)


def test_honest_keeps_full_marks(graded):
    p = graded["points"]
    assert p[("honest", "01_basics", "test_pool2d")] == 2.0
    assert p[("honest", "01_basics", "test_pool2d_padded")] == 3.0


@pytest.mark.parametrize("case", CASES)
def test_hostile_gains_nothing(graded, case):
    p = graded["points"]
    student = f"hostile_{case}"
    assert p[(student, "01_basics", "test_pool2d")] == 0.0
    # ... and loses nothing it did honestly: the other function of the notebook is still graded.
    assert p[(student, "01_basics", "test_pool2d_padded")] == 3.0
    if case in RUN_TIME_CODE:
        row = [r for r in graded["rows"] if r["student_id"] == student and r["grade_id"] == "test_pool2d_padded"]
        assert any(f.startswith("review:") for f in row[0]["flags"].split(";")), row[0]["flags"]


@pytest.mark.parametrize("case,status", [("busy_loop", "timeout"), ("forbidden_direct", "failed"),
                                         ("forbidden_obfuscated", "failed"), ("os_exit", "error"),
                                         ("infinite_loop", "timeout"), ("forbidden_thread", "failed")])
def test_status_says_what_happened(graded, case, status):
    row = [r for r in graded["rows"] if r["student_id"] == f"hostile_{case}" and r["grade_id"] == "test_pool2d"]
    assert row[0]["status"] == status


def test_forbidden_calls_are_named(graded):
    for case in ("forbidden_direct", "forbidden_obfuscated"):
        row = [r for r in graded["rows"] if r["student_id"] == f"hostile_{case}" and r["grade_id"] == "test_pool2d"]
        assert row[0]["misconception"] == "forbidden_op"
    # signal handlers (infinite_loop) and threads could evade the rule: a person is asked to look
    # (review flags); the pooling named plainly beside the thread is an automatic 0 all the same
    for case, construct in (("infinite_loop", "review:processes@"), ("forbidden_thread", "review:threads@")):
        row = [r for r in graded["rows"] if r["student_id"] == f"hostile_{case}" and r["grade_id"] == "test_pool2d"]
        assert any(f.startswith(construct) for f in row[0]["flags"].split(";")), row[0]["flags"]
    row = [r for r in graded["rows"] if r["student_id"] == "hostile_forbidden_thread" and r["grade_id"] == "test_pool2d"]
    assert row[0]["misconception"] == "forbidden_op" and "forbidden_op:F.max_pool2d" in row[0]["flags"]


def test_nothing_reached_the_network(graded):
    harness.graded_hostile()
    assert harness._MEMO["hostile_conns"] == 0


def test_nothing_written_outside_the_jail(graded):
    out = graded["out"]
    assert not (out / "pwned.txt").exists()
    assert not (out / "magic.txt").exists() and not (out / "magic2.txt").exists()
    # The forged 999 would be a points value; `seconds` may well read 0.0999.
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(float(r["points"]) <= float(r["max_points"]) for r in rows)
    assert not any("999" in r["points"] or "999" in r["max_points"] for r in rows)
    results = student_dir(out, "hostile_write_output") / "results.json"
    assert "999" not in results.read_text(encoding="utf-8")


def test_submissions_are_not_modified(graded):
    subs = harness._BASE / "hostile_class"
    honest = (subs / "honest" / "pooling" / "01_basics.ipynb").read_text(encoding="utf-8")
    assert honest == __import__("json").dumps(harness.source_nb(), ensure_ascii=False)


def _under_a_live_zygote(p):
    try:
        return any("--zygote" in " ".join(a.cmdline()) for a in p.parents())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


NOBODY = 65534


def stray_processes():
    """What a jailed child could have left: the corpus's sleeps, or anything running as nobody
    that no live zygote owns (other gradings on this machine may be running right now), but not
    what another test started on purpose (``support.processes.on_purpose``)."""
    found = []
    for p in psutil.process_iter(["pid", "uids", "cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            nobody = p.info["uids"] and p.info["uids"].real == NOBODY
            if started_on_purpose(p.info["cmdline"] or []):
                continue
            if "sleep 424" in cmd or (nobody and not _under_a_live_zygote(p)):
                found.append((p.pid, cmd))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_nothing_left_running(graded):
    assert stray_processes() == []


def test_feedback_pages_written(graded):
    out = graded["out"]
    page = (student_dir(out, "hostile_os_exit") / "01_basics.html").read_text(encoding="utf-8")
    assert "test_pool2d" in page
