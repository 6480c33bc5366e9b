"""Known-mistake models: torch-based *wrong* implementations, each tagged with a misconception id.

The models live in the exercise records (``autograder/exercises/<name>.py``; the
ones shared by several functions are transformations of a reference, in
``autograder.exercises.transforms``). When a student's output on a failing case
equals a model's output (and the model's output is wrong there), the student most
likely made that mistake: ``identify`` names the model matching the most failing
cases, and the feedback quotes its message and hint from ``course.messages.CATALOG``.

Each model has the graded function's own signature, so it can also be graded as
if it were a student (``tests/test_misconceptions.py`` checks that every model is
named correctly).
"""
from autograder.exercises import BY_NAME, EXERCISES
from autograder.exercises.record import Mistake  # noqa: F401
from course.compare import compare

# Each function's models, in diagnosis order.
MODELS = {e.name: list(e.mistakes) for e in EXERCISES}


def run_model(model, case):
    """The model's output on a case, or None if it raises (a model may not apply)."""
    try:
        return model.fn(*case.args, **case.kwargs)
    except Exception:
        return None


def targets(name, group):
    """Names of the models of function ``name`` that its property ``group`` is there to catch:
    the public check shows, for every group, at least one case on which each of them fails,
    so a mistake fails the group named after it rather than some other group."""
    return BY_NAME[name].targets(group)


def order(name):
    """The mistake ids of a function's library, in order (ties in a diagnosis go to the earlier)."""
    out = []
    for model in MODELS.get(name, []):
        if model.id not in out:
            out.append(model.id)
    return tuple(out)


def identify(name, failures):
    """The misconception id whose model reproduces the most failing outputs, or None.

    ``failures``: objects with ``case``, ``expected``, ``got``, ``error``. A model counts
    on a case only where its own output is wrong. (The grader itself names every fault
    with ``course.diagnose``; this is the one-model view of the same evidence.)
    """
    votes = {}
    for f in failures:
        if f.error is not None or f.case.expect_error:
            continue
        matched = set()
        for model in MODELS.get(name, []):
            if model.id in matched:
                continue
            wrong = run_model(model, f.case)
            if wrong is None or compare(f.expected, wrong, scale=f.case.scale).ok:
                continue
            if compare(wrong, f.got, scale=f.case.scale).ok:
                matched.add(model.id)
        for mid in matched:
            votes[mid] = votes.get(mid, 0) + 1
    if not votes:
        return None
    return max(order(name), key=lambda m: votes.get(m, 0))
