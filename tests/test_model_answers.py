"""The notebooks' model answers, rubrics, hints and rules say what is true (issue 20, point 6).

A teaching assistant grades the written answers by the model answer and the rubric, and a
student follows the hints and the rule: so the numbers in them are computed again here (with
torch autograd, from the notebook's own text), and the claims about the grader are checked by
grading real answers through the grader's own pipeline (static check, sandbox, suites).
"""
import json
import re

import nbformat
import pytest
import torch
import torch.nn.functional as F

from autograder.exercises import BY_NAME, NOTEBOOKS, functions_in
from conftest import RELEASE, SOURCE
from course.messages import CATALOG


def _cell(stem, cid, folder=SOURCE):
    nb = nbformat.read(folder / f"{stem}.ipynb", as_version=4)
    found = [c for c in nb.cells if c.get("id") == cid]
    assert len(found) == 1, f"{stem}: no single cell {cid}"
    return found[0].source


def _model(grade_id_cell):
    """The model answer and rubric of a written-answer cell (the instructor's part)."""
    text = _cell("04_min_softmax", grade_id_cell)
    return text.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]


def _numbers(text):
    return [float(v.replace("−", "-")) for v in re.findall(r"[-−]?\d+\.\d+", text)]


# ---------------------------------------------------------------- exercise 6: the gradient

def softmax_pool(x, T):
    w = torch.softmax(x / T, dim=-1)
    return (w * x).sum(-1)


def model_answer_gradient(x, T):
    """The model answer's formula: dy/dx_i = w_i (1 + (x_i - y) / T), w = softmax(x / T)."""
    w = torch.softmax(x / T, dim=-1)
    y = (w * x).sum(-1, keepdim=True)
    return w * (1 + (x - y) / T)


def autograd_gradient(x, T):
    x = x.detach().clone().requires_grad_()
    softmax_pool(x, T).sum().backward()
    return x.grad


@pytest.mark.parametrize("T", [1e-2, 0.3, 0.5, 1.0, 2.0, 10.0, 1e3])
def test_softmax_pooling_gradient_formula_equals_autograd(T):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(50, 9, generator=gen, dtype=torch.float64) * 3
    want = autograd_gradient(x, T)
    assert torch.allclose(model_answer_gradient(x, T), want, rtol=1e-10, atol=1e-12)
    assert torch.allclose(want.sum(-1), torch.ones(50, dtype=torch.float64))    # "the components add up to 1"


def test_model_answer_states_the_formula_and_its_numbers():
    text = _model("answer-ex6")
    assert r"w_i\Big(1 + \frac{x_i - y}{T}\Big)" in text
    assert "按权重分" not in text.split("**它的梯度不是")[0], "the old claim is back"
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    stated = {}
    for T, label in ((1.0, "$T = 1$ 时"), (0.5, "$T = 0.5$ 时")):
        after = text.split(label)[1]
        vector = re.search(r"\$\(([^)]*)\)\$", after).group(1)
        stated[T] = _numbers(vector)
        got = autograd_gradient(x, T)
        assert stated[T] == pytest.approx(got.tolist(), abs=5e-4), (T, stated[T], got)
    y = softmax_pool(x, 1.0).item()
    assert _numbers(text.split(r"$y \approx")[1])[0] == pytest.approx(y, abs=5e-4)
    # what the text says the numbers show: negative components, and one above 1
    assert min(stated[1.0]) < 0 and max(stated[0.5]) > 1
    assert "负数" in text and "大于 1" in text


def test_softmax_pooling_gradient_limits_as_stated():
    """T -> 0: the gradient goes to the maximum's one-hot (max pooling); T -> inf: to 1/n."""
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    assert torch.allclose(autograd_gradient(x, 1e-2), torch.tensor([0, 0, 0, 1.0], dtype=torch.float64), atol=1e-6)
    assert torch.allclose(autograd_gradient(x, 1e6), torch.full((4,), 0.25, dtype=torch.float64), atol=1e-5)


def test_logsumexp_gradient_is_the_weights():
    """The one pooling whose gradient *is* softmax(x / T), as the model answer says."""
    x = torch.randn(20, 6, dtype=torch.float64).requires_grad_()
    T = 0.7
    (T * torch.logsumexp(x / T, -1)).sum().backward()
    assert torch.allclose(x.grad, torch.softmax(x.detach() / T, -1))


def test_alternatives_named_by_the_model_answer_interpolate_as_stated():
    """log-mean-exp and the generalised mean go from the mean to the max, as written."""
    x = torch.rand(30, 9, dtype=torch.float64) * 4
    n = x.shape[-1]

    def log_mean_exp(T):
        return T * (torch.logsumexp(x / T, -1) - torch.log(torch.tensor(float(n), dtype=x.dtype)))

    def generalised_mean(p):
        return x.pow(p).mean(-1).pow(1 / p)
    assert torch.allclose(log_mean_exp(1e4), x.mean(-1), atol=1e-3)
    assert torch.allclose(log_mean_exp(1e-3), x.amax(-1), atol=1e-2)
    assert torch.allclose(generalised_mean(1.0), x.mean(-1))
    assert torch.allclose(generalised_mean(200.0), x.amax(-1), rtol=2e-2)


