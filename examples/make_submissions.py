"""Build the bundled example submissions in examples/submitted/ (nbgrader layout).

    examples/submitted/<student_id>/pooling/<notebook>.ipynb

Each submission starts from the released notebook (release/pooling/) and fills
the answer cells, the way a student would:

* alice, bob: the instructor's solutions (answer code taken from source/pooling/),
  with short written answers;
* carol: max pooling padded with zeros, softmax pooling without subtracting the max;
* dave: the default stride taken as 1, overlapping windows overwritten in the
  max-pooling backward pass, a NaN-producing -inf padding in the conv route,
  and no 03_cost notebook at all;
* erin: no ValueError for a bad mode, an unreadable (truncated) 04 notebook,
  and 05 left untouched.

Run after `make release`: .venv/bin/python examples/make_submissions.py
The output is committed; running the script again reproduces it exactly.
"""
import json
import pathlib
import shutil

import nbformat

from make_class import solution_code  # noqa: E402  (examples/ is on sys.path)
from autograder.exercises import EXERCISES as FUNCTIONS  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "pooling"
RELEASE = ROOT / "release" / "pooling"
OUT = ROOT / "examples" / "submitted"
ASSIGNMENT = "pooling"


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solution_sources(notebook_name):
    """grade_id -> filled-in answer code (no nbgrader markers), from the source notebook."""
    nb = json.loads((SOURCE / notebook_name).read_text(encoding="utf-8"))
    return {f"answer_{f.name}": solution_code(nb, f.name) for f in FUNCTIONS
            if f"{f.notebook}.ipynb" == notebook_name}


def replace_in(source, old, new):
    """A deliberate mistake: ``old`` must occur in the solution, or the example is stale."""
    if old not in source:
        raise ValueError(f"mistake template not found in the solution: {old!r}")
    return source.replace(old, new)


