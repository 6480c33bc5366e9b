"""The grading pipeline, nbgrader style: one small step per file.

read_notebook -> find_answers -> run_suites -> write_results, with the
instructor's tests and points from source_tests; collect_results gathers a
batch (local or Dask) as it finishes. ``autograder.grader`` wires them.
"""
from .source_tests import SourceTests  # noqa: F401
from .read_notebook import ReadNotebook, InvalidNotebook  # noqa: F401
from .find_answers import FindAnswers  # noqa: F401
from .run_suites import RunSuites  # noqa: F401
from .write_results import WriteResults, atomic_write  # noqa: F401
from .collect_results import CollectResults, failed_result  # noqa: F401
