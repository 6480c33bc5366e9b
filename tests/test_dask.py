"""The Dask path: real `dask scheduler` / `dask worker` processes on 127.0.0.1.

Grades a small class through `grade_on_dask` and compares grades.csv with
local grading; one test SIGKILLs a worker mid-run. Also the progress reporter.
No timing asserts: only what got graded, and how.
"""
import csv
import io
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest

from autograder.progress import Progress, choose_mode, format_seconds, in_ci

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


# --------------------------------------------------------------------------
# A real cluster
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and N workers, each `dask` process in its own session so
    teardown can kill it together with whatever it started."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs = []
        # The kit is importable on the workers the way it is here (installed or not).
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.env.pop("CI", None)

    def _spawn(self, name, args):
        log = open(self.tmp / f"{name}.log", "wb")
        proc = subprocess.Popen([str(BIN / "dask"), *args], cwd=self.tmp, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def start_scheduler(self):
        return self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1",
                                         "--port", str(self.port), "--no-dashboard"])

    def start_worker(self, name):
        return self._spawn(name, ["worker", self.address, "--name", name,
                                  "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                                  "--no-dashboard", "--memory-limit", "0",
                                  "--death-timeout", "60",
                                  "--local-directory", str(self.tmp / f"{name}-space")])

    def descendants(self):
        """Every live process started by the cluster (dask processes, zygotes, children)."""
        out = []
        for proc in self.procs:
            try:
                p = psutil.Process(proc.pid)
                out += [p] + p.children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        return out

    def stop(self):
        """Kill every process group we started, then anything that escaped them."""
        leftover = self.descendants()
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for p in leftover:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass

    def logs(self):
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.tmp.glob("*.log")))


def wait_for_workers(client, n, timeout=90):
    client.wait_for_workers(n, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    """A running scheduler with two single-threaded workers; always torn down."""
    from distributed import Client

    c = Cluster(tmp_path)
    try:
        c.start_scheduler()
        c.start_worker("w0")
        c.start_worker("w1")
        with Client(c.address, timeout="60s", set_as_default=False) as client:
            wait_for_workers(client, 2)
        yield c
    finally:
        c.stop()


# --------------------------------------------------------------------------
# The progress reporter (used by both the local and the Dask path)
# --------------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_lines_have_count_name_and_eta():
    clock, out = FakeClock(), io.StringIO()
    with Progress(4, stream=out, mode="lines", clock=clock) as p:
        for name in ["alice", "bob", "carol", "dave"]:
            clock.now += 2
            p.update(name, seconds=1.5)
    lines = out.getvalue().splitlines()
    assert lines[0] == "graded 1/4 alice 1.5s eta 6s"
    assert lines[2] == "graded 3/4 carol 1.5s eta 2s"
    assert lines[3] == "graded 4/4 dave 1.5s"            # nothing left, no eta
    assert lines[4] == "graded 4/4 in 8s"
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_progress_bar_redraws_in_place_and_ends_with_a_newline():
    clock, out = FakeClock(), io.StringIO()
    with Progress(3, stream=out, mode="bar", clock=clock) as p:
        for name in ["a", "b", "c"]:
            clock.now += 1
            p.update(name, ok=name != "b")
    text = out.getvalue()
    assert text.count("\n") == 2                              # end of bar + summary
    assert "[##########--------------------] 1/3" in text
    assert "eta 2s" in text
    assert text.endswith("graded 3/3 in 3s, 1 with errors\n")


def test_progress_mode_follows_tty_and_ci():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert choose_mode(Tty(), environ={}) == "bar"
    assert choose_mode(Tty(), environ={"CI": "true"}) == "lines"
    assert choose_mode(Tty(), environ={"CI": "0"}) == "bar"
    assert choose_mode(io.StringIO(), environ={}) == "lines"
    assert in_ci({"CI": "1"}) and not in_ci({})
    assert format_seconds(42) == "42s" and format_seconds(185) == "3m05s" and format_seconds(3720) == "1h02m"


def test_progress_survives_a_closed_stream():
    out = io.StringIO()
    p = Progress(2, stream=out, mode="lines")
    out.close()
    p.update("x")
    p.close()
