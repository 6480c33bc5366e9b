"""Hidden suites: run a function's cases, score the property groups, explain the first failure.

::

    run_suite(name, call, *, seed=0, replay=None, budget=SUITE_BUDGET) -> FunctionResult

``call(args, kwargs) -> CallResult`` calls the student's function once and
never raises: in a kernel it is ``autograder.hidden.local_call(fn)``, in the
grader the sandbox proxy. Points are ``max_points`` times the weighted share
of property groups whose cases all pass (partial credit); a group counts
only if it is witnessed (``autograder.grading.witness``: some case of it no
degenerate answer passes); a forbidden operator gives 0.
"""
from contextlib import nullcontext
from dataclasses import dataclass
import functools
import time
from typing import Callable, Optional

import torch

from autograder.grading import mistakes, witness
from course import forbidden
from autograder.grading import evidence
from autograder.exercises import make_cases
from autograder.exercises.record import Case
from autograder.core.config import GradingConfig
from autograder.exercises import BY_NAME
from autograder.core.results import FunctionResult, GroupResult, Status  # noqa: F401  (typed results, a leaf; re-exported)
from autograder.sandbox.call_result import CallResult  # noqa: F401  (re-exported)
from autograder.grading.row_message import OP_MISCONCEPTIONS, function_message
from course import messages, operator_rule
from course.compare import Diff, compare
from course.language import say
from course.describe import format_failure, format_not_reproduced, format_seen_in
from course.feedback import GroupLine, format_report
from course.picture import case_picture
from course.safe_text import student_text
from course.diagnose import RAISES, Outcome, diagnose, matches
from course.run_cases import error_type, run_cases
from course.timing import one_thread


# Property groups and their weights, per function (the exercise records'). Every case's group is one.
GROUPS = {name: dict(spec.groups) for name, spec in BY_NAME.items()}

# A whole suite gives up (status 'timeout') after this many seconds: the default configuration's
# (a run's own is GradingConfig.suite_budget, derived from --timeout, passed as ``budget``).
SUITE_BUDGET = GradingConfig().budget


@dataclass
class Failure:
    case: Case
    expected: object
    got: object = None
    diff: Optional[Diff] = None
    error: Optional[str] = None


def expected_of(name: str, case: Case) -> object:
    """The reference's output for a case (None when the case expects an exception)."""
    if case.expect_error:
        return None
    # the backward references need autograd
    with nullcontext() if name.endswith("_backward") else torch.no_grad():
        return BY_NAME[name].reference(*case.args, **case.kwargs)


@functools.lru_cache(maxsize=None)
def earnable_groups(name: str, seed: int = 0) -> frozenset[str]:
    """The groups of a suite that a degenerate answer cannot pass (cached: cases are fixed per seed)."""
    cases = make_cases(name, seed)
    return witness.witnessed_groups(cases, [expected_of(name, c) for c in cases])


# One intra-op thread while grading: tiny tensors, and a shared machine makes torch's thread
# pool cost milliseconds per op. The same context the notebooks' timing uses (one definition).
single_thread = one_thread


def run_suite(name: str, call: Callable, *, seed: int = 0, replay: Optional[Callable] = None,
              budget: float = SUITE_BUDGET) -> FunctionResult:
    """Run graded function ``name``'s hidden suite through ``call``; return a ``FunctionResult``.

    ``replay``, when given, is a ``call`` into a process that has seen none of
    the other hidden cases: the one case the feedback shows is run again there
    and only that run's error, value and op names are shown. So whatever the
    function memorised from the other cases cannot reach the feedback.
    ``budget``: seconds for the whole suite (the run's ``GradingConfig.suite_budget``).
    """
    with single_thread():
        return _run_suite(name, call, seed, replay, budget)


