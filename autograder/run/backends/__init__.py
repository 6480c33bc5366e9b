"""Where a batch is graded: adapters between the core (``autograder.run.batch``) and the machines.

A backend has one method, ``grade(todo, grader, finish, fail) -> dict``: grade
every ``(submission, cache key)`` of ``todo``, hand each result (an
``autograder.core.results.SubmissionResult``) to ``finish(sub, key, result)`` or a failure to ``fail(sub, key, why)``, and
return extra ``run.json`` fields. It writes nothing itself.

- ``local.LocalBackend``: this process, or a pool of worker processes.
- ``dask.DaskBackend``: a running Dask cluster (``--scheduler``).
"""
