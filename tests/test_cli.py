"""`autograder grade` from the command line: outputs, re-runs, self-study, bad arguments."""
import csv
import json
import shutil
import subprocess
import sys

import pytest

from support.slow import slow_fixture

import harness  # noqa: E402

from autograder.cli.commands import main  # noqa: E402
from autograder.run.write import student_dir  # noqa: E402


MAIN = "import sys; from autograder.cli.commands import main; sys.exit(main())"
# The same, saying at exit whether this (parent) process loaded torch.
MAIN_SAYS_TORCH = ("import atexit, sys; atexit.register(lambda: print('PARENT-LOADED-TORCH:', 'torch' in sys.modules, "
                   "file=sys.stderr)); from autograder.cli.commands import main; sys.exit(main())")


def cli(*args, main_code=MAIN):
    cmd = [harness.PY, "-c", main_code, *map(str, args)]
    return subprocess.run(cmd, env=harness.env(), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def course_class(tmp_path_factory):
    d = tmp_path_factory.mktemp("class")
    for s in ("ann", "ben"):
        (d / s / "pooling").mkdir(parents=True)
        shutil.copy(harness.SOURCE / "01_basics.ipynb", d / s / "pooling" / "01_basics.ipynb")
    nb = harness.with_answer("def pool2d(X, pool_size, mode='max'):\n    raise NotImplementedError()\n")
    (d / "ben" / "pooling" / "01_basics.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    # ann submitted 25 h after the due date the run is given (below); ben's time is unknown
    (d / "ann" / "pooling" / "timestamp.txt").write_text("2026-03-02 01:00:00.000000 UTC\n")
    return d


DUE = ["--due", "2026-03-01T00:00:00Z", "--late-policy", "10%/day,cap=50%"]


@slow_fixture(scope="module")
def graded(course_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    # a pool of two on purpose: the contract's outputs (and run.json's "workers") as a pool writes them
    res = cli("grade", course_class, "--out", out, "--workers", "2", *DUE, main_code=MAIN_SAYS_TORCH)
    assert res.returncode == 0, res.stderr
    return out, res


def test_a_pooled_runs_parent_never_loads_torch(graded):
    """The parent of a pool reads, keys, collects and writes (a failing student's page included); its
    workers grade. It never imports torch (~1.4 CPU-s per run): the wire's values load with an engine."""
    out, res = graded
    said = [line for line in res.stderr.splitlines() if line.startswith("PARENT-LOADED-TORCH:")]
    assert said == ["PARENT-LOADED-TORCH: False"], res.stderr[-2000:]
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["workers"] == 2


def test_outputs_per_contract(graded):
    out, res = graded
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:8] == ["student_id", "assignment", "notebook", "grade_id", "points", "max_points",
                                 "status", "message"]
    p = {(r["student_id"], r["grade_id"]): float(r["points"]) for r in rows if r["notebook"] == "01_basics"}
    assert p == {("ann", "test_pool2d"): 2, ("ann", "test_pool2d_padded"): 3,
                 ("ben", "test_pool2d"): 0, ("ben", "test_pool2d_padded"): 3}
    missing = [r for r in rows if r["notebook"] != "01_basics"]
    assert missing and all(r["status"] == "invalid" and float(r["points"]) == 0 for r in missing)
    gs = json.loads((student_dir(out, "ann") / "results.json").read_text(encoding="utf-8"))
    assert gs["tests"] and all("extra_data" in t for t in gs["tests"])
    assert (student_dir(out, "ann") / "01_basics.html").is_file() and (out / "manual.csv").is_file()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["workers"] == 2 and set(run["per_submission_seconds"]) == {"ann", "ben"}
    assert {s: out / d for s, d in run["students"].items()} == {s: student_dir(out, s) for s in ("ann", "ben")}
    assert not list(out.rglob("*.tmp"))


def test_lateness_is_assessed_and_shown(graded):
    """--due and --late-policy: late.csv, each feedback page's line, and the export's penalty (once)."""
    out, res = graded
    with open(out / "late.csv", newline="", encoding="utf-8") as f:
        late = {r["student_id"]: r for r in csv.DictReader(f)}
    assert (late["ann"]["status"], late["ann"]["hours_late"], late["ann"]["penalty_percent"]) == ("late", "25.0", "20.0")
    assert late["ben"]["status"] == "missing"
    from support.page_text import page_text
    assert "迟交 / late: 25 h" in page_text((student_dir(out, "ann") / "01_basics.html").read_text(encoding="utf-8"))
    assert "submission time unknown" in (student_dir(out, "ben") / "01_basics.html").read_text(encoding="utf-8")
    assert "late.csv" in res.stderr and "timestamp.txt" in res.stderr
    from autograder.adapters import export
    scores, _ = export.collect(out, None, warn=lambda m: None)
    assert scores["ann"].late_penalty == round(scores["ann"].before_penalty * 0.2, 2) > 0
    assert scores["ben"].late_penalty == 0


def test_feedback_reveals_one_case_at_most(graded):
    out, _ = graded
    page = (student_dir(out, "ben") / "01_basics.html").read_text(encoding="utf-8")
    assert "NotImplementedError" in page or "not_implemented" in page or "未实现" in page


def test_rerun_skips_unchanged_unless_forced(course_class, graded):
    out, _ = graded
    before = json.loads((out / "run.json").read_text())["kit_digest"]
    res = cli("grade", course_class, "--out", out, "--workers", "1")
    assert res.returncode == 0
    again = json.loads((out / "run.json").read_text())
    if again["kit_digest"] == before:            # (unless the kit itself was edited meanwhile)
        assert again["graded"] == 0
    res = cli("grade", course_class, "--out", out, "--workers", "1", "--force")
    assert json.loads((out / "run.json").read_text())["graded"] == 2


def test_self_study_single_notebook(tmp_path):
    nb = tmp_path / "01_basics-Copy1.ipynb"
    shutil.copy(harness.SOURCE / "01_basics.ipynb", nb)
    res = cli("grade", nb)
    assert res.returncode == 0, res.stderr
    assert "test_pool2d_padded" in res.stdout and "5 / 5" in res.stdout


@pytest.mark.parametrize("args", [["grade", "/nonexistent/path", "--out", "x"], ["grade"], ["frobnicate"],
                                  ["grade", ".", "--scheduler", "tcp://127.0.0.1:1", "--out", "x"]])
def test_bad_arguments_exit_nonzero(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    assert code not in (0, None)


def _help(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 0
    return capsys.readouterr().out


def test_one_command_tree_lists_every_subcommand_and_option(capsys):
    top = _help(["--help"], capsys)
    for command in ("grade", "report", "export", "gradescope-bundle"):
        assert command in top
    assert "Exit status" in top
    rep = _help(["report", "--help"], capsys)
    assert rep.startswith("usage: autograder report")
    for option in ("DIR", "--no-integrity", "--nbgrader-export"):
        assert option in rep
    assert "--submissions" not in rep          # the answer cells come from results.jsonl (#21)
    assert "--open" not in rep


@pytest.mark.parametrize("args", [["report"], ["report", "x", "--open"], ["report", "x", "--no-integrity=1"]])
def test_report_arguments_are_checked_by_the_tree(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2
    assert ": error: " in capsys.readouterr().err.splitlines()[-1]


def test_report_of_a_directory_without_grades_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "grades.csv" in capsys.readouterr().err


def one_line_refusal(res):
    """Exit 2 with exactly one line on stderr, and nothing graded."""
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("autograder: ")


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "-0.5"])
def test_bad_timeout_refused_before_grading(course_class, tmp_path, timeout):
    res = cli("grade", course_class, "--out", tmp_path / "out", f"--timeout={timeout}")
    one_line_refusal(res)
    assert "--timeout" in res.stderr and not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_refused(course_class, tmp_path):
    f = tmp_path / "grades"
    f.write_text("not a directory")
    one_line_refusal(cli("grade", course_class, "--out", f))
    assert f.read_text() == "not a directory"


def test_out_that_cannot_be_created_is_refused(course_class, tmp_path):
    (tmp_path / "file").write_text("x")
    one_line_refusal(cli("grade", course_class, "--out", tmp_path / "file" / "out"))


def test_unwritable_out_is_refused(course_class):
    # /proc/self is a directory nobody (not even root) can create files in
    one_line_refusal(cli("grade", course_class, "--out", "/proc/self"))
