"""Reading ``public_cases.json``: the public cases, the mistake order and the graded
functions' parameter names (data only, no solutions).

What the exercise records (``autograder.exercises``) show students, written by
``autograder.make_public_cases``.
"""
import functools
import json
import pathlib

PUBLIC_CASES = pathlib.Path(__file__).with_name("public_cases.json")


@functools.lru_cache(maxsize=1)
def public_data():
    """The whole of ``public_cases.json`` (read once): cases, mistake order, parameter names."""
    return json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))


def param_names(name):
    """The parameter names of graded function ``name``, in order (``()`` for any other name)."""
    return tuple(public_data()["params"].get(name, ()))