def _run_suite(name, call, seed, replay=None, budget=SUITE_BUDGET):
    spec = BY_NAME[name]
    weights = GROUPS[name]
    cases = make_cases(name, seed)
    failures, errors, ops = [], [], set()
    x_ops: Optional[set] = set()
    value_errors = 0              # raised where a value was expected
    n_failed = {g: 0 for g in weights}
    n_cases = {g: 0 for g in weights}
    timed_out = False
    outputs = []                  # (case index, case, output hash): the behavioural fingerprint
    ran = []                      # (case index, case, Failure or None) of every case that ran

    deadline = time.monotonic() + budget
    for r in run_cases(cases, _expected_outputs(name, seed), call, deadline=deadline):
        i, case, res = r.index, r.case, r.result
        n_cases[case.group] += 1
        if res is None:           # not called: the suite's time was up
            timed_out = True
            n_failed[case.group] += 1
            continue
        outputs.append((i, case, evidence.output_hash(res)))
        ops |= set(res.ops)
        if x_ops is not None and res.x_ops is not None:
            x_ops |= set(res.x_ops)
        elif res.x_ops is None and res.ops:
            x_ops = None              # a call that did not record apart: judge every op
        if r.passed:
            ran.append((i, case, None))
            continue
        if res.timed_out:
            timed_out = True
        elif res.error is not None:
            errors.append(res.error)
            value_errors += not case.expect_error
        failure = _failure(r, _shown_expected(r))
        n_failed[case.group] += 1
        failures.append(failure)
        ran.append((i, case, failure))

    # A group without a witness proves nothing (raising for a bad mode, 1x1 windows): no points.
    earnable = earnable_groups(name, seed)
    groups = [GroupResult(g, w, n_failed[g] == 0 and n_cases[g] > 0 and g in earnable,
                          n_cases[g], n_failed[g])
              for g, w in weights.items()]
    score = sum(g.weight for g in groups if g.passed) / sum(weights.values())
    max_points = float(spec.points)

    # Status and misconception, most decisive first.
    bad_ops = forbidden.violations(spec.forbid, ops, x_ops)
    # Raising where an error is expected is right: "raises everywhere" counts the other cases.
    n_calls = sum(1 for c in cases if not c.expect_error)
    # Not implemented: every call raised NotImplementedError (one that returns elsewhere is an attempt).
    not_impl = value_errors == n_calls and errors and all(error_type(e) == "NotImplementedError" for e in errors)
    # A function that never returned cannot have "not used conv": say it raised.
    only_missing_conv = bad_ops == ["missing:" + forbidden.CONV]
    faults = []
    if not_impl:
        score, status, mid = 0.0, "error", "not_implemented"
    elif bad_ops and not (only_missing_conv and value_errors == n_calls):
        score, status = 0.0, "failed"
        mid = operator_rule.recorder_misconception(spec.forbid, bad_ops)     # course.check() names it so too
    elif value_errors == n_calls:
        score, status, mid = 0.0, "error", "raises"
    elif timed_out:
        status, mid = "timeout", "timeout"
    elif not failures:
        status, mid = "passed", None
    else:
        status = "failed"
        faults = _diagnose(name, seed, ran)
        mid = faults[0].mid if faults else None

    mids = [f.mid for f in faults] if faults else [mid] if mid else []
    shown = faults[0].smallest.ref if faults else None
    points = round(max_points * score, 2)
    message, feedback_text, picture = _explain(name, status, mids, groups, failures, bad_ops, points, max_points,
                                               replay=replay, cases=cases, shown=shown)
    return FunctionResult(name, points, max_points, score, Status(status), message, feedback_text, mid, groups,
                          evidence.record(outputs, failures), mids, picture)


@functools.lru_cache(maxsize=None)
def _expected_outputs(name, seed):
    """The reference's output for every case of the suite (None where a case must raise)."""
    return tuple(expected_of(name, c) for c in make_cases(name, seed))


@functools.lru_cache(maxsize=None)
def _suite_cases(name, seed):
    """The suite's cases, made once per process (the models' evidence is computed on these)."""
    return tuple(make_cases(name, seed))


@functools.lru_cache(maxsize=None)
def _model_on_case(name, seed, model_index, case_index):
    """(model key, its output on the case or RAISES, whether that is wrong there); cached, as the
    cases are fixed per seed: a class shares the work."""
    case = _suite_cases(name, seed)[case_index]
    model = mistakes.MODELS[name][model_index]
    value = mistakes.run_model(model, case)
    if value is None:
        return model.name, RAISES, True
    expected = _expected_outputs(name, seed)[case_index]
    return model.name, value, not compare(expected, value, scale=case.scale).ok


def _diagnose(name, seed, ran):
    """Every independent fault behind the failures (``course.diagnose``), primary first.

    The mistake models run on the failing cases; only those that reproduce some failure
    run on the passing cases too (their evidence: how often they are wrong where the
    student is right)."""
    models = range(len(mistakes.MODELS.get(name, [])))
    outcomes, candidates = [], set[int]()
    for i, case, failure in ran:
        outcome = Outcome(
            name, case.args, case.kwargs, case.group, case.size, failure is None,
            expect_error=case.expect_error, error=failure and failure.error, diff=failure and failure.diff,
            got=failure and failure.got, expected=failure.expected if failure else None, ref=failure)
        if failure is not None and not case.expect_error:
            runs = [_model_on_case(name, seed, m, i) for m in models]
            outcome.wrong = frozenset(key for key, _, wrong in runs if wrong)
            outcome.matched = frozenset(
                key for key, value, wrong in runs
                if wrong and matches(value, outcome, lambda e, g: compare(e, g, scale=case.scale)))
            candidates |= outcome.matched
        outcomes.append(outcome)
    if candidates:
        keys = {m: mistakes.MODELS[name][m].name for m in models}
        chosen = [m for m in models if keys[m] in candidates]
        for (i, case, failure), outcome in zip(ran, outcomes):
            if failure is None and not case.expect_error:
                runs = [_model_on_case(name, seed, m, i) for m in chosen]
                outcome.wrong = frozenset(key for key, _, wrong in runs if wrong)
    return diagnose(outcomes, order=mistakes.order(name))


