"""The grading pipeline, nbgrader style: one small step per file.

read_notebook -> find_answers -> run_suites -> write_results, with the
instructor's tests and points from source_tests; collect_results gathers a
batch (local or Dask) as it finishes. ``autograder.grader`` wires them.

The names below are imported on first use (PEP 562), so that a light step
(``write_results``, ``source_tests``) never pulls in torch: the CLI answers
a bad argument, ``export`` and ``--help`` without it.
"""
import importlib

_EXPORTS = {
    "SourceTests": "source_tests",
    "ReadNotebook": "read_notebook", "InvalidNotebook": "read_notebook",
    "FindAnswers": "find_answers",
    "RunSuites": "run_suites",
    "WriteResults": "write_results", "atomic_write": "write_results",
    "CollectResults": "collect_results", "failed_result": "collect_results",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
