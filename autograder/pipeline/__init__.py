"""The grading pipeline, nbgrader style: one small step per module.

read_notebook -> find_answers -> run_suites -> write_results, with the
instructor's tests and points from source_tests; collect_results gathers a
batch (local or Dask) as it finishes. ``autograder.grader`` wires them.
Import a step from its module (``from autograder.pipeline.read_notebook import
ReadNotebook``): the light steps (``source_tests``, ``write_results``) load no torch.
"""
