"""Grade a batch of submissions: the one place a run is put together.

::

    grade_submissions(submissions, out, backend=None, *, force=False, limits=None,
                      progress=None, on_result=None) -> run.json's dict

A ``Grader`` (owned here, for the run) reads ``source/`` and computes each
submission's cache key; the collector skips unchanged submissions and writes
every result as it arrives; the backend (``autograder.backends``: local
processes by default, or Dask, as the CLI chooses) does the grading.

A sandbox that cannot confine student code (``runner.SandboxTooWeak``, unless
``limits.allow_weak_sandbox``) stops the run before any class table or
run.json is written: whatever ``out`` held stays as it was.
"""
from autograder.backends.local import LocalBackend
from autograder.grader import Grader, kit_digest
from autograder.pipeline.collect_results import CollectResults, failed_result
from autograder.sandbox.runner import Limits
from course.language import in_language


def grade_submissions(submissions, out, backend=None, *, force=False, limits: Limits = None,
                      progress=None, on_result=None):
    """Grade every submission and stream its files to `out` as it finishes; return run.json's dict.

    Unchanged submissions (same notebook bytes, kit and source tests) are skipped
    unless ``force``. ``on_result(result)`` is called with each one graded (a
    ``autograder.results.SubmissionResult``).
    """
    limits = limits or Limits()
    backend = backend or LocalBackend(limits=limits)
    # The run's language (--language): the feedback pages the collector writes here, as the rows
    # each worker renders (Grader.grade_submission); run.json records it.
    with in_language(limits.language), Grader(limits) as grader:
        digest = kit_digest()
        collect = CollectResults(out, digest, progress=progress, on_result=on_result,
                                 allow_weak_sandbox=limits.allow_weak_sandbox)
        todo = collect.todo(submissions, lambda sub: grader.key(sub, digest), force=force)

        def fail(sub, key, why):
            collect.finish(sub, key, failed_result(sub, grader, why[:200]), ok=False)

        extra = backend.grade(todo, grader, collect.finish, fail)
        return collect.close(**extra, language=limits.language)
