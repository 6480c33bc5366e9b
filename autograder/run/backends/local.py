"""Grading on this machine: in this process, or in a pool of worker processes.

Each pool worker owns one ``Grader`` (so one zygote) for its whole life,
made by the pool's initializer, under an address-space limit of its own. A
worker that dies has its submissions retried once in a new pool; a
``SandboxUnavailable`` stops the run (the grader cannot run student code).
"""
import concurrent.futures as cf
import multiprocessing
import multiprocessing.util
import os

from autograder.core.config import GradingConfig
from autograder.pipeline.grader import Grader
from autograder.pipeline.find_submissions import Submission
from autograder.core.results import GRADER_ERROR, SubmissionResult
from autograder.sandbox.runner import SandboxUnavailable

# Address space (soft RLIMIT_AS) of a grading worker. A worker with torch imported that
# grades a whole submission peaks near 0.7 GiB of address space (its zygote alike; measured
# with python 3.11, torch 2.13 CPU); 4 GiB leaves room for torch's threads and allocator,
# while anything that balloons in the trusted process fails there with MemoryError
# instead of taking the machine. The soft limit only: the zygote and its children inherit
# it and may still set their own (the jailed child sets a lower one).
WORKER_ADDRESS_SPACE = 4 << 30


def limit_worker_memory(limit: int = WORKER_ADDRESS_SPACE) -> int:
    """Cap this process's address space at `limit` (never raising a lower cap); returns the
    soft limit in force."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > want:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        except (ValueError, OSError):             # a platform without RLIMIT_AS: carry on
            pass
    return resource.getrlimit(resource.RLIMIT_AS)[0]


# ------------------------------------------------------------------ a pool worker

_worker_grader: Grader | None = None        # this worker process's own Grader (set by the pool's initializer)


def _start_worker(config_dict: dict) -> None:
    """Pool initializer: the worker's memory limit and its Grader (the run's ``GradingConfig``, as
    ``to_dict()``), closed when the worker exits."""
    global _worker_grader
    limit_worker_memory()
    _worker_grader = Grader(GradingConfig.from_dict(config_dict))
    # multiprocessing's own exit hook: a forked worker leaves with os._exit, which skips atexit
    multiprocessing.util.Finalize(_worker_grader, _worker_grader.close, exitpriority=10)


# What a worker imports to grade: the pipeline, the suites and the exercise records (torch and the
# references), and the wire. The pool's workers are forked from one server process that imported
# these once (multiprocessing's forkserver), so a worker starts as a fork, not as a new Python that
# imports torch (~1.7 CPU-s each). The server is a fresh interpreter, started before the first pool
# and holding nothing of this process: no submission, no result, only these modules.
WORKER_MODULES = ["autograder.pipeline.grader", "autograder.pipeline.run_suites", "autograder.grading.suites",
                  "autograder.exercises", "autograder.sandbox.protocol"]


def _pool_context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ctx


def _grade_in_worker(sub_dict: dict) -> SubmissionResult:
    assert _worker_grader is not None, "the pool's initializer makes the worker's grader"
    return _worker_grader.grade_submission(Submission.from_dict(sub_dict))


# ------------------------------------------------------------------ the backend

class LocalBackend:
    """``workers`` processes (default: the core count); one submission or one worker: in process.
    The workers grade under the configuration of the run's grader (``grader.config``)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, int(workers or os.cpu_count() or 1))

    def grade(self, todo: list, grader: Grader, finish, fail) -> dict:
        if self.workers == 1 or len(todo) <= 1:
            self._in_process(todo, grader, finish, fail)
        else:
            self._pool(todo, grader.config, finish, fail)
        return {"workers": self.workers, "scheduler": None}

    def _in_process(self, todo, grader, finish, fail):
        for sub, key in todo:
            try:
                res = grader.grade_submission(sub)
            except SandboxUnavailable:
                raise
            except Exception as e:                        # the grader's own failure: recorded, not fatal
                fail(sub, key, f"{GRADER_ERROR}: {e}")
                continue
            finish(sub, key, res)

    def _pool(self, todo, config, finish, fail):
        """A process pool; a worker that dies has its submissions retried once in a new pool."""
        ctx = _pool_context()
        pending = list(todo)
        for attempt in range(2):
            if not pending:
                return
            failed = []
            with cf.ProcessPoolExecutor(max_workers=min(self.workers, len(pending)), mp_context=ctx,
                                        initializer=_start_worker,
                                        initargs=(config.to_dict(),)) as pool:
                futs = {pool.submit(_grade_in_worker, sub.to_dict()): (sub, key) for sub, key in pending}
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
                            fail(sub, key, f"{GRADER_ERROR}: {e}")
                        else:
                            failed.append((sub, key))
            pending = failed
        for sub, key in pending:
            fail(sub, key, f"{GRADER_ERROR}: 评分进程崩溃 / grading worker crashed")
