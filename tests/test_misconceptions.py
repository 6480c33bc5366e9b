"""The feedback names the right mistake: every known-mistake model, graded as if it
were a student, is reported under its own misconception id, by the hidden suite
and by the public check alike."""
import dataclasses
import re

import pytest

from autograder import mistakes
from autograder.hidden import local_call
from autograder.suites import run_suite
from course import feedback as fb
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
        return dataclasses.replace(call(args, kwargs), ops=frozenset({"aten.convolution"}))
    return wrapped


@pytest.mark.parametrize("name,model", MODELS, ids=IDS)
def test_hidden_suite_names_the_model(name, model):
    result = run_suite(name, unpoliced(local_call(as_student(name, model))))
    assert result.points < result.max_points
    assert result.misconception == model.id, result.feedback
    assert fb.hint(model.id) in result.feedback
    assert result.message == fb.message(model.id)


def _recorded(model, case):
    """The public case holds this very model's (wrong) output."""
    try:
        out = model.fn(*case["args"], **case["kwargs"])
    except Exception:
        return False
    return any(mid == model.id and fb.compare(wrong, out, scale=case["scale"]).ok
               for mid, wrong in case["mistakes"])


@pytest.mark.parametrize("name,model", MODELS, ids=IDS)
def test_public_check_names_the_model(name, model):
    if not any(_recorded(model, c) for c in selfcheck.public_cases(name)):
        pytest.skip("no public case tells this model apart")
    selfcheck.set_report_only(False)
    try:
        with pytest.raises(AssertionError) as info:
            selfcheck.check(as_student(name, model))
    finally:
        selfcheck.set_report_only(True)
    assert fb.message(model.id) in str(info.value)


def test_every_model_id_is_in_the_catalog():
    for name, model in MODELS:
        assert model.id in fb.CATALOG, model.id


@pytest.mark.parametrize("mid", sorted(fb.CATALOG))
def test_catalog_is_bilingual(mid):
    zh, en, hint = fb.CATALOG[mid]
    assert re.search(r"[\u4e00-\u9fff]", zh), zh
    assert en and en.isascii() or re.search(r"[A-Za-z]", en)
    assert "\n" not in hint and hint.strip()
