"""The self-study learner: `autograder grade my_notebook.ipynb`, and `course.check` on its own.

A learner without a teacher grades their own notebook with the same engine the
instructor uses, and runs the public self-check without `autograder` installed.
`course/` ships no solutions.
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import RELEASE, ROOT, SOURCE, answer_cells
from autograder.exercises import EXERCISES as FUNCTIONS, functions_in
from student_answers import CORRECT_POOL2D, ZERO_PADDED_MAX

AUTOGRADER = pathlib.Path(sys.executable).parent / "autograder"


def _src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved_copy(notebook, dest, overrides=None):
    """The released notebook with the source's answer cells filled in (as a learner would).

    ``overrides`` maps an answer grade_id to the code to put there instead.
    """
    overrides = overrides or {}
    release = json.loads((RELEASE / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    source = json.loads((SOURCE / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    answers = {_gid(c): _src(c) for c in source["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("solution") and _gid(c)}
    filled = 0
    for cell in release["cells"]:
        gid = _gid(cell)
        if gid in overrides:
            cell["source"] = overrides[gid]
            filled += 1
        elif gid in answers and cell["cell_type"] == "code":
            cell["source"] = answers[gid]
            filled += 1
    assert filled, f"no answer cells found in release/{notebook}.ipynb"
    dest = pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(release, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


def grade(path, cwd):
    proc = subprocess.run([str(AUTOGRADER), "grade", str(path)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    return proc


def _need_release(notebook):
    if not (RELEASE / f"{notebook}.ipynb").exists():
        pytest.fail(f"release/pooling/{notebook}.ipynb is missing (run `make release`)")


# ---------------------------------------------------------------- autograder grade NOTEBOOK

def assert_full_marks_table(stdout, notebook, stderr=""):
    """The self-study score table gives each graded function of `notebook` its full points (from the
    records) and the required functions' total (test_nonroot asserts the same for a normal user)."""
    out = stdout + stderr
    for f in functions_in(notebook):
        line = next((l for l in stdout.splitlines() if re.search(rf"\b{f.grade_id}\b", l)), None)
        assert line is not None, f"no score-table row for {f.name}:\n{out}"
        pts = f"{f.points:g}"
        assert re.search(rf"\b{pts}(\.0+)?\s*/\s*{pts}(\.0+)?\b", line), (
            f"{f.name} does not have full points {pts}/{pts}:\n{line}\n---\n{out}")
    total = sum(f.points for f in functions_in(notebook) if not f.optional)
    assert re.search(rf"\b{total:g}(\.0+)?\s*/\s*{total:g}(\.0+)?\b", stdout), (
        f"no total {total:g}/{total:g} in the table:\n{out}")


