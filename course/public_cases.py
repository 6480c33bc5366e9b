"""Reading ``public_cases.json``: the public cases, the mistake order and the graded
functions' parameter names (data only, no solutions).

What the exercise records (``autograder.exercises``) show students, written by
``autograder.grading.make_public_cases``.
"""
import functools
import json
import pathlib

PUBLIC_CASES = pathlib.Path(__file__).with_name("public_cases.json")


@functools.lru_cache(maxsize=1)
def public_data():
    """The whole of ``public_cases.json`` (read once): cases, mistake order, parameter names."""
    return json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))


def rule_of(name):
    """The operator rule of graded function ``name`` (``course.forbidden.POLICIES``: the exercise
    record's ``forbid``), or None for a name that is not graded."""
    return public_data().get("rules", {}).get(name)


def notebook_functions(name):
    """The graded functions of ``name``'s notebook (``name`` itself first): the grader reads all
    their answer cells together."""
    books = public_data().get("notebooks", {})
    return [name] + [f for f, nb in books.items() if f != name and nb == books.get(name)]


def param_names(name):
    """The parameter names of graded function ``name``, in order (``()`` for any other name)."""
    return tuple(public_data()["params"].get(name, ()))
