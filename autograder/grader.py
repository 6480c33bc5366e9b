"""The grading orchestrator: submissions in, rows and files out.

::

    grade_notebook(path_or_nb, student_id, notebook_name) -> list[row]
    grade_submission(submission) -> result dict          # one student; what a Dask task runs
    grade_submissions(submissions, out, workers=None, force=False, ...) -> run metadata

A *row* is one (student, notebook, test cell): the ``grades.csv`` columns
(``student_id, assignment, notebook, grade_id, points, max_points, status,
message, misconception, groups_failed, seconds``) plus ``feedback`` (text) and
``result`` (the suite's ``FunctionResult.to_dict()``, or None).

The trusted process reads the submission (never writes it), takes tests and
points from ``source/``, and runs student code only in a jailed child
(``autograder.sandbox``). Each worker keeps one zygote for its whole life.
"""
import concurrent.futures as cf
import dataclasses
import hashlib
import multiprocessing
import os
import pathlib
import time

from autograder import __version__, functions
from autograder.pipeline import (CollectResults, FindAnswers, InvalidNotebook, ReadNotebook, RunSuites,
                                 SourceTests, failed_result)
from autograder.pipeline.check_integrity import CheckIntegrity, join_flags
from autograder.pipeline.find_submissions import Submission, find_submissions, match_notebook  # noqa: F401
from autograder.pipeline.open_submission import RefusedPath, read_bytes
from autograder.pipeline.run_suites import GRADER_ERROR
from autograder.sandbox.runner import Engine, Limits, SandboxUnavailable

KIT_DIR = pathlib.Path(__file__).resolve().parent
NOT_SUBMITTED = "未提交 / notebook not submitted"


def kit_digest():
    """Changes whenever the grader, the suites or the feedback wording change."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(KIT_DIR.rglob("*.py")) + sorted((KIT_DIR.parent / "course").glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


class Grader:
    """One worker's grader: the pipeline steps and a sandbox engine (started on first use)."""

    def __init__(self, limits: Limits = None, source: SourceTests = None):
        self.limits = limits or Limits()
        self.source = source or SourceTests()
        self.reader, self.finder, self.runner = ReadNotebook(), FindAnswers(), RunSuites()
        self.integrity = CheckIntegrity(self.source.source_dir, self.source.release_dir)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = Engine(self.limits, announce=False)     # reported once per run, below
        return self._engine

    def grade_notebook_full(self, src, student_id, notebook, root=None, missing=NOT_SUBMITTED):
        """(rows, manual rows) of one notebook; `src` is a path (read below `root`), bytes, a dict
        or None (not submitted: every row says `missing`)."""
        tests, manual_cells = self.source.tests(notebook), self.source.manual(notebook)
        answered = {m.grade_id: False for m in manual_cells}
        flags = []
        if src is None:
            rows = self.runner.invalid(tests, student_id, notebook, missing)
        else:
            try:
                nb = self.reader.read(src, root)
            except InvalidNotebook as e:
                rows = self.runner.invalid(tests, student_id, notebook, str(e))
                flags = [e.flag]
            else:
                cells = self.finder.find(nb, self.source.functions(notebook))
                rows = self.runner.run(self.engine, cells, tests, student_id, notebook)
                answered = self.finder.manual(nb, manual_cells)
                flags = self.integrity.flags(nb, notebook)
        for r in rows:                                     # for a person to decide: scores unchanged
            r["flags"] = join_flags(flags + (r.get("flags") or "").split(";"))   # and the row's own (CheckSource)
        manual = [{"student_id": student_id, "assignment": functions.ASSIGNMENT, "notebook": notebook,
                   "grade_id": m.grade_id, "max_points": m.points, "answered": answered[m.grade_id]}
                  for m in manual_cells]
        return rows, manual

    def grade_submission(self, sub: Submission):
        start = time.monotonic()
        rows, manual, per_nb = [], [], {}
        for nb, path in sorted(sub.notebooks.items()):
            t = time.monotonic()
            r, m = self.grade_notebook_full(path, sub.student_id, nb, sub.root, sub.note or NOT_SUBMITTED)
            rows += r
            manual += m
            per_nb[nb] = round(time.monotonic() - t, 4)
        # What the sandbox could not set up here (e.g. no namespaces): the collector says it once.
        warnings = sorted(self._engine.warnings) if self._engine is not None else []
        return {"student_id": sub.student_id, "rows": rows, "manual": manual,
                "seconds": round(time.monotonic() - start, 4), "notebook_seconds": per_nb,
                "sandbox_warnings": warnings}

    def key(self, sub: Submission, digest=None):
        """Hash of the notebook bytes + kit version + source tests: unchanged -> skip on re-run."""
        h = hashlib.sha256((digest or kit_digest()).encode())
        for nb, path in sorted(sub.notebooks.items()):
            h.update(nb.encode() + b"\0" + self.source.digest(nb).encode())
            if path is not None:
                try:                                       # the same checked read as grading's
                    h.update(hashlib.sha256(read_bytes(path, sub.root, ReadNotebook.max_bytes)).digest())
                except (OSError, RefusedPath) as e:
                    h.update(b"unreadable" + str(e).encode("utf-8", "replace"))
        return h.hexdigest()

    def close(self):
        if self._engine is not None:
            self._engine.close()
            self._engine = None


