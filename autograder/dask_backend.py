"""Grading on an existing Dask cluster: ``autograder grade ... --scheduler tcp://HOST:PORT``.

One task per submission (one student). The client (this process) reads each
submission's notebooks and ships their bytes with the task, so workers need
only the kit installed, not the client's files. A task grades with the kit's
own per-submission function (``autograder.grader.Grader.grade_submission``)
on a grader cached per worker thread, so each worker keeps one zygote for its
whole life. The task returns the result as a JSON string; the client alone
writes every output, with the grader's own writer (atomic writes).

Tasks are pure: the same bytes give the same result and write nothing but the
jailed child's scratch space. A worker that dies mid-task has its tasks re-run
on another worker by the scheduler; ``retries`` covers a task that raises.
A submission whose task still fails gets rows with status ``error``.
"""
import dataclasses
import json
import os
import secrets
import sys
import threading

from autograder import grader as kit
from autograder.pipeline import CollectResults, InvalidNotebook, ReadNotebook, failed_result
from autograder.pipeline.read_notebook import refusal
from autograder.pipeline.write_results import student_folder
from autograder.sandbox.runner import Limits

RETRIES = 2                  # re-runs of a task that raised (a lost worker is handled by the scheduler)
CONNECT_TIMEOUT = "30s"


# ------------------------------------------------------------------ worker side

_local = threading.local()   # one Grader (and so one zygote) per worker thread
_all_graders = []            # every Grader of this process, closed when the worker closes
_all_lock = threading.Lock()
_worker_digest = None


def _worker_kit_digest():
    """The kit digest of this worker process, computed once."""
    global _worker_digest
    if _worker_digest is None:
        _worker_digest = kit.kit_digest()
    return _worker_digest


def _thread_grader(limits):
    """This thread's Grader, created on first use and kept across tasks.

    Per thread, not per process: an Engine's zygote is driven over one socket,
    and the zygote dies with the thread that started it (PDEATHSIG).
    """
    g = getattr(_local, "grader", None)
    if g is None or g.limits != limits:
        if g is not None:
            g.close()
        g = _local.grader = kit.Grader(limits)
        with _all_lock:
            _all_graders.append(g)
    return g


def close_graders():
    """Stop this process's zygotes and remove their scratch directories."""
    with _all_lock:
        graders, _all_graders[:] = list(_all_graders), []
    for g in graders:
        try:
            g.close()
        except Exception:
            pass


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:                      # the kit works without distributed installed
    WorkerPlugin = object


class CloseGraders(WorkerPlugin):
    """Closes the graders when a worker shuts down cleanly (a worker process
    ends with os._exit, so atexit would not run). A killed worker's zygote
    dies with it (PDEATHSIG)."""

    name = "autograder-close-graders"

    def teardown(self, worker):
        close_graders()


def _address_space():
    """This Dask worker's address-space limit: a pool worker's, plus 0.5 GiB per further thread."""
    try:
        from distributed import get_worker
        threads = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError, TypeError):
        threads = 1
    return kit.WORKER_ADDRESS_SPACE + max(0, threads - 1) * (512 << 20)


def grade_task(sub_dict, limits_dict):
    """Dask task: grade one submission, return its result as a JSON string.

    ``sub_dict`` is ``{"student_id", "notebooks": {name: bytes | path | None}}``.
    The result carries the worker's address and kit digest, so the client can
    tell when a worker runs a different kit (whose scores could differ).
    """
    limits = Limits(**limits_dict)
    kit.limit_worker_memory(_address_space())    # a returned value must not balloon the worker
    sub = kit.Submission.from_dict(sub_dict)
    res = _thread_grader(limits).grade_submission(sub)
    try:
        from distributed import get_worker
        res["worker"] = get_worker().address
    except (ImportError, ValueError):
        res["worker"] = None
    res["kit_digest"] = _worker_kit_digest()
    return json.dumps(res, ensure_ascii=False)


# ------------------------------------------------------------------ client side

