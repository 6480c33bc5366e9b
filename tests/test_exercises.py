"""Every exercise record is complete and consistent: one place says all the kit knows about a
graded function, and what the other places (the notebook, the student package) read agrees."""
import inspect
import json
import math

import pytest
import torch

from course import forbidden
from autograder.exercises import references as R
from autograder.exercises import EXERCISES, make_cases
from autograder.core.totals import is_optional_cell, points_of
from autograder.exercises import sync_notebooks
from autograder.exercises import transforms as T
from conftest import SOURCE, load_solution
from course.messages import CATALOG, GENERAL, GENERAL_GROUPS, GROUP_TITLES
from course.public_cases import param_names

NAMES = [e.name for e in EXERCISES]


def test_one_record_per_reference():
    assert len(set(NAMES)) == len(NAMES)
    assert NAMES == list(R.REFERENCES)
    for e in EXERCISES:
        assert e.reference is R.REFERENCES[e.name]


@pytest.mark.parametrize("ex", EXERCISES, ids=NAMES)
def test_params_are_the_reference_signature_everywhere(ex):
    """The record's parameter names are the reference's, the student's function in the source
    notebook has them too, and the student package (public_cases.json) reads the same."""
    assert ex.params == tuple(inspect.signature(R.REFERENCES[ex.name]).parameters)
    assert tuple(inspect.signature(load_solution(ex.name)).parameters) == ex.params
    assert param_names(ex.name) == ex.params


@pytest.mark.parametrize("ex", EXERCISES, ids=NAMES)
def test_record_is_complete(ex):
    assert ex.forbid in forbidden.POLICIES
    assert ex.points > 0
    assert ex.groups and all(w > 0 for w in ex.groups.values())
    assert ex.mistakes, "no mistake model: check() could never name a misconception"


@pytest.mark.parametrize("ex", EXERCISES, ids=NAMES)
def test_cases_fill_exactly_the_groups(ex):
    assert {c.group for c in make_cases(ex.name, 0)} == set(ex.groups)


@pytest.mark.parametrize("ex", EXERCISES, ids=NAMES)
def test_mistakes_are_consistent(ex):
    """Each model: a catalogued id, a unique name, the function's own parameters, and
    ``catches`` naming groups the exercise has."""
    assert len({m.name for m in ex.mistakes}) == len(ex.mistakes)
    for m in ex.mistakes:
        assert m.id in CATALOG, m.name
        assert tuple(inspect.signature(m.fn).parameters) == ex.params, m.name
        assert set(m.catches) <= set(ex.groups), (m.name, m.catches)
    # a group's targets are its models, in model order
    for group in ex.groups:
        names = ex.targets(group)
        assert names == [m.name for m in ex.mistakes if m.name in names]