def test_exercise6_rubric_accepts_alternatives():
    rubric = _model("answer-ex6").split("评分标准")[1]
    first = rubric.split("\n* ")[1]
    assert "任何讲清楚的函数都给分" in first
    for name in ("$L_p$", "随机汇聚", "LogSumExp"):
        assert name in first, name
    assert "不要求一定是 softmax，也不要求提到温度" in first


# ---------------------------------------------------------------- exercise 5: min pooling

def test_min_pool_identity_holds_on_the_pooling_input():
    """min(a) = -max(-a) for the pooling's own input, padding included."""
    a = torch.randn(2, 3, 7, 6)
    mins = -F.max_pool2d(-a, 3, 2, 1)
    by_hand = F.pad(a, (1, 1, 1, 1), value=float("inf")).unfold(2, 3, 2).unfold(3, 3, 2).amin((-2, -1))
    assert torch.equal(mins, by_hand)


def test_negated_conv_weights_through_relu_are_not_min_pooling():
    """The model answer's counterexample, and the identity it states: max(ReLU(-z)) = ReLU(-min z)."""
    text = _model("answer-ex5")
    z = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert r"\mathbf{z} = (1, 2, 3, 4)" in text
    assert F.relu(z).min().item() == 1.0 and r"\min(\mathrm{ReLU}(\mathbf{z})) = 1" in text
    assert F.relu(-z).max().item() == 0.0 and r"\max(\mathrm{ReLU}(-\mathbf{z})) = 0" in text
    zs = torch.randn(100, 9)
    assert torch.equal(F.relu(-zs).amax(-1), F.relu(-zs.amin(-1)))
    assert "效果相同" not in text.split("**评分标准")[0], "the old claim is back in the model answer"


# ---------------------------------------------------------------- exercise 4

def test_shift_inside_a_window_is_no_difference():
    """Both poolings ignore where a feature sits inside a window: the model answer says so."""
    X = torch.zeros(1, 1, 4, 4)
    X[0, 0, 0, 0] = 1.0
    Y = torch.zeros(1, 1, 4, 4)
    Y[0, 0, 1, 1] = 1.0                     # moved, still inside the first 2 x 2 window
    assert torch.equal(F.max_pool2d(X, 2), F.max_pool2d(Y, 2))
    assert torch.equal(F.avg_pool2d(X, 2), F.avg_pool2d(Y, 2))
    text = _model("answer-ex4")
    assert "因此对窗口内的小平移不敏感" not in text
    assert "共同点" in text and "对噪声或平移的敏感性" not in text


# ---------------------------------------------------------------- the operator rule, once per notebook

@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_each_notebook_states_its_rule_once(stem):
    for folder in (SOURCE, RELEASE):
        nb = nbformat.read(folder / f"{stem}.ipynb", as_version=4)
        rules = [c for c in nb.cells if c.cell_type == "markdown" and "本笔记本的规则 / The rule" in c.source]
        assert len(rules) == 1 and rules[0].get("id") == f"{stem[:2]}-operator-rule", stem
        text = rules[0].source
        for f in functions_in(stem):
            assert f"`{f.name}`" in text, f"{stem}: the rule does not mention {f.name}"
        policies = {f.forbid for f in functions_in(stem)}
        if policies & {"pooling", "pooling_require_conv"}:
            assert "不要调用 PyTorch 的汇聚算子" in text and "don't call PyTorch's pooling operators" in text
        if "pooling_require_conv" in policies:
            assert "`F.conv2d`（必须调用它）" in text
        if "conv_relu_only" in policies:
            assert "只用 `F.conv2d`、`F.relu`、`+` 和 `−`" in text and "常数随你怎么构造" in text
        if "none" in policies:
            free = [f.name for f in functions_in(stem) if f.forbid == "none"]
            assert all(f"`{n}` **可以**用 PyTorch 的最大汇聚" in text for n in free)


def test_hint_and_docstrings_no_longer_forbid_calling_other_answers():
    hint = _cell("03_cost", "03-010")
    assert "不能调用别的单元格里定义的函数" not in hint and "可以直接调用上面的 `pool_output_shape`" in hint
    for stem in NOTEBOOKS:
        for folder in (SOURCE, RELEASE):
            nb = nbformat.read(folder / f"{stem}.ipynb", as_version=4)
            assert not any("Only this cell is run by the grader" in c.source for c in nb.cells), stem


