"""The feedback names the right mistake: every known-mistake model, graded as if it
were a student, is reported under its own misconception id, by the hidden suite
and by the public check alike."""
import dataclasses
import re

import pytest

from autograder.grading import mistakes
from autograder.hidden import local_call
from autograder.grading.suites import run_suite
from course.compare import compare, should_raise
from course.describe import describe_value, format_failure, format_tensor
from course.messages import CATALOG, hint, message
from course import selfcheck

MODELS = [(name, m) for name, ms in mistakes.MODELS.items() for m in ms]
IDS = [f"{name}/{m.name}" for name, m in MODELS]


def as_student(name, model):
    """The model under the graded function's name."""
    def fn(*args, **kwargs):
        return model.fn(*args, **kwargs)
    fn.__name__ = name
    return fn


def unpoliced(call):
    """Models are written with torch pooling; hide that from the operator policy
    (and show a convolution, which the *_as_conv policies require)."""
    def wrapped(args, kwargs):
        conv = frozenset({"aten.convolution"})
        return dataclasses.replace(call(args, kwargs), ops=conv, x_ops=conv)
    return wrapped


@pytest.mark.parametrize("name,model", MODELS, ids=IDS)
def test_hidden_suite_names_the_model(name, model):
    result = run_suite(name, unpoliced(local_call(as_student(name, model))))
    assert result.points < result.max_points
    assert result.misconception == model.id, result.feedback
    assert hint(model.id) in result.feedback
    assert result.message == message(model.id)
    # One mistake, one fault: nothing else is named beside it.
    assert result.misconceptions == [model.id], result.feedback


def _recorded(model, case):
    """The public case holds this very model's (wrong) output."""
    try:
        out = model.fn(*case.args, **case.kwargs)
    except Exception:
        return False
    return any(key == model.name and not isinstance(wrong, str) and compare(wrong, out, scale=case.scale).ok
               for key, wrong in case.mistakes)


@pytest.mark.parametrize("name,model", MODELS, ids=IDS)
def test_public_check_names_the_model(name, model, monkeypatch):
    if not any(_recorded(model, c) for c in selfcheck.public_cases(name)):
        pytest.skip("no public case tells this model apart")
    # Models are written with torch pooling: check() applies the grader's rule, which would
    # (rightly) name that first; this test is about the values, so the rule is set aside.
    monkeypatch.setattr(selfcheck, "rule_of", lambda name: "none")
    with pytest.raises(AssertionError) as info:
        selfcheck.check(as_student(name, model), report_only=False)
    assert message(model.id) in str(info.value)


def test_every_model_id_is_in_the_catalog():
    for name, model in MODELS:
        assert model.id in CATALOG, model.id


@pytest.mark.parametrize("mid", sorted(CATALOG))
def test_catalog_is_bilingual(mid):
    zh, en, hint = CATALOG[mid]
    assert re.search(r"[\u4e00-\u9fff]", zh), zh
    assert en and en.isascii() or re.search(r"[A-Za-z]", en)
    assert "\n" not in hint and hint.strip()


# ---------------------------------------------------------------- #15: public groups, agreement, languages

def _fails(model, case):
    try:
        out = model.fn(*case.args, **case.kwargs)
    except Exception:
        return True
    return not compare(case.expected, out, scale=case.scale).ok


TARGETED = [(name, group, m) for name, ms in mistakes.MODELS.items() for m in ms for group in m.catches]


@pytest.mark.parametrize("name,group,model", TARGETED,
                         ids=[f"{n}/{g}/{m.name}" for n, g, m in TARGETED])
def test_public_group_catches_its_mistake(name, group, model):
    """Each public property group fails under the mistakes it is there to catch, whenever
    the hidden group of that name can catch them at all (zero padding fails 'padding')."""
    from autograder.exercises import make_cases
    from autograder.grading.make_public_cases import PUBLIC_SEED
    from autograder.grading.suites import expected_of
    hidden = [c for c in make_cases(name, PUBLIC_SEED) if c.group == group and not c.expect_error]
    if not any(not compare(expected_of(name, c), mistakes.run_model(model, c), scale=c.scale).ok
               for c in hidden if mistakes.run_model(model, c) is not None):
        pytest.skip("the group has no case where this model returns a wrong value")
    public = [c for c in selfcheck.public_cases(name) if c.group == group and not c.expect_error]
    assert any(_fails(model, c) for c in public), f"public group {group!r} of {name} passes {model.name}"


def test_zero_padding_fails_the_padding_group_and_is_named():
    """The issue's own example: max pooling padded with 0 passes no public 'padding' check."""
    from student_answers import ZERO_PADDED_MAX
    ns = {}
    exec("import math\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n" + ZERO_PADDED_MAX, ns)
    fn = ns["pool2d_padded"]
    public = [c for c in selfcheck.public_cases("pool2d_padded") if c.group == "padding"]
    assert any(_fails(mistakes.Mistake("x", fn), c) for c in public)
    text = _check_text(fn)
    assert "✗ 填充 / padding" in text, text
    assert message("max_zero_padding") in text
    shown = text.split("最小的失败用例")[1]
    assert "padding" in shown.split("差异")[0], "the case shown is not a padded one:\n" + text


