"""Known-mistake models: torch-based *wrong* implementations, each tagged with a misconception id.

The models live in the exercise records (``autograder/exercises/<name>.py``; the
ones shared by several functions are transformations of a reference, in
``autograder.exercises.transforms``). When a student's output on a failing case
equals a model's output (and the model's output is wrong there), the student most
likely made that mistake: the suites run the models (``run_model``) and ``course.diagnose``
names every fault, ties going to the earlier model (``order``); the feedback quotes its message
and hint from ``course.messages.CATALOG``.

Each model has the graded function's own signature, so it can also be graded as
if it were a student (``tests/test_misconceptions.py`` checks that every model is
named correctly).
"""
from autograder.exercises import BY_NAME, EXERCISES
from autograder.exercises.record import Mistake  # noqa: F401

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
