"""Grade a batch of submissions: the one place a run is put together.

::

    grade_submissions(submissions, out, backend=None, *, config=None, force=False,
                      progress=None, on_result=None) -> run.json's dict

A ``Grader`` (owned here, for the run) reads ``source/`` and computes each
submission's cache key; the collector skips unchanged submissions and writes
every result as it arrives; the backend (``autograder.run.backends``: local
processes by default, or Dask, as the run's ``GradingConfig`` says) does the grading.
The configuration reaches the workers by one route: this run's ``Grader``, whose
``config`` every backend ships to its workers.

A sandbox that cannot confine student code (``runner.SandboxTooWeak``, unless
``config.limits.allow_weak_sandbox``) stops the run before any class table or
run.json is written: whatever ``out`` held stays as it was.
"""
from typing import Any, Callable, Iterable, Optional

from autograder.run.backends.local import LocalBackend
from autograder.core.config import GradingConfig, as_config
from autograder.pipeline.grader import Grader, kit_digest
from autograder.run.collect import CollectResults, failed_result
from autograder.core.limits import Limits
from course.language import in_language


def backend_for(config: GradingConfig) -> Any:
    """Where a run grades: the Dask cluster of ``config.scheduler``, else this machine's processes."""
    if config.scheduler is not None:
        from autograder.run.backends.dask import DaskBackend
        return DaskBackend(config.scheduler.address, no_workers=config.scheduler.no_workers_timeout)
    return LocalBackend(config.workers)


def grade_submissions(submissions: Iterable, out: Any, backend: Any = None, *,
                      config: Optional[GradingConfig] = None, force: bool = False,
                      limits: Optional[Limits] = None, progress: Any = None,
                      on_result: Optional[Callable] = None) -> dict:
    """Grade every submission and stream its files to `out` as it finishes; return run.json's dict.

    ``config``: the run's ``GradingConfig`` (``limits`` alone: the default configuration with
    those limits); ``backend``: default ``backend_for(config)``.
    Unchanged submissions (same notebook bytes, kit, configuration and source tests) are skipped
    unless ``force``. ``on_result(result)`` is called with each one graded (a
    ``autograder.core.results.SubmissionResult``).
    """
    if config is not None and limits is not None:
        raise TypeError("grade_submissions: config or limits, not both")
    config = as_config(config or limits)
    limits = config.limits
    backend = backend or backend_for(config)
    # The run's language (--language): the feedback pages the collector writes here, as the rows
    # each worker renders (Grader.grade_submission); run.json records it.
    with in_language(limits.language), Grader(config) as grader:
        digest = kit_digest()
        collect = CollectResults(out, digest, progress=progress, on_result=on_result,
                                 language_for=config.language_for,
                                 allow_weak_sandbox=limits.allow_weak_sandbox)
        todo = collect.todo(submissions, lambda sub: grader.key(sub, digest), force=force)

        def fail(sub, key, why):
            collect.finish(sub, key, failed_result(sub, grader, why[:200]), ok=False)

        extra = backend.grade(todo, grader, collect.finish, fail)
        return collect.close(**extra, language=limits.language)