def _payload(sub):
    """The submission with each notebook's bytes, so the worker needs no shared filesystem.

    Read here with the grader's own checked read (no links, no FIFOs); a file
    it refuses (or too large, or unreadable) is sent as that refusal, which the
    worker's reader reports exactly as local grading would.
    """
    reader, notebooks = ReadNotebook(), {}
    for nb, path in sub.notebooks.items():
        if path is None:
            notebooks[nb] = None
            continue
        try:
            notebooks[nb] = reader.read_path(path, sub.root)
        except InvalidNotebook as e:
            notebooks[nb] = refusal(e)
    return {"student_id": sub.student_id, "notebooks": notebooks, "note": sub.note}


def _as_submissions(submissions):
    if isinstance(submissions, (str, os.PathLike)):
        subs, _mode = kit.find_submissions(submissions)
        return subs
    return list(submissions)


def grade_on_dask(submissions, out, scheduler_address, *, timeout=None, force=False, progress=None,
                  limits: Limits = None, client=None, on_result=None):
    """Grade every submission on the Dask cluster at ``scheduler_address``; return run.json's dict.

    ``submissions``: a SUBMISSIONS directory or a list of ``grader.Submission``.
    ``timeout``: seconds per call, as ``--timeout`` (ignored when ``limits`` is given).
    Unchanged submissions are skipped unless ``force`` (same cache as local grading).
    ``progress``: an ``autograder.progress.Progress`` (or None). ``client``: an
    existing ``distributed.Client`` to use instead of connecting.
    """
    from distributed import Client, as_completed

    if limits is None:
        limits = Limits() if timeout is None else Limits(
            call_timeout=timeout, notebook_timeout=max(18 * timeout, timeout + 5))
    subs = _as_submissions(submissions)
    local = kit.Grader(limits)             # reads source/ and computes keys; never starts a zygote
    digest = kit.kit_digest()
    collect = CollectResults(out, digest, progress=progress, on_result=on_result)
    todo = collect.todo(subs, lambda sub: local.key(sub, digest), force=force)
    where, mismatched = {}, []

    own_client = client is None and bool(todo)   # nothing to grade: no need for the cluster
    if own_client:
        client = Client(scheduler_address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    n_workers = 0
    if todo:
        n_workers = len(client.scheduler_info().get("workers", {}))
        client.register_plugin(CloseGraders(), name=CloseGraders.name)
    limits_dict = dataclasses.asdict(limits)
    run = secrets.token_hex(4)

    def finish(sub, key, res, ok=True):
        if res.get("worker"):
            where[sub.student_id] = res["worker"]
        if res.get("kit_digest", digest) != digest and res.get("worker") not in mismatched:
            mismatched.append(res.get("worker"))
            print(f"autograder: WARNING: worker {res.get('worker')} runs a different kit than this "
                  "client; install the same kit everywhere or scores may differ", file=sys.stderr)
        collect.finish(sub, key, res, ok)

    try:
        # A bounded window of tasks in flight keeps the client's memory flat
        # however large the class: bytes are read only when a task is submitted.
        pending = iter(todo)
        meta_of = {}

        def submit_next(ac=None):
            item = next(pending, None)
            if item is None:
                return None
            sub, key = item
            fut = client.submit(grade_task, _payload(sub), limits_dict,
                                key=f"autograde-{student_folder(sub.student_id)}-{key[:12]}-{run}",
                                retries=RETRIES, pure=False)
            meta_of[fut.key] = item
            if ac is not None:
                ac.add(fut)
            return fut

        threads = sum(client.nthreads().values()) if todo else 1
        window = max(8, 4 * threads)
        first = [f for f in (submit_next() for _ in range(window)) if f is not None]
        ac = as_completed(first, loop=client.loop) if first else ()
        for fut in ac:
            sub, key = meta_of.pop(fut.key)
            try:
                res, ok = json.loads(fut.result()), True
            except Exception as e:           # KilledWorker after repeated losses, or the grader's own bug
                why = f"评分进程失败 / grading task failed on the cluster: {type(e).__name__}: {e}"[:200]
                res, ok = failed_result(sub, local, why), False
            fut.release()
            finish(sub, key, res, ok)
            submit_next(ac)
    finally:
        if own_client:
            client.close()
        local.close()

    return collect.close(workers=n_workers, scheduler=scheduler_address, worker_of=where,
                         kit_mismatch_workers=mismatched)