@pytest.mark.parametrize("ex", EXERCISES, ids=NAMES)
def test_points_equal_the_notebook_test_cell(ex):
    """The record's points are the truth; the notebook's test cell says them as nbgrader reads them
    (``make regen`` writes them there: autograder.exercises.sync_notebooks)."""
    nb = json.loads((SOURCE / f"{ex.notebook}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == ex.grade_id]
    assert [points_of(c) for c in cells] == [ex.points]
    assert [is_optional_cell(c) for c in cells] == [ex.optional]
    assert cells[0]["metadata"]["nbgrader"]["points"] == (0 if ex.optional else ex.points)


def test_notebooks_are_in_sync_with_the_records():
    assert sync_notebooks.stale() == []


def test_sync_writes_points_and_optional_and_checks_the_order():
    """From a notebook whose points are wrong, the sync step writes the records' (and only those)."""
    nb = json.loads((SOURCE / "02_as_convolution.ipynb").read_text(encoding="utf-8"))
    grading = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"] for c in nb["cells"]
               if c["metadata"].get("nbgrader", {}).get("grade")}
    grading["test_avg_pool_as_conv"]["nbgrader"]["points"] = 7
    grading["test_max_pool_conv_relu"].pop("optional")
    grading["test_max_pool_conv_relu"]["nbgrader"]["points"] = 1
    before = json.dumps(grading["answer_ex3c"], sort_keys=True)
    out = sync_notebooks.synced(nb)
    meta = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"] for c in out["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")}
    assert meta["test_avg_pool_as_conv"]["nbgrader"]["points"] == 2
    assert meta["test_max_pool_conv_relu"]["nbgrader"]["points"] == 0
    assert meta["test_max_pool_conv_relu"]["optional"] == {"points": 1}
    assert json.dumps(meta["answer_ex3c"], sort_keys=True) == before      # a written answer: not a record's
    tests = [i for i, c in enumerate(out["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    out["cells"][tests[0]], out["cells"][tests[1]] = out["cells"][tests[1]], out["cells"][tests[0]]
    with pytest.raises(sync_notebooks.OrderError):
        sync_notebooks.synced(out)


def test_record_messages_are_the_generated_ones():
    """Each record's own messages reach course.messages (through course/exercise_messages.json),
    word for word; and no id is written twice."""
    own = [(mid, m) for e in EXERCISES for mid, m in e.messages.items()]
    assert own, "no record has messages of its own"
    assert len({mid for mid, _ in own}) == len(own)
    assert not {mid for mid, _ in own} & GENERAL
    for mid, (zh, en, hint) in own:
        assert CATALOG[mid][:2] == (zh, en)
        assert (CATALOG[mid][2].zh, CATALOG[mid][2].en, str(CATALOG[mid][2])) == (hint.zh, hint.en, str(hint))
    # each is named by a mistake of its own record (else it belongs in course/messages.py)
    for e in EXERCISES:
        assert set(e.messages) <= {m.id for m in e.mistakes}, e.name


def test_record_group_titles_are_the_generated_ones():
    """Likewise the titles of the property groups only one record has."""
    own = [(name, title) for e in EXERCISES for name, title in e.group_titles.items()]
    assert own, "no record has group titles of its own"
    assert len({name for name, _ in own}) == len(own)
    assert not {name for name, _ in own} & GENERAL_GROUPS
    for name, title in own:
        shown = GROUP_TITLES[name]
        assert (shown.zh, shown.en, str(shown)) == (title.zh, title.en, str(title))
    for e in EXERCISES:
        assert set(e.group_titles) <= set(e.groups), e.name


# ---------------------------------------------------------------------------
# The shared transformations do what they say, on any reference
# ---------------------------------------------------------------------------

X = torch.arange(30, dtype=torch.float64).reshape(1, 1, 5, 6) - 20.0


def test_stride_default_one_takes_none_as_one():
    wrong = T.stride_default_one(R.min_pool2d)
    assert torch.equal(wrong.fn(X, (2, 3)), R.min_pool2d(X, (2, 3), 1))
    assert torch.equal(wrong.fn(X, 2, stride=2), R.min_pool2d(X, 2, 2))
    assert wrong.catches == ("stride",)


def test_hw_swapped_swaps_window_stride_and_padding():
    wrong = T.hw_swapped(R.pool_output_shape)
    assert wrong.fn(5, 9, (2, 4), (1, 3), (1, 2)) == R.pool_output_shape(5, 9, (4, 2), (3, 1), (2, 1))
    assert wrong.catches == ("padding", "shapes")
    # no padding parameter: nothing to catch in a padding group
    assert T.hw_swapped(R.softmax_pool2d).catches == ("shapes",)


def test_hand_padding_is_the_padding_that_wins_or_not():
    """Padding X by hand with the pad that never wins is the reference; with 0 it is zero padding."""
    right = T.padded_by_hand(R.max_pool_as_conv, -math.inf)
    assert torch.equal(right(X, 3, 2, 1), R.max_pool_as_conv(X, 3, 2, 1))
    zero = T.max_zero_padding(R.max_pool_as_conv).fn(X, 3, 2, 1)
    assert zero[0, 0, 0, 0] == 0.0 and R.max_pool_as_conv(X, 3, 2, 1)[0, 0, 0, 0] < 0


def test_per_mode_values_leave_the_other_mode_right():
    wrong = T.max_zero_padding(R.pool2d_padded, {"max": 0.0, "avg": None})
    assert torch.equal(wrong.fn(X, 3, 2, 1, mode="avg"), R.pool2d_padded(X, 3, 2, 1, mode="avg"))
    assert not torch.equal(wrong.fn(X, 3, 2, 1, mode="max"), R.pool2d_padded(X, 3, 2, 1, mode="max"))


def test_gradient_of_a_forward_mistake_keeps_its_id():
    forward = T.max_zero_padding(R.max_pool_as_conv)
    backward = T.gradient(forward)
    assert (backward.id, backward.catches) == (forward.id, forward.catches)
    g = torch.ones(1, 1, 3, 3, dtype=X.dtype)
    assert backward.fn(X, g, 3, 2, 1).sum() < R.max_pool2d_backward(X, g, 3, 2, 1).sum()   # pads took some
