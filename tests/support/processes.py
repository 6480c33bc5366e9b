"""What a test may ask of the processes a grading left: which are still running.

A process that has just been killed, or has just returned, is not gone at once: the kernel is still
tearing it down (its status reads "running" or "disk sleep" for a moment), or it is a zombie its parent
has yet to reap. Asked the very moment a session closes, "is anything left?" is a race the machine's load
decides. ``still_running`` waits a bounded moment for such exits; a process left running on purpose (the
tests' ``sleep 4244``) outlives the wait by hours and is reported.
"""
from __future__ import annotations

import time

import psutil

EXIT_GRACE = 5.0       # seconds: far longer than any exit takes, far shorter than the sleeps the tests look for

# The name (argv[0]) of a process a test starts on purpose as another user: test_jail_configs' victim,
# which the jail class tries to kill. A check for what jailed children left behind passes over a process
# of this name, whoever its parent is by then.
ON_PURPOSE = "autograder-test-victim"


def on_purpose(cmd: list[str]) -> list[str]:
    """``cmd`` run under the name ``ON_PURPOSE`` (the same process: ``exec -a``, so its pid is kept)."""
    return ["bash", "-c", f'exec -a {ON_PURPOSE} "$@"', "bash", *cmd]


def started_on_purpose(cmdline: list[str]) -> bool:
    return bool(cmdline) and cmdline[0] == ON_PURPOSE


def running(p: psutil.Process) -> bool:
    try:
        return p.status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return False


def still_running(procs: list[psutil.Process], grace: float = EXIT_GRACE) -> list[psutil.Process]:
    """Those of ``procs`` still running after up to ``grace`` seconds (at once if none is)."""
    deadline = time.monotonic() + grace
    while True:
        alive = [p for p in procs if running(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def descendants_running(pid: int, grace: float = EXIT_GRACE) -> list[psutil.Process]:
    """The descendants of ``pid`` (at the time of the call) still running after up to ``grace`` seconds."""
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return still_running(kids, grace)