# ------------------------------------------------------------------ one process's grader

_GRADER = None


def _grader(limits=None):
    global _GRADER
    if _GRADER is None or (limits is not None and _GRADER.limits != limits):
        if _GRADER is not None:
            _GRADER.close()
        _GRADER = Grader(limits)
        import atexit
        atexit.register(_GRADER.close)
    return _GRADER


def grade_notebook(path_or_nb, student_id, notebook_name, *, limits: Limits = None):
    """Grade one notebook (path, bytes or notebook dict) -> rows, one per test cell."""
    return _grader(limits).grade_notebook_full(path_or_nb, student_id, notebook_name)[0]


def grade_submission(submission, limits=None):
    """Grade one student's notebooks -> result dict (JSON-able). Safe to call from a Dask task."""
    if isinstance(submission, dict):
        submission = Submission.from_dict(submission)
    if isinstance(limits, dict):
        limits = Limits(**limits)
    return _grader(limits).grade_submission(submission)


def _worker_grade(sub_dict, limits_dict):
    return grade_submission(Submission.from_dict(sub_dict), Limits(**limits_dict))


# ------------------------------------------------------------------ finding submissions
# find_submissions, match_notebook and Submission live in autograder/pipeline/find_submissions.py
# (imported above, so `grader.find_submissions` keeps working).


# ------------------------------------------------------------------ a batch

def grade_submissions(submissions, out, workers=None, *, force=False, limits: Limits = None,
                      scheduler=None, progress=None, on_result=None):
    """Grade every submission and stream its files to `out` as it finishes; return run.json's dict.

    ``workers`` processes (default: the core count), each with its own zygote.
    Unchanged submissions (same notebook bytes, kit and source tests) are
    skipped unless ``force``. ``on_result(result)`` is called for each one.
    """
    if scheduler:
        # One task per submission on a running Dask cluster; this process writes every output.
        from autograder.dask_backend import grade_on_dask
        return grade_on_dask(submissions, out, scheduler, force=force, limits=limits,
                             progress=progress, on_result=on_result)
    limits = limits or Limits()
    workers = max(1, int(workers or os.cpu_count() or 1))
    grader = _grader(limits)
    digest = kit_digest()
    collect = CollectResults(out, digest, progress=progress, on_result=on_result)
    todo = collect.todo(submissions, lambda sub: grader.key(sub, digest), force=force)
    if workers == 1 or len(todo) <= 1:
        for sub, key in todo:
            try:
                res = grader.grade_submission(sub)
            except SandboxUnavailable:
                raise
            except Exception as e:                        # the grader's own failure: recorded, not fatal
                collect.finish(sub, key, failed_result(sub, grader, f"{GRADER_ERROR}: {e}"[:200]), ok=False)
                continue
            collect.finish(sub, key, res)
    else:
        _grade_parallel(todo, workers, limits, grader, collect.finish)
    return collect.close(workers=workers, scheduler=None)


# Address space (soft RLIMIT_AS) of a grading worker. A worker with torch imported that
# grades a whole submission peaks near 0.7 GiB of address space (its zygote alike; measured
# with python 3.11, torch 2.13 CPU); 4 GiB leaves room for torch's threads and allocator,
# while anything that balloons in the trusted process fails there with MemoryError
# instead of taking the machine. The soft limit only: the zygote and its children inherit
# it and may still set their own (the jailed child sets a lower one).
WORKER_ADDRESS_SPACE = 4 << 30


def limit_worker_memory(limit=WORKER_ADDRESS_SPACE):
    """Cap this process's address space at `limit` (never raising a lower cap); returns the
    soft limit in force. The pool workers' initializer."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > want:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        except (ValueError, OSError):             # a platform without RLIMIT_AS: carry on
            pass
    return resource.getrlimit(resource.RLIMIT_AS)[0]


def _grade_parallel(todo, workers, limits, grader, finish):
    """A process pool; a worker that dies has its submissions retried once in a new pool."""
    ctx = multiprocessing.get_context("spawn")
    pending = list(todo)
    for attempt in range(2):
        if not pending:
            return
        failed = []
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx,
                                    initializer=limit_worker_memory) as pool:
            futs = {pool.submit(_worker_grade, sub.to_dict(), dataclasses.asdict(limits)): (sub, key)
                    for sub, key in pending}
            for fut in cf.as_completed(futs):
                sub, key = futs[fut]
                try:
                    finish(sub, key, fut.result())
                except SandboxUnavailable:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
                except cf.process.BrokenProcessPool:
                    failed.append((sub, key))
                except Exception as e:
                    if attempt:
                        finish(sub, key, failed_result(sub, grader, f"{GRADER_ERROR}: {e}"[:200]), ok=False)
                    else:
                        failed.append((sub, key))
        pending = failed
    for sub, key in pending:
        finish(sub, key, failed_result(sub, grader, f"{GRADER_ERROR}: 评分进程崩溃 / grading worker crashed"), ok=False)
