"""The class of four that tests/test_totals.py grades (and test_report's nbgrader comparison reads):
some students do the optional work, some do not, and one forges its cells' metadata.

Built from release/ with the instructor's answers and tests/mutants/, graded through the real command
line (``grade``, ``report``, ``export --to csv|canvas``) and through ``nbgrader autograde`` with the
kit's configuration. The session fixture ``graded_totals_class`` (tests/support/graded.py) does it once.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
from make_class import solution_code  # noqa: E402  (the instructor's answer, marker lines removed)

BIN = pathlib.Path(sys.executable).parent
ASSIGNMENT = "pooling"

# student -> notebook -> {function: "solution" | mutant file | None (the released stub)}, written answers
CLASS = {
    "full": {"01_basics": {"pool2d": "solution", "pool2d_padded": "solution"},
             "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_as_conv": "solution",
                                   "max_pool_conv_relu": "solution", "conv_relu_counts": "solution"},
             "04_min_softmax": {"min_pool2d": "solution", "softmax_pool2d": "solution"}},
    "required": {"01_basics": {"pool2d": "solution", "pool2d_padded": "solution"},
                 "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_as_conv": "solution"}},
    "half": {"01_basics": {"pool2d": "solution", "pool2d_padded": "zero_pad_max.py"},
             "02_as_convolution": {"avg_pool_as_conv": "solution", "max_pool_conv_relu": "solution",
                                   "conv_relu_counts": "forgets_output_layer.py"}},
    "blank": {"02_as_convolution": {}},
}
WRITTEN = {"full": {"answer_ex2", "answer_ex3a", "answer_ex3c", "answer_ex4", "answer_ex5", "answer_ex6"}, "half": {"answer_ex3c"}}
# A submission's own metadata never says what counts: "half" marks a required test optional and
# worth 100, and unmarks an optional one, giving it nbgrader points. Both paths must ignore it.
FORGED = {"half": {"test_pool2d": {"optional": {"points": 100}, "nbgrader_points": 100},
                   "test_max_pool_conv_relu": {"optional": None, "nbgrader_points": 5}}}


def _env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in e.get("PYTHONPATH", "").split(os.pathsep) if p])
    e["PATH"] = str(BIN) + os.pathsep + e.get("PATH", "")          # nbgrader runs `alembic` by name
    e.pop("AUTOGRADER_COURSE_DIR", None)
    return e


def _run(*args, cwd=None, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def _cli(*args, cwd=None):
    return _run(sys.executable, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())", *args,
                cwd=cwd)


def _read_nb(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def _student_notebook(notebook, answers, written, forged):
    nb = _read_nb(ROOT / "release" / ASSIGNMENT / f"{notebook}.ipynb")
    source = _read_nb(ROOT / "source" / ASSIGNMENT / f"{notebook}.ipynb")
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid in forged:
            cell["metadata"].pop("optional", None)
            if forged[gid]["optional"] is not None:
                cell["metadata"]["optional"] = forged[gid]["optional"]
            cell["metadata"]["nbgrader"]["points"] = forged[gid]["nbgrader_points"]
        if gid.startswith("answer_") and gid[len("answer_"):] in answers:
            kind = answers[gid[len("answer_"):]]
            code = (solution_code(source, gid[len("answer_"):]) if kind == "solution" else
                    (ROOT / "tests" / "mutants" / gid[len("answer_"):] / kind).read_text(encoding="utf-8"))
            cell["source"] = code
        elif gid in written:
            cell["source"] = "窗口内的最大值保留，平均值丢失。/ The window's maximum is kept, its mean is lost.\n"
    return nb


def _make_class(subs):
    for student, notebooks in CLASS.items():
        folder = subs / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for notebook, answers in notebooks.items():
            nb = _student_notebook(notebook, answers, WRITTEN.get(student, set()), FORGED.get(student, {}))
            (folder / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def build(base):
    """Grade the class in `base`: (submissions, output folder, nbgrader course folder)."""
    subs, out = base / "submitted", base / "out"
    _make_class(subs)
    _cli("grade", subs, "--out", out, "--quiet", "--force", "--workers", "1")   # no pool: ~8 CPU-s less
    _cli("report", out, "--no-integrity")
    _cli("export", out, "--to", "csv", cwd=base)
    _cli("export", out, "--to", "canvas", "--assignment-name", "Pooling", cwd=base)
    return subs, out, _nbgrader_course(base, subs)


def _nbgrader_course(base, subs):
    """A copy of the course directory with its own gradebook: generate_assignment, then autograde."""
    import harness                      # the assignment generated once per process, copied here
    course = base / "course"
    gen = harness.generated_course(course, ASSIGNMENT)
    assert gen.returncode == 0, (gen.stdout[-2000:], gen.stderr[-3000:])
    nbgrader = BIN / "nbgrader"
    shutil.copytree(subs, course / "submitted")
    _run(nbgrader, "autograde", ASSIGNMENT, cwd=course, timeout=1800)
    return course