def _check_text(fn):
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        selfcheck.check(fn, report_only=True)
    return buf.getvalue()


def test_seed_pool2d_case_and_diagnosis_agree():
    """The book's pool2d: every fault is named, and the case shown is the first one's."""
    import pathlib
    from test_mutants import load_mutant
    name, mids, fn = load_mutant(pathlib.Path(__file__).parent / "mutants" / "pool2d" / "seed_verbatim.py")
    for text in (_check_text(fn), run_suite(name, local_call(fn)).feedback):
        for mid in mids:
            assert message(mid) in text, text
        head = text.split("可能的错误")[1]
        primary = min(mids, key=lambda m: head.index(message(m)))
        shown = text.split("最小的失败用例")[1].split("可能的错误")[0]
        if primary == "mode_not_validated":
            assert "应当抛出 / should raise: ValueError" in shown, text
        elif primary == "dtype_not_kept":
            assert "float64" in shown, text
        elif primary == "fails_with_int_size":
            assert re.search(r"pool_size = \d+\n", shown), text
        assert "raise raise" not in text and "should raise: raise" not in text


_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
# Words that are code, not language: identifiers, dtypes, tensor reprs.
_CODE_WORDS = {"tensor", "float32", "float64", "float16", "inf", "nan", "max", "avg", "min", "mean", "True",
               "False", "None", "pool_size", "stride", "padding", "mode", "temperature", "grad_out"}


def _untranslated(text):
    """Lines with English words but no Chinese (code and numbers aside)."""
    bad = []
    for line in text.splitlines():
        if re.search(r"[\u4e00-\u9fff]", line):
            continue
        words = [w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", line)
                 if _ASCII_WORD.fullmatch(w) and w not in _CODE_WORDS and w not in mistakes.MODELS]
        if words:
            bad.append(line)
    return bad


@pytest.mark.parametrize("name,model", MODELS, ids=IDS)
def test_every_feedback_line_is_bilingual(name, model):
    """No English-only fragment in what a student reads ("9 of 108 elements differ", "of shape" ...)."""
    result = run_suite(name, unpoliced(local_call(as_student(name, model))))
    assert not _untranslated(result.feedback), _untranslated(result.feedback)
    assert not _untranslated(_check_text(as_student(name, model)))


def test_fragments_named_in_the_issue_are_bilingual():
    """Each piece a line is built from carries its Chinese: diffs of every kind, value
    ranges, crops of a tensor, 'should raise'."""
    import torch
    cjk = re.compile(r"[\u4e00-\u9fff]")
    e = torch.zeros(2, 3)
    diffs = [compare(e, e + 1), compare(e, torch.zeros(3, 2)), compare(e, e.double()),
             compare(e, [[0.0]]), compare((2, 3), (3, 2)), compare((2, 3), "x"),
             compare(5, 6), compare(5, "x"), compare(5, float("inf")), should_raise("ValueError")]
    for d in diffs:
        assert cjk.search(d.detail) and re.search(r"[A-Za-z]{3,}", d.detail), d.detail
    nc = torch.arange(12.0).reshape(3, 4).t()
    assert "非连续 / non-contiguous" in describe_value(nc) and "取值 / values in" in describe_value(nc)
    assert "形状 / of shape" in format_tensor(torch.zeros(1, 1, 9, 9), (0, 0, 4, 4))
    text = format_failure("pool2d", (torch.zeros(3, 3), 2), {"mode": "min"}, "raise ValueError",
                             torch.zeros(2, 2), should_raise("ValueError"))
    assert "应当抛出 / should raise: ValueError" in text and "raise raise" not in text
    text = format_failure("pool2d", (torch.zeros(3, 3), 2), {}, e, e + 1, compare(e, e + 1))
    assert "期望 / expected 0，实际 / got 1" in text


def _mutant_files():
    import pathlib
    return sorted((pathlib.Path(__file__).parent / "mutants").glob("*/*.py"))


# Mutants whose mistake is the operator policy, or no single mistake: named by the rule tests
# (test_check_agrees), not here.
_OP_POLICY = {"conv_not_used", "conv_relu_only", "forbidden_op", "tampering"}


