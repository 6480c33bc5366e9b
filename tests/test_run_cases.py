"""The one case-running loop (course/run_cases.py) and the one value encoding in a file
(course/values.py: to_json / from_json), as check() and the hidden suites use them."""
import time

import pytest
import torch

from autograder.exercises import EXERCISES as FUNCTIONS
from course import selfcheck, values
from course.run_cases import Returned, private_copy, run_cases


class Case:
    def __init__(self, group="basic", args=(), kwargs=None, scale=1.0, expect_error=None):
        self.group, self.args, self.kwargs = group, args, kwargs or {}
        self.scale, self.expect_error = scale, expect_error


def returns(value):
    return lambda args, kwargs: Returned(value)


def test_a_right_value_passes_and_a_wrong_one_has_its_diff():
    x = torch.ones(2, 2)
    right, = run_cases([Case()], [x], returns(x.clone()))
    assert right.passed and right.diff.ok and right.result.value is not None
    wrong, = run_cases([Case()], [x], returns(x * 2))
    assert not wrong.passed and not wrong.diff.ok


@pytest.mark.parametrize("error,passed", [("ValueError: bad mode", True), ("TypeError: no", False)])
def test_a_case_that_must_raise_passes_only_on_its_error(error, passed):
    ran, = run_cases([Case(expect_error="ValueError")], [None], lambda a, k: Returned(error=error))
    assert ran.passed is passed and ran.diff is None


def test_returning_where_an_error_is_expected_fails_with_should_raise():
    ran, = run_cases([Case(expect_error="ValueError")], [None], returns(1))
    assert not ran.passed and not ran.diff.ok


def test_after_a_timeout_no_case_is_called():
    calls = []

    def call(args, kwargs):
        calls.append(args)
        return Returned(timed_out=True)
    runs = list(run_cases([Case(args=(i,)) for i in range(3)], [0, 0, 0], call))
    assert calls == [(0,)] and [r.result is None for r in runs] == [False, True, True]
    assert not any(r.passed for r in runs)


def test_past_the_deadline_no_case_is_called():
    runs = list(run_cases([Case(), Case()], [1, 1], returns(1), deadline=time.monotonic() - 1))
    assert [r.result for r in runs] == [None, None] and [r.index for r in runs] == [0, 1]


def test_private_copy_keeps_strides_and_is_private():
    x = torch.arange(24.).reshape(2, 12)[:, ::2]
    y = private_copy(x)
    assert y.stride() == x.stride() and torch.equal(x, y)
    y.add_(1)
    assert not torch.equal(x, y)


@pytest.mark.parametrize("value", [
    torch.arange(12.).reshape(3, 4).t(), torch.arange(20, dtype=torch.float64).reshape(4, 5)[:, ::2],
    (2, (1, 3)), "max", None, 1.5, float("nan"), float("inf"), [1, 2], torch.tensor(True)])
def test_to_json_round_trip(value):
    import json
    got = values.from_json(json.loads(json.dumps(values.to_json(value))))
    if isinstance(value, torch.Tensor):
        assert got.dtype == value.dtype and got.stride() == value.stride() and torch.equal(got, value)
    elif isinstance(value, float) and value != value:
        assert got != got
    else:
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize("record", [
    None, {}, {"v": {"$tensor": 0, "dtype": "float32", "shape": [2], "stride": [1]}},
    {"v": {"$tensor": 0, "dtype": "float32", "shape": [2 ** 20, 2 ** 20], "stride": [0, 0]}, "b": ["AAAAAA=="]},
    {"v": 1, "b": ["not base64!"]}, {"v": {"$x": 1}}])
def test_from_json_refuses_what_the_wire_refuses(record):
    with pytest.raises(values.ProtocolError):
        values.from_json(record)


@pytest.mark.parametrize("name", [f.name for f in FUNCTIONS])
def test_public_noncontiguous_inputs_stay_noncontiguous(name):
    """A public case reaches the student's function as the hidden one does: same strides."""
    for case in selfcheck.public_cases(name):
        if case.group == "noncontiguous":
            tensors = [a for a in case.args if isinstance(a, torch.Tensor)]
            assert tensors and not tensors[0].is_contiguous()