# ---------------------------------------------------------------- messages use the notebooks' symbols

def test_messages_name_padding_pad_h_pad_w():
    for mid, (zh, en, hint) in CATALOG.items():
        text = " ".join((zh, en, hint))
        assert "p_pad" not in text, mid
        for args in re.findall(r"F\.pad\(X, \(([^)]*)\)", text):
            assert all(a.strip().startswith("pad_") for a in args.split(",")), (mid, args)
        for term in re.findall(r"2[·*]\s*(\w+)", text):
            assert term in ("pad_h", "pad_w"), (mid, term)


def test_max_pool_as_conv_zero_padding_hint_avoids_the_inf_trap():
    mids = [m.id for m in BY_NAME["max_pool_as_conv"].mistakes]
    assert "conv_max_zero_padding" in mids and "max_zero_padding" not in mids
    zh, en, hint = CATALOG["conv_max_zero_padding"]
    assert "X.min()" in hint and "value=-inf" not in hint and "−∞ 填充" not in hint


# ---------------------------------------------------------------- what the hints promise, under the grader

MIN_PAD = '''def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else tuple(padding)
    N, C, H, W = X.shape
    P = p_h * p_w
    X_pad = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=PAD)
    K = torch.eye(P, dtype=X.dtype).reshape(P, 1, p_h, p_w).repeat(C, 1, 1, 1)
    G = F.conv2d(X_pad, K, stride=(s_h, s_w), groups=C)
    return G.reshape(N, C, P, *G.shape[-2:]).amax(dim=2)
'''

COST_CALLS = '''def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = PAIR(pool_size)
    out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)
    return c * out_h * out_w * (p_h * p_w - 1 if mode == 'max' else p_h * p_w)
'''

AUTOGRAD_BACKWARD = '''def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else tuple(padding)
    with torch.enable_grad():
        Xg = X.detach().clone().requires_grad_()
        Xp = F.pad(Xg, (pad_w, pad_w, pad_h, pad_h), value=-math.inf)
        Y = Xp.unfold(2, p_h, s_h).unfold(3, p_w, s_w).amax(dim=(-2, -1))
        (g,) = torch.autograd.grad(Y, Xg, grad_out)
    return g
'''


def _answered(stem, answers, extra_cell_before=None):
    """The source notebook (solutions) with some answer cells replaced, as a dict."""
    nb = nbformat.read(SOURCE / f"{stem}.ipynb", as_version=4)
    for name, code in answers.items():
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"answer_{name}")
        cell.source = code
        if extra_cell_before:
            nb.cells.insert(nb.cells.index(cell), nbformat.v4.new_code_cell(extra_cell_before))
    return json.loads(nbformat.writes(nb))


@pytest.fixture(scope="module")
def grader():
    from autograder.pipeline.grader import Grader
    from autograder.sandbox.runner import Limits
    g = Grader(Limits(call_timeout=20, notebook_timeout=300))
    yield g
    g.close()


def _rows(grader, stem, nb):
    rows, _ = grader.grade_notebook_full(nb, "s", stem)
    return {r.grade_id: r for r in rows}


def _full(row):
    return row.points == row.max_points and row.status == "passed" and "tampering" not in row.flags \
        and "forbidden" not in row.flags


SUBMISSIONS = {
    "finite pad X.min().item()": ("02_as_convolution", {"max_pool_as_conv": MIN_PAD.replace("PAD", "X.min().item()")},
                                  None, "test_max_pool_as_conv", True),
    "finite pad torch.finfo": ("02_as_convolution",
                               {"max_pool_as_conv": MIN_PAD.replace("PAD", "torch.finfo(X.dtype).min")},
                               None, "test_max_pool_as_conv", True),
    "cost calls pool_output_shape": ("03_cost", {"pool_cost": COST_CALLS.replace(
        "PAIR(pool_size)", "(pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)")},
        None, "test_pool_cost", True),
    # the docstrings' other half: a cell of the student's own is not run
    "helper in a cell of one's own": ("03_cost", {"pool_cost": COST_CALLS.replace("PAIR", "my_pair")},
                                      "def my_pair(v):\n    return (v, v) if isinstance(v, int) else tuple(v)\n",
                                      "test_pool_cost", False),
    "autograd through one's own forward": ("05_gradients", {"max_pool2d_backward": AUTOGRAD_BACKWARD},
                                           None, "test_max_pool2d_backward", True),
}


@pytest.mark.parametrize("label", sorted(SUBMISSIONS))
def test_what_the_notebooks_promise_holds_under_the_grader(grader, label):
    stem, answers, extra, grade_id, full = SUBMISSIONS[label]
    rows = _rows(grader, stem, _answered(stem, answers, extra))
    assert _full(rows[grade_id]) is full, (label, rows[grade_id])
    if not full:
        assert rows[grade_id].points == 0