@pytest.mark.parametrize("path", _mutant_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_public_check_names_each_mutants_mistakes(path):
    """The self-check a student runs names the same mistakes as the hidden grader."""
    from test_mutants import load_mutant
    name, mids, fn = load_mutant(path)
    mids = mids if isinstance(mids, tuple) else (mids,)
    if None in mids or set(mids) & _OP_POLICY:
        pytest.skip("no single mistake, or one of the operator policy")
    text = _check_text(fn)
    for mid in mids:
        assert message(mid) in text, text


def test_hints_agree_with_the_notebooks():
    """#15: the catalogue and the notebooks' hints say the same thing: check the mode first
    (not "raise at the end"); a finite padding value is a very negative one (not "small")."""
    import nbformat
    from conftest import SOURCE
    basics = "\n".join(c.source for c in nbformat.read(SOURCE / "01_basics.ipynb", as_version=4).cells)
    assert "在循环开始之前检查 `mode`" in basics
    mode_hint = hint("mode_not_validated")
    assert "末尾" not in mode_hint and "at the end" not in mode_hint
    assert "开头" in mode_hint and "first" in mode_hint
    inf_hint = hint("inf_times_zero")
    assert "很小的有限值" not in inf_hint and "X.min()" in inf_hint and "not a number near 0" in inf_hint
    conv = "\n".join(c.source for c in nbformat.read(SOURCE / "02_as_convolution.ipynb", as_version=4).cells)
    assert "不大于任何真实元素的**有限**值填充" in conv and "value=X.min().item()" in conv
    # the zero-padding message of this exercise points to the same finite pad, never to −∞ padding
    assert "X.min()" in hint("conv_max_zero_padding") and "-inf" not in hint("conv_max_zero_padding")


# ---------------------------------------------------------------- #20: formulas taken apart

def _cost(formula):
    from autograder.exercises.references import window_args

    def pool_cost(c, h, w, pool_size, stride=None, padding=0, mode='max'):
        (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
        per = kh * kw - 1 if mode == 'max' else kh * kw
        return formula(c, h, w, kh, kw, sh, sw, ph, pw, per)
    return pool_cost


def _shape(formula):
    from autograder.exercises.references import window_args

    def pool_output_shape(h, w, pool_size, stride=None, padding=0):
        (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
        return formula(h, kh, sh, ph), formula(w, kw, sw, pw)
    return pool_output_shape


FORMULAS = [
    ("ceil", _shape(lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1), ["ceil_mode"]),
    ("true_division", _shape(lambda n, k, s, p: (n + 2 * p - k) / s + 1), ["true_division"]),
    ("no_plus_one", _shape(lambda n, k, s, p: (n + 2 * p - k) // s), ["shape_off_by_one"]),
    ("one_side_true_division", _shape(lambda n, k, s, p: (n + p - k) / s + 1), ["one_sided_padding", "true_division"]),
    ("padding_left_out", _shape(lambda n, k, s, p: (n - k) // s + 1), ["padding_ignored"]),
    # the issue's "height and width swapped" for a cost that counts the input's elements, window ignored
    ("counts_inputs", _cost(lambda c, h, w, kh, kw, sh, sw, ph, pw, per: c * h * w),
     ["cost_counts_inputs", "cost_per_window"]),
    ("counts_inputs_per_window", _cost(lambda c, h, w, kh, kw, sh, sw, ph, pw, per: c * h * w * per),
     ["cost_counts_inputs"]),
    ("cost_true_division", _cost(lambda c, h, w, kh, kw, sh, sw, ph, pw, per:
                                 c * ((h + 2 * ph - kh) / sh + 1) * ((w + 2 * pw - kw) / sw + 1) * per), ["true_division"]),
    ("cost_ceil", _cost(lambda c, h, w, kh, kw, sh, sw, ph, pw, per:
                        c * (-(-(h + 2 * ph - kh) // sh) + 1) * (-(-(w + 2 * pw - kw) // sw) + 1) * per), ["ceil_mode"]),
]


@pytest.mark.parametrize("fn,mids", [(f, m) for _, f, m in FORMULAS], ids=[n for n, _, _ in FORMULAS])
def test_formula_mistakes_are_named(fn, mids):
    """#20: ceil vs floor, a missing + 1, padding on one side or left out, true division and counting the
    input's elements are each named by their own words (and nothing else is named beside them)."""
    result = run_suite(fn.__name__, local_call(fn))
    assert result.points < result.max_points
    assert sorted(result.misconceptions) == sorted(mids), result.feedback
    assert "hw_swapped" not in result.misconceptions


def test_stride_ignored_only_when_the_output_is_the_stride_one_result():
    """#20: "the stride is ignored" is said of an output that IS the stride-1 result, and never of code
    that is also wrong at stride 1 (there the settings speak without that claim)."""
    from autograder.exercises.references import pool2d_padded

    def ignores(X, pool_size, stride=None, padding=0, mode='max'):
        return pool2d_padded(X, pool_size, 1, padding, mode)

    def also_wrong_at_one(X, pool_size, stride=None, padding=0, mode='max'):
        s = 1 if stride is None else stride
        y = pool2d_padded(X, pool_size, s, padding, mode)
        return y + 1.0 if s not in (1, (1, 1)) else y     # wrong wherever the stride is not 1, but not stride-1 output
    ignores.__name__ = also_wrong_at_one.__name__ = "pool2d_padded"
    assert run_suite("pool2d_padded", unpoliced(local_call(ignores))).misconception == "stride_ignored"
    result = run_suite("pool2d_padded", unpoliced(local_call(also_wrong_at_one)))
    assert "stride_ignored" not in result.misconceptions, result.feedback
    assert "步幅被忽略" not in result.feedback and "stride is ignored" not in result.feedback