def test_selfstudy_grade_full_points(tmp_path):
    _need_release("01_basics")
    nb = solved_copy("01_basics", tmp_path / "me" / "01_basics.ipynb")
    proc = grade(nb, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_full_marks_table(proc.stdout, "01_basics", proc.stderr)
    # Self-study grading must not write into the learner's folder.
    assert sorted(p.name for p in nb.parent.iterdir()) == ["01_basics.ipynb"]


def test_selfstudy_grade_names_zero_padding(tmp_path):
    from course import messages

    _need_release("01_basics")
    nb = solved_copy("01_basics", tmp_path / "me" / "01_basics.ipynb",
                     {"answer_pool2d_padded": ZERO_PADDED_MAX})
    proc = grade(nb, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    zh, en, _ = messages.CATALOG["max_zero_padding"]
    assert zh in proc.stdout and en in proc.stdout, (
        f"the feedback does not name the zero-padding misconception:\n{out}")
    row = next(l for l in proc.stdout.splitlines() if re.search(r"\btest_pool2d_padded\b", l))
    assert not re.search(r"\b3(\.0+)?\s*/\s*3\b", row), f"a wrong pool2d_padded got full points:\n{row}"
    row = next(l for l in proc.stdout.splitlines() if re.search(r"\btest_pool2d\b", l))
    assert re.search(r"\b2(\.0+)?\s*/\s*2\b", row), f"pool2d lost points it deserves:\n{row}"


def test_selfstudy_grade_folder(tmp_path):
    """A folder of the learner's notebooks grades every notebook in it."""
    _need_release("01_basics")
    folder = tmp_path / "mine"
    solved_copy("01_basics", folder / "01_basics.ipynb")
    shutil.copy2(RELEASE / "01_basics.ipynb", folder / "01_basics_untouched.ipynb")
    proc = grade(folder, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pool2d_padded" in proc.stdout


# ---------------------------------------------------------------- course.check without autograder

BLOCKER = '''
import sys

class _NoAutograder:
    """As on a learner's machine: `autograder` is not installed."""
    def find_spec(self, name, path=None, target=None):
        if name == "autograder" or name.startswith("autograder."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoAutograder())
for m in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]:
    del sys.modules[m]
'''


def run_without_autograder(code, tmp_path):
    script = tmp_path / "learner.py"
    script.write_text(BLOCKER + textwrap.dedent(code), encoding="utf-8")
    # cwd outside the repository: only the installed packages are importable.
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def test_check_works_without_autograder(tmp_path):
    from course import messages

    code = ("import math\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n"
            "from course import check\n"
            + CORRECT_POOL2D + "\n"
            "check(pool2d)\n"
            "check('pool2d')\n"
            "print('CHECK-OK')\n"
            + ZERO_PADDED_MAX + "\n"
            "try:\n"
            "    check(pool2d_padded)\n"
            "except AssertionError as e:\n"
            "    print('RAISED', e)\n"
            "try:\n"
            "    import autograder\n"
            "except ImportError:\n"
            "    print('BLOCKED')\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'autograder']\n")
    proc = run_without_autograder(code, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "BLOCKED" in proc.stdout, "the import blocker did not work"
    assert "CHECK-OK" in proc.stdout, out
    head = proc.stdout.split("CHECK-OK")[0]
    assert re.search(r"通过|passed", head) and "✗" not in head, head
    tail = proc.stdout.split("CHECK-OK")[1]
    assert "RAISED" in tail, f"a failing check must raise AssertionError:\n{out}"
    zh, en, _ = messages.CATALOG["max_zero_padding"]
    assert zh in tail and en in tail, f"the self-check does not name the misconception:\n{out}"
    # The plain-text report is what the learner reads outside Jupyter: never on stderr only.
    assert "Traceback" not in proc.stderr, proc.stderr


def test_course_imports_nothing_from_autograder():
    for path in (ROOT / "course").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+autograder\b", text, re.M), (
            f"{path.relative_to(ROOT)} imports autograder")


# ---------------------------------------------------------------- course/ ships no solutions

def _code_lines(code):
    """Non-trivial lines of an answer cell: no blanks, comments, docstrings or bare keywords."""
    out, in_doc = [], False
    for raw in code.splitlines():
        line = raw.strip()
        if line.startswith(('"""', "'''")):
            if not (len(line) > 3 and line.endswith(line[:3])):
                in_doc = not in_doc
            continue
        if in_doc or not line or line.startswith("#"):
            continue
        if line.startswith("def ") or line in ("else:", "try:", "return Y", "return out"):
            continue
        out.append(re.sub(r"\s+", " ", line))
    return out


def test_course_contains_no_solutions():
    course_files = [p for p in (ROOT / "course").rglob("*") if p.is_file() and p.suffix in (".py", ".json")]
    texts = {p: re.sub(r"\s+", " ", p.read_text(encoding="utf-8")) for p in course_files}
    notebooks = sorted(SOURCE.glob("*.ipynb"))
    assert notebooks, "no source notebooks"
    for nb in notebooks:
        for code in answer_cells(nb):
            lines = _code_lines(code)
            # A run of three consecutive answer lines anywhere in course/ is a leaked solution.
            for k in range(len(lines) - 2):
                block = " ".join(lines[k:k + 3])
                for path, text in texts.items():
                    joined = re.sub(r"\s+", " ", text)
                    assert block not in joined, (
                        f"{path.relative_to(ROOT)} contains answer code from {nb.name}: {block!r}")
    for path, text in texts.items():
        if path.suffix == ".py":
            for f in FUNCTIONS:
                assert not re.search(rf"\bdef {f.name}\(", text), (
                    f"{path.relative_to(ROOT)} defines the graded function {f.name}")


def test_selfstudy_bonus_is_optional_and_outside_the_total(tmp_path):
    """#15: the bonus left untouched is 'not attempted (optional)', not an error, and the
    required total leaves it out."""
    _need_release("02_as_convolution")
    release = json.loads((RELEASE / "02_as_convolution.ipynb").read_text(encoding="utf-8"))
    stubs = {_gid(c): _src(c) for c in release["cells"] if _gid(c) and _gid(c).startswith("answer_")}
    nb = solved_copy("02_as_convolution", tmp_path / "me" / "02_as_convolution.ipynb",
                     {"answer_max_pool_conv_relu": stubs["answer_max_pool_conv_relu"],
                      "answer_conv_relu_counts": stubs["answer_conv_relu_counts"]})
    proc = grade(nb, tmp_path)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    required = [f for f in functions_in("02_as_convolution") if not f.optional]
    total = sum(f.points for f in required)
    line = next(l for l in out.splitlines() if "合计 total" in l)
    assert re.search(rf"\b{total:g}\s*/\s*{total:g}\b", line), line
    assert "不含附加题" in line
    for f in functions_in("02_as_convolution"):
        if f.optional:
            row = next(l for l in out.splitlines() if re.search(rf"\b{f.grade_id}\b", l))
            assert "not attempted (optional bonus)" in row and "附加题" in row, row
            assert " error " not in row, row
    assert re.search(r"附加题 bonus\s+0\s*/\s*2", out), out


def test_window_slider_counts_like_the_title(monkeypatch):
    """The sliding-window widget: the slider's number is the one in the frame's title (窗口 / window k/n)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    from course import plots

    shown = {}
    monkeypatch.setattr(plt, "show", lambda: shown.update(title=plt.gcf().axes[0].get_title()))
    w = plots.interactive_window(torch.arange(16.0).reshape(4, 4), 2, stride=2)
    slider = next(c for c in w.widget.children if hasattr(c, "max"))
    assert (slider.min, slider.max) == (1, 4)
    slider.value = slider.max
    assert shown["title"] == "窗口 / window 4/4"
    plt.close("all")