# Misconceptions that come from the operator policy, not from wrong values: OP_MISCONCEPTIONS
# (autograder.grading.row_message, where a row's one-line message is made).


# Forbidden op names shown at most (each is student-controlled text: the child reports them).
SHOWN_OPS = 3


def smallest(failures: list["Failure"]) -> "Failure | None":
    """The failure whose case is smallest (ties: the first); None if there is none."""
    return min(failures, key=lambda f: f.case.size) if failures else None


def _shown_expected(ran):
    """What the feedback shows as expected: the reference's output, or "raise X" where a case
    that must raise returned a value."""
    res, case = ran.result, ran.case
    if case.expect_error and not res.timed_out and res.error is None:
        return f"raise {case.expect_error}"
    return ran.expected


def _failure(ran, expected):
    """The Failure of a case that did not pass, showing ``expected`` as its expected output."""
    res, case = ran.result, ran.case
    if res.timed_out:
        return Failure(case, expected, error="timeout")
    if res.error is not None:
        return Failure(case, expected, error=res.error)
    return Failure(case, expected, res.value, ran.diff)


def _replayed(failure, replay):
    """``failure``'s case run again through ``replay`` -> the Failure to show, or None if it passed."""
    ran = next(run_cases([failure.case], [failure.expected], replay))
    return None if ran.passed else _failure(ran, failure.expected)


def _failure_text(name, first, replay):
    """(text, picture) of the one failing case the feedback shows, as a replay reproduces it.

    ``first`` is the smallest case of the fault named first, so the case shown and the
    mistake named under it agree."""
    if replay is not None:
        shown = _replayed(first, replay)
        if shown is None:
            return format_not_reproduced(name, first.case.args, first.case.kwargs), None
        first = shown
    if first.error == "timeout":
        return "", None
    text = format_failure(name, first.case.args, first.case.kwargs,
                             first.expected, first.got, first.diff, first.error)
    return text, case_picture(name, first.case.args, first.case.kwargs, first.expected, first.got,
                                 first.diff, first.error)


def _shown_ops(name, bad_ops, failures, cases, replay):
    """(forbidden op names to show, the case they were seen on or None). Names are the
    child's text, like an error: at most SHOWN_OPS, and with a replay only those that one
    case (the smallest failing one, else the smallest that returns) dispatches again."""
    bad_ops = [op for op in bad_ops if not op.startswith("missing:")]
    case = None
    if replay is not None and bad_ops:
        case = min([f.case for f in failures] or [c for c in cases if not c.expect_error] or list(cases),
                   key=lambda c: c.size)
        again = replay(case.args, case.kwargs)
        bad_ops = [op for op in forbidden.violations(BY_NAME[name].forbid, again.ops, again.x_ops) if op in bad_ops]
    shown = [student_text(op, 60) for op in bad_ops]
    return ", ".join(shown[:SHOWN_OPS]) + (" …" if len(shown) > SHOWN_OPS else ""), case


def _explain(name, status, mids, groups, failures, bad_ops, points, max_points, *, replay=None, cases=(),
             shown=None):
    """(one-line message, longer feedback text, picture of the shown case or None). Shows at most
    one failing case (``shown``, else the smallest), and of the student's own text only what
    ``replay`` (when given) reproduces on that one case. ``mids``: the faults named, primary first."""
    lines = [GroupLine(g.name, g.passed, g.n_cases, g.n_failed, g.weight) for g in groups]
    failure_text, picture = "", None
    mid = mids[0] if mids else None
    failed = [g.name for g in groups if not g.passed]
    message = function_message(status, mids, failed)
    if mid in OP_MISCONCEPTIONS:
        shown, case = _shown_ops(name, bad_ops, failures, cases, replay)
        if shown and case is not None:        # the one case the names come from is the one shown
            failure_text = format_seen_in(name, case.args, case.kwargs)
        summary = message + (f"：{shown}" if shown else "") + " → " + say("0 分", "0 points")
    elif status == "passed":
        summary = message
    else:
        summary = say("未通过", "failed") + f": {', '.join(messages.group_title(g) for g in failed)}"
        first = shown or smallest(failures)
        if first is not None and first.error != "timeout" and mid != "not_implemented":
            failure_text, picture = _failure_text(name, first, replay)
    title = f"{name}: {points:g} / {max_points:g}"
    text = format_report(title, lines, summary=summary, failure=failure_text,
                            mistake=mids if status != "passed" else None)
    return message, text, picture


def suites_table() -> str:
    """Markdown table for the README: per function, its property groups and their points."""
    lines = ["| function | points | cases | property groups (points) |",
             "| --- | ---: | ---: | --- |"]
    for name, weights in GROUPS.items():
        spec = BY_NAME[name]
        total = sum(weights.values())
        groups = " · ".join(f"{g} {spec.points * w / total:.2f}" for g, w in weights.items())
        extra = " (optional)" if spec.optional else ""
        lines.append(f"| `{name}`{extra} | {spec.points:g} | {len(make_cases(name))} | {groups} |")
    return "\n".join(lines) + "\n"
