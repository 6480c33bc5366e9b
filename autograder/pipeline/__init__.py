"""The grading pipeline, nbgrader style: one small step per module.

read_notebook -> find_answers -> run_suites -> write_results, with the
instructor's tests and points from source_tests; collect_results gathers a
batch (local or Dask) as it finishes. ``autograder.pipeline.grader`` wires them.

Import a step from its own module (``from autograder.pipeline.read_notebook import ReadNotebook``):
this package imports nothing, so a light step (``write_results``, ``source_tests``) never pulls in
torch, and a step can move to another package without a name left behind here.
"""
