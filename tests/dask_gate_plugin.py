"""Dask worker preload for tests/test_dask.py (``dask worker --preload THIS_FILE``): a gate the test holds.

A worker-loss test must kill a worker at a moment of the run, and the run must not be able to end
before that moment. So the moments are events the workers report here, and the work after them
waits at a gate the test opens once it has killed what it meant to kill. Nothing depends on how
fast the machine is.

The gate folder is ``$KIT_TEST_DASK_GATE`` (set in every worker's environment by the test's
cluster). The test writes ``policy.json`` there before a run (no policy: nothing is held):

``free``
    how many grading tasks may start before the gate holds the rest (``null``: hold none);
``hold_plugin``
    the kit's cleanup plugin waits at the gate before it is added to a worker;
``limit``
    seconds a task or the plugin waits at most (a guard: a test whose moment never comes then
    fails on its assertions instead of hanging).

Events, one file each (created whole, so a reader never sees half of one):

``task-NNNN.json``
    a grading task started: the ticket number NNNN (taken with ``O_EXCL``, so the numbers are
    shared by all workers), the worker's name, address and pid, the task's key and student, and
    ``held`` (whether it waits at the gate);
``plugin-NAME.json``
    the cleanup plugin is arriving at worker NAME (it is mid-broadcast) and waits at the gate.

The gate is ``open`` in the folder. It only delays: the task then runs the kit's own
``grade_task`` with the same arguments and returns its answer unchanged.
"""
import asyncio
import functools
import json
import os
import pathlib
import threading
import time

GATE_ENV = "KIT_TEST_DASK_GATE"
PLUGIN = "autograder-close-graders"      # autograder.run.backends.dask.CloseGraders.name
LOOK = 0.02                              # seconds between looks at the gate


def gate_folder():
    folder = os.environ.get(GATE_ENV)
    return pathlib.Path(folder) if folder else None


def policy(folder):
    try:
        return json.loads((folder / "policy.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def publish(path, record):
    """Write `record` as JSON to `path` whole (a temporary name, then a rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, path)


def take_ticket(folder):
    """The next ticket number, unique across every worker process (O_EXCL on the file's name)."""
    n = 0
    while True:
        try:
            os.close(os.open(folder / f"task-{n:04d}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return n
        except FileExistsError:
            n += 1


def wait_open(folder, limit):
    deadline = time.monotonic() + limit
    while not (folder / "open").exists() and time.monotonic() < deadline:
        time.sleep(LOOK)


def gated(grade_task):
    """``grade_task`` reporting each start, and waiting at the gate when the policy says so."""
    @functools.wraps(grade_task)
    def task(sub_dict, config_dict):
        folder = gate_folder()
        if folder is not None:
            from distributed import get_worker
            from distributed.worker import thread_state
            rules, worker = policy(folder), get_worker()
            n = take_ticket(folder)
            held = rules.get("free") is not None and n >= rules["free"]
            publish(folder / f"task-{n:04d}.json",
                    {"ticket": n, "worker": worker.name, "address": worker.address, "pid": os.getpid(),
                     "key": str(getattr(thread_state, "key", "")), "student": sub_dict.get("student_id"),
                     "held": held})
            if held:
                wait_open(folder, rules.get("limit", 120))
        return grade_task(sub_dict, config_dict)
    return task


def dask_setup(worker):
    """Wrap the kit's task function (a task names it by module and name, so the wrapper runs) and the
    worker's ``plugin-add`` handler (no ``comm`` argument, like the original)."""
    import autograder.run.backends.dask as backend

    if not getattr(backend.grade_task, "__wrapped__", None):
        backend.grade_task = gated(backend.grade_task)
    add = worker.handlers["plugin-add"]

    async def plugin_add(plugin=None, name=None, catch_errors=True):
        folder = gate_folder()
        if folder is not None and name == PLUGIN:
            rules = policy(folder)
            if rules.get("hold_plugin"):
                publish(folder / f"plugin-{worker.name}.json", {"worker": worker.name, "address": worker.address})
                deadline = time.monotonic() + rules.get("limit", 120)
                while not (folder / "open").exists() and time.monotonic() < deadline:
                    await asyncio.sleep(LOOK)
        return await add(plugin=plugin, name=name, catch_errors=catch_errors)

    worker.handlers["plugin-add"] = plugin_add