def filled(notebook_name, edits=None, written=None):
    """The released notebook with every answer cell filled with the solution.

    edits: {function name: callable(solution source) -> wrong source}.
    written: {grade_id: text} for the manually graded answers (others stay unanswered).
    """
    nb = nbformat.read(RELEASE / notebook_name, as_version=4)
    solutions = solution_sources(notebook_name)
    edits, written = edits or {}, written or {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None or not cell.metadata["nbgrader"].get("solution"):
            continue
        if cell.cell_type == "code":
            name = gid[len("answer_"):]
            source = solutions[gid]
            if name in edits:
                source = edits[name](source)
            cell.source = source
        elif gid in written:
            cell.source = cell.source.replace("在这里写你的答案 / YOUR ANSWER HERE", written[gid])
    return nb


WRITTEN_GOOD = {
    "answer_ex4": "最大汇聚只取窗口里最大的一个数（非线性），只关心特征有没有出现，"
                  "反向传播时梯度只给最大值的位置；平均汇聚让每个数等权参与（线性，相当于一个卷积），"
                  "单个强响应会被 0 稀释，梯度平均分给窗口里每个位置。",
    "answer_ex5": "不需要：min(x) = -max(-x)，用最大汇聚就能实现。而且汇聚通常在 ReLU 之后，"
                  "最小值几乎总是 0，没什么用。",
    "answer_ex6": "可以用 softmax 加权平均 sum(softmax(x/T) x)，是平滑的最大值：T→0 是最大汇聚，T→∞ 是平均汇聚。"
                  "不流行是因为 exp 很贵、容易上溢（要减去最大值）、多了一个超参数 T，效果也没有明显更好。",
}
WRITTEN_SHORT = {
    "answer_ex4": "最大汇聚取最大值，平均汇聚取平均值，所以不同。",
    "answer_ex5": "可以用 -maxpool(-x) 代替。",
}

MISTAKES = {
    "zero_padding": lambda s: replace_in(s, "fill = -math.inf if mode == 'max' else 0.0", "fill = 0.0"),
    "stride_one": lambda s: replace_in(s, "if stride is not None else (p_h, p_w)", "if stride is not None else (1, 1)"),
    "unstable_softmax": lambda s: replace_in(s, "z = z - z.amax(dim=-1, keepdim=True)\n", ""),
    "overwrite_overlaps": lambda s: replace_in(
        s, "grad_pad[..., rows, cols] += grad_out * (idx == di * p_w + dj)",
        "grad_pad[..., rows, cols] = torch.where(idx == di * p_w + dj, grad_out, grad_pad[..., rows, cols])"),
    "inf_padding_conv": lambda s: replace_in(
        s, "G = F.conv2d(X, K, stride=stride, padding=padding, groups=C)",
        "X = F.pad(X, (padding[1], padding[1], padding[0], padding[0]), value=-math.inf)\n"
        "    H, W = X.shape[-2:]\n"
        "    padding = (0, 0)\n"
        "    G = F.conv2d(X, K, stride=stride, padding=padding, groups=C)"),
    "no_mode_check": lambda s: replace_in(
        s, "    if mode not in ('max', 'avg'):\n"
           "        raise ValueError(f\"mode 只能是 'max' 或 'avg' / mode must be 'max' or 'avg', got {mode!r}\")\n",
        ""),
}

NOTEBOOKS = ["01_basics", "02_as_convolution", "03_cost", "04_min_softmax", "05_gradients"]

# student -> notebook -> ("filled", edits, written) | "missing" | "malformed" | "untouched"
STUDENTS = {
    "alice": {nb: ("filled", {}, WRITTEN_GOOD) for nb in NOTEBOOKS},
    "bob": {nb: ("filled", {}, WRITTEN_SHORT) for nb in NOTEBOOKS},
    "carol": {
        "01_basics": ("filled", {"pool2d_padded": MISTAKES["zero_padding"]}, {}),
        "02_as_convolution": ("filled", {}, {}),
        "03_cost": ("filled", {}, {}),
        "04_min_softmax": ("filled", {"softmax_pool2d": MISTAKES["unstable_softmax"]}, WRITTEN_SHORT),
        "05_gradients": ("filled", {}, {}),
    },
    "dave": {
        "01_basics": ("filled", {"pool2d_padded": MISTAKES["stride_one"]}, {}),
        "02_as_convolution": ("filled", {"avg_pool_as_conv": MISTAKES["stride_one"],
                                         "max_pool_as_conv": MISTAKES["inf_padding_conv"]}, {}),
        "03_cost": "missing",
        "04_min_softmax": ("filled", {}, {}),
        "05_gradients": ("filled", {"max_pool2d_backward": MISTAKES["overwrite_overlaps"]}, {}),
    },
    "erin": {
        "01_basics": ("filled", {"pool2d": MISTAKES["no_mode_check"]}, {}),
        "02_as_convolution": ("filled", {}, {}),
        "03_cost": ("filled", {}, {}),
        "04_min_softmax": "malformed",
        "05_gradients": "untouched",
    },
}


def write_notebook(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def build(out=OUT):
    out = pathlib.Path(out)
    if out.exists():
        shutil.rmtree(out)
    for student, plan in STUDENTS.items():
        for stem, what in plan.items():
            path = out / student / ASSIGNMENT / f"{stem}.ipynb"
            if what == "missing":
                continue
            if what == "untouched":
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(RELEASE / f"{stem}.ipynb", path)
            elif what == "malformed":
                # A notebook cut off in the middle of a save: not valid JSON.
                text = json.dumps(json.loads((RELEASE / f"{stem}.ipynb").read_text(encoding="utf-8")),
                                  ensure_ascii=False, indent=1)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text[: len(text) // 3], encoding="utf-8")
            else:
                _, edits, written = what
                write_notebook(filled(f"{stem}.ipynb", edits, written), path)
    return out


if __name__ == "__main__":
    out = build()
    for p in sorted(out.rglob("*.ipynb")):
        print(p.relative_to(ROOT))
