"""The Dask path: real `dask scheduler` / `dask worker` processes on 127.0.0.1.

Grades a small class through a DaskBackend and `autograder grade
--scheduler` and compares grades.csv with local grading; workers are
SIGKILLed (with their nannies) at several moments of a run, all of them too;
bad scheduler addresses are refused. Also the progress reporter.
No timing asserts: only what got graded, and how. No timing either: each
kill point is an event the run reports (the scheduler's log, a result
written, a task or the cleanup plugin arriving at a worker), and the
workers' gate (tests/dask_gate_plugin.py) holds the rest of the run until
the kill is done, so a run cannot end before its moment, however loaded
the machine. One cluster serves the module (a killed worker is replaced
before the next test); only the tests that need a scheduler of their own
start one.
"""
import csv
import io
import json
import os
import pathlib
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import types

import psutil
import pytest

from support.slow import slow_fixture

from autograder.run.write import student_dir
from autograder.core.results import SubmissionResult
from autograder.cli.progress import Progress, choose_mode, format_seconds, in_ci


def grade_on_dask(submissions, out, scheduler_address, *, client=None, **kwargs):
    """What ``autograder grade --scheduler`` runs: ``batch.grade_submissions`` with a DaskBackend."""
    from autograder.run.backends.dask import DaskBackend
    from autograder.run.batch import grade_submissions
    from autograder.pipeline.find_submissions import find_submissions
    from autograder.core.config import GradingConfig
    subs, _mode = find_submissions(submissions)
    return grade_submissions(subs, out, DaskBackend(scheduler_address, client=client), config=GradingConfig(),
                             **kwargs)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


# --------------------------------------------------------------------------
# A real cluster
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GATE_PRELOAD = ["--preload", str(ROOT / "tests" / "dask_gate_plugin.py")]
GATE_ENV = "KIT_TEST_DASK_GATE"          # tests/dask_gate_plugin.py's folder


class Cluster:
    """A scheduler and N workers, each `dask` process in its own session so
    teardown can kill it together with whatever it started.

    Workers started with ``GATE_PRELOAD`` report each task's start and wait at a gate this test
    holds (tests/dask_gate_plugin.py): ``set_gate``, ``tickets``, ``open_gate``."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs = []
        self.workers = {}            # name -> its `dask worker` process (the nanny), in start order
        self.orphans = []            # what killed workers had started, stopped with the rest
        self.control = None          # a Client of the test's own (start_cluster), for ready()
        self.worker_args = ()
        self.gate = tmp_path / "gate"
        self.gate.mkdir(exist_ok=True)
        # The kit is importable on the workers the way it is here (installed or not).
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.env[GATE_ENV] = str(self.gate)
        self.env.pop("CI", None)
        # Dask's own diagnostics, which cost CPU in every process of the cluster and which no test
        # looks at: the workers' statistical profiler (a thread sampling every task's stack every
        # 10 ms) and the event-loop health check every 20 ms (it only logs "event loop unresponsive"
        # warnings). Scheduling, heartbeats, failure detection and the kit's own code are unchanged.
        self.env.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")
        self.env.setdefault("DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL", "1s")

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

    def start_worker(self, name, extra=()):
        proc = self._spawn(name, ["worker", self.address, "--name", name,
                                  "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                                  "--no-dashboard", "--memory-limit", "0",
                                  "--death-timeout", "60",
                                  "--local-directory", str(self.tmp / f"{name}-space"), *extra])
        self.workers[name] = proc
        return proc

    def live_workers(self):
        """The names of the workers whose `dask worker` process (the nanny) runs, oldest first."""
        return [name for name, proc in self.workers.items() if proc.poll() is None]

    def kill_worker(self, name):
        """SIGKILL a worker's whole session at once: nanny, worker, zygotes (no restart)."""
        proc = self.workers[name]
        try:
            tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.orphans += tree
        return tree

    # ---- the gate (tests/dask_gate_plugin.py)

    def set_gate(self, free=None, hold_plugin=False, limit=120):
        """A new gate for the next run: no events yet, closed; ``free`` tasks start before it holds
        the rest (None: none held), ``hold_plugin``: the cleanup plugin waits at it too."""
        for p in self.gate.iterdir():
            p.unlink()
        (self.gate / "policy.json").write_text(json.dumps({"free": free, "hold_plugin": hold_plugin,
                                                           "limit": limit}), encoding="utf-8")

    def open_gate(self):
        (self.gate / "open").touch()

    def tickets(self):
        """Every task started since ``set_gate`` (tests/dask_gate_plugin.py's record), in ticket order."""
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.gate.glob("task-*.json"))]

    def wait_for(self, look, timeout=120):
        """``look()``'s first true answer, looked for after 10 ms, then ever less often (at most every
        0.2 s: a look may ask the scheduler); AssertionError after ``timeout`` s (a guard)."""
        deadline, pause = time.monotonic() + timeout, 0.01
        while (found := look()) is None or found is False or found == []:
            assert time.monotonic() < deadline, f"waited {timeout} s for {look}\n{self.logs()}"
            time.sleep(pause)
            pause = min(pause * 1.5, 0.2)
        return found

    def ready(self, n):
        """``n`` live workers the scheduler knows (replacements for killed ones), no task left on the
        scheduler, and a new gate that holds nothing: a shared cluster as a new test needs it."""
        self.open_gate()                 # whatever a failed test left at the gate goes on
        for _ in range(n - len(self.live_workers())):
            self.start_worker(f"w{len(self.workers)}", self.worker_args)
        names = set(self.live_workers())
        assert len(names) == n, names

        def settled():
            info = self.control.scheduler_info()["workers"]
            return ({w["name"] for w in info.values()} == names
                    and self.control.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0)
        self.wait_for(settled)
        self.set_gate()

    def log_text(self, name="scheduler"):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

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
        """SIGKILL each dask process's whole process group at once, then anything else it started
        (zygotes, jailed children, what killed workers had started). No test asserts on a graceful
        close at teardown, and SIGTERM's graceful nanny close took up to 7 s a cluster on a loaded machine."""
        if self.control is not None:
            self.control.close()
        leftover = self.descendants()
        for proc in reversed(self.procs):            # workers first, the scheduler last
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for proc in self.procs:
            proc.wait()
        for p in leftover + self.orphans:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass

    def logs(self):
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.tmp.glob("*.log")))


def start_cluster(tmp_path, n_workers=2, worker_args=tuple(GATE_PRELOAD)):
    """A running scheduler with n single-threaded gated workers (the caller stops it)."""
    from distributed import Client

    c = Cluster(tmp_path)
    c.worker_args = worker_args
    try:
        c.start_scheduler()
        for i in range(n_workers):
            c.start_worker(f"w{i}", worker_args)
        c.control = Client(c.address, timeout="60s", set_as_default=False)
        c.control.wait_for_workers(n_workers, timeout=90)
        c.set_gate()
    except BaseException:
        c.stop()
        raise
    return c


@slow_fixture(scope="module")
def shared_cluster(tmp_path_factory):
    """Two gated workers on one scheduler for the whole module; always torn down. A worker a test
    kills is replaced before the next test (``cluster``), the survivor stays warm."""
    c = start_cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


@pytest.fixture
def cluster(shared_cluster):
    """The shared cluster with two live workers, nothing running, the gate new (holding nothing)."""
    shared_cluster.ready(2)
    yield shared_cluster
    shared_cluster.open_gate()          # nothing stays held, whatever the test did


# --------------------------------------------------------------------------
# A small class, graded locally once as the reference
# --------------------------------------------------------------------------

def read_grades(out):
    """{(student, notebook, grade_id): (points, status)} from DIR/grades.csv."""
    with open(pathlib.Path(out) / "grades.csv", newline="", encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"], r["grade_id"]): (float(r["points"]), r["status"])
                for r in csv.DictReader(f)}


SMALL = 4         # the three malformed notebooks' owners and one more: every kind, and enough tasks
                  # for the kill points (two results, a third held, one more after it)


@pytest.fixture(scope="module")
def small_class(graded_class30, tmp_path_factory):
    """Four students of the session's class of 30 (tests/support/graded.py): every malformed notebook's
    owner first, then the first others; solutions, mutants, stubs and malformed notebooks."""
    comp = graded_class30.composition
    bad = sorted({s for s, _, _ in comp["malformed"]})
    chosen = (bad + [s for s in sorted(comp["students"]) if s not in bad])[:SMALL]
    path = tmp_path_factory.mktemp("class") / "submitted"
    for s in chosen:
        shutil.copytree(graded_class30.submissions / s, path / s)
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    kinds = {u["kind"] for s in chosen for u in comp["students"][s]["functions"].values()}
    assert bad and set(bad) < set(chosen) and kinds == {"solution", "mutant", "stub"}, (chosen, kinds)
    return path


@pytest.fixture(scope="module")
def local_grades(small_class, graded_class30):
    """The class graded by the local path (the session's grading of the class of 30), as the reference."""
    students = {p.name for p in small_class.iterdir()}
    rows = {k: v for k, v in read_grades(graded_class30.out).items() if k[0] in students}
    assert {k[0] for k in rows} == students
    return rows


# --------------------------------------------------------------------------
# Losing workers at any moment of `autograder grade --scheduler` (first: the ``plugin`` point
# needs a scheduler that has never seen the kit's cleanup plugin, and the shared one has not yet)
# --------------------------------------------------------------------------

def results_written(out):
    """How many students the client has finished (their results.json exist)."""
    return len(list(pathlib.Path(out).rglob("results.json")))


class Killer(threading.Thread):
    """SIGKILLs worker(s) (with their nannies) at one moment of a run, seen in an event the run
    reports; the gate (tests/dask_gate_plugin.py) holds the run's tasks until the kill is done, so
    the run cannot end before its moment.

    ``point``: ``connect`` (the scheduler logs the run's Client connecting; every task held),
    ``plugin`` (the cleanup plugin arrives at a worker and is held there: mid-broadcast),
    ``first_task`` (a task runs on a worker, held there; none has finished), ``mid_batch`` (two
    students' results written, a third task running, held, on a worker). The victim is the worker
    the event names (``connect``: the newest); ``everyone``: every live worker.
    """

    POLICY = {"connect": {"free": 0}, "plugin": {"free": 0, "hold_plugin": True},
              "first_task": {"free": 0}, "mid_batch": {"free": 2}}

    def __init__(self, cluster, point, out, everyone=False):
        super().__init__(daemon=True)
        self.cluster, self.point, self.out, self.everyone = cluster, point, pathlib.Path(out), everyone
        self.done = threading.Event()
        self.killed, self.results_then, self.tree, self.event = [], None, [], None
        cluster.set_gate(**self.POLICY[point])
        self.log_from = len(cluster.log_text())      # earlier Clients' lines do not count

    def moment(self):
        """The event that says the moment has come (a dict naming the worker), or None."""
        c = self.cluster
        if self.point == "connect":
            if "Receive client connection" in c.log_text()[self.log_from:]:
                return {"worker": c.live_workers()[-1]}
            return None
        if self.point == "plugin":
            arriving = sorted(c.gate.glob("plugin-*.json"))
            return json.loads(arriving[0].read_text(encoding="utf-8")) if arriving else None
        if self.point == "mid_batch" and results_written(self.out) < 2:
            return None
        held = [t for t in c.tickets() if t["held"]]
        return held[0] if held else None

    def run(self):
        try:
            while not self.done.is_set():
                event = self.moment()
                if event is not None:
                    self.event, self.results_then = event, results_written(self.out)
                    for name in (self.cluster.live_workers() if self.everyone else [event["worker"]]):
                        self.tree += self.cluster.kill_worker(name)
                        self.killed.append(name)
                    return
                time.sleep(0.02)
        finally:
            self.cluster.open_gate()                  # the run goes on (or, if the moment never came, ends)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join(timeout=60)


def grade_cli(submissions, out, scheduler, env, timeout=300):
    """`autograder grade SUBMISSIONS --out OUT --scheduler ADDRESS --quiet --force` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "autograder.cli.commands", "grade", str(submissions),
                           "--out", str(out), "--scheduler", scheduler, "--quiet", "--force"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def seen_cleanup_plugin(cluster):
    """Whether the cluster's scheduler has been sent the kit's cleanup plugin (by any run so far)."""
    from autograder.run.backends.dask import CloseGraders
    name = CloseGraders.name
    return cluster.control.run_on_scheduler(lambda dask_scheduler: name in dask_scheduler.worker_plugins)


@slow_fixture
def point_cluster(point, shared_cluster, tmp_path):
    """The shared cluster (two live workers, one of them to lose). The cleanup plugin is registered
    once per scheduler (idempotent), so only a scheduler that has never seen it broadcasts it:
    ``plugin`` runs first on the shared cluster (the module's first run), and gets two workers of its
    own only when the shared scheduler has already seen the plugin (a test run alone, another order)."""
    if point != "plugin" or not seen_cleanup_plugin(shared_cluster):
        shared_cluster.ready(2)
        yield shared_cluster
        shared_cluster.open_gate()
        return
    (tmp_path / "cluster").mkdir()
    c = start_cluster(tmp_path / "cluster", n_workers=2)
    try:
        yield c
    finally:
        c.open_gate()
        c.stop()


def ran_again_elsewhere(cluster, out, event):
    """The task the killed worker was running (its gate ticket ``event``) ran again on another worker,
    and the student's result came from there."""
    worker_of = json.loads((out / "run.json").read_text(encoding="utf-8"))["worker_of"]
    again = [t for t in cluster.tickets() if t["student"] == event["student"] and t["ticket"] > event["ticket"]]
    return (again and all(t["worker"] != event["worker"] for t in again)
            and worker_of.get(event["student"]) not in ("", None, event["address"]))


@pytest.mark.parametrize("point", ["plugin", "before_connect", "connect", "first_task", "mid_batch"])
def test_losing_a_worker_at_any_moment_loses_nothing(point, point_cluster, small_class, local_grades,
                                                     tmp_path):
    cluster, out = point_cluster, tmp_path / "out"
    log_from = len(cluster.log_text())              # what the scheduler logged before this run
    if point == "before_connect":
        victim = cluster.live_workers()[-1]
        tree = cluster.kill_worker(victim)
        proc = grade_cli(small_class, out, cluster.address, cluster.env)
        killed, results_then, event = [victim], 0, None
    else:
        with Killer(cluster, point, out) as killer:
            proc = grade_cli(small_class, out, cluster.address, cluster.env)
        killed, results_then, event, tree = killer.killed, killer.results_then, killer.event, killer.tree

    assert proc.returncode == 0, proc.stderr + cluster.logs()
    assert len(killed) == 1, f"the kill point {point} never came\n{proc.stderr}"
    if point == "plugin":                # the registration really met the dead worker, mid-broadcast
        assert killed == [event["worker"]]
        assert "broadcast to" in cluster.log_text()[log_from:] and "failed" in cluster.log_text()[log_from:]
    if point in ("first_task", "mid_batch"):
        # The gate let exactly 0 (first_task) or 2 (mid_batch) tasks start before the kill; the
        # victim was running the next one, which then ran on the other worker.
        assert results_then == {"first_task": 0, "mid_batch": 2}[point]
        assert killed == [event["worker"]] and event["held"]
        assert ran_again_elsewhere(cluster, out, event), (event, cluster.tickets())
    # Every (student, notebook, grade_id) row, with the points local grading gives.
    assert read_grades(out) == local_grades
    # Nothing the killed worker started is still running.
    gone, alive = psutil.wait_procs(tree, timeout=15)
    assert not alive, [p.cmdline() for p in alive]


# --------------------------------------------------------------------------
# The Dask path
# --------------------------------------------------------------------------

def test_dask_grades_exactly_like_local(cluster, small_class, local_grades, tmp_path):
    out = tmp_path / "out"
    progress = Progress(SMALL, stream=io.StringIO(), mode="lines")
    meta = grade_on_dask(small_class, out, cluster.address, force=True, progress=progress)

    assert read_grades(out) == local_grades
    students = {s for s, _, _ in local_grades}
    assert set(meta["worker_of"]) == students and meta["graded"] == len(students)
    assert len(set(meta["worker_of"].values())) == 2            # both workers took part
    for s in students:                                           # the client wrote every file
        assert (student_dir(out, s) / "results.json").is_file()
        assert len(list(student_dir(out, s).glob("*.html"))) == 5
    assert (out / "manual.csv").is_file() and (out / "run.json").is_file()
    assert not list(out.rglob("*.tmp"))                          # atomic writes left nothing behind
    assert progress.done == len(students)
    records = (out / "results.jsonl").read_bytes()          # the kit's own record, as the workers sent it
    assert len(records.splitlines()) == len(students)

    # A re-run skips what did not change, without asking the cluster.
    again = grade_on_dask(small_class, out, cluster.address)
    if again["kit_digest"] == meta["kit_digest"]:             # (unless the kit itself was edited meanwhile)
        assert again["graded"] == 0 and again["skipped"] == len(students)
        assert again["workers"] == 0                              # did not even connect
        assert (out / "results.jsonl").read_bytes() == records  # the cached records, the same bytes
    assert read_grades(out) == local_grades


def test_cli_scheduler_option(cluster, small_class, local_grades, tmp_path):
    """`autograder grade --scheduler`."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder.cli.commands", "grade", str(small_class),
                           "--out", str(out), "--scheduler", cluster.address, "--quiet"],
                          cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=300)
    if "not implemented" in proc.stderr:
        pytest.skip("the CLI's --scheduler branch is not implemented")
    assert proc.returncode == 0, proc.stderr
    assert read_grades(out) == local_grades


class KillOnFirstResult(Progress):
    """A progress reporter that SIGKILLs a busy worker (its worker process: the nanny starts a new
    one) when the first result arrives. Only one task may start before the gate holds the rest, so
    the run cannot end first; the worker killed is the one whose task waits at the gate."""

    def __init__(self, total, cluster):
        super().__init__(total, stream=io.StringIO(), mode="lines")
        self.cluster = cluster
        self.victim = None           # (the held task's ticket, the worker process's descendants)

    def update(self, name="", **kwargs):
        super().update(name, **kwargs)
        if self.victim is None and self.done >= 1:
            ticket = self.cluster.wait_for(lambda: [t for t in self.cluster.tickets() if t["held"]])[0]
            proc = psutil.Process(ticket["pid"])
            self.victim = (ticket, proc.children(recursive=True))
            proc.send_signal(signal.SIGKILL)
            self.cluster.open_gate()


def test_worker_killed_mid_run_loses_nothing(cluster, small_class, local_grades, tmp_path):
    from distributed import Client

    out = tmp_path / "out"
    cluster.set_gate(free=1)
    with Client(cluster.address, timeout="60s", set_as_default=False) as client:
        progress = KillOnFirstResult(SMALL, cluster)
        meta = grade_on_dask(small_class, out, cluster.address, force=True,
                             progress=progress, client=client)

    assert progress.victim is not None, "the first result never came"
    ticket, orphans = progress.victim
    # Every submission has all its rows, with the scores local grading gives.
    assert read_grades(out) == local_grades
    # What the dead worker was running finished elsewhere (the new worker process has a new address).
    assert ticket["student"] in meta["worker_of"] and meta["worker_of"][ticket["student"]] != ticket["address"]
    assert sum(t["student"] == ticket["student"] for t in cluster.tickets()) >= 2     # it ran again
    # Its zygote and jailed children died with it (PDEATHSIG), nothing left running.
    gone, alive = psutil.wait_procs(orphans, timeout=15)
    assert not alive, [p.cmdline() for p in alive]


# --------------------------------------------------------------------------
# Losing every worker (last: whatever comes next would need two new workers)
# --------------------------------------------------------------------------

def test_no_worker_left_gives_error_rows_and_ends(cluster, small_class, local_grades, tmp_path):
    """Every worker dies after the second student (the gate holds the third task until then): the
    rest get `error` rows after the wait, exit 0. (The module's cluster: the next test, if any, gets
    new workers.)"""
    out = tmp_path / "out"
    env = dict(cluster.env, AUTOGRADER_DASK_NO_WORKERS_TIMEOUT="1")
    everyone = cluster.live_workers()
    with Killer(cluster, "mid_batch", out, everyone=True) as killer:
        proc = grade_cli(small_class, out, cluster.address, env)

    assert killer.killed == everyone and len(everyone) == 2, f"the kill point never came\n{proc.stderr}"
    assert killer.results_then == 2 and not cluster.live_workers()
    assert proc.returncode == 0, proc.stderr
    assert "no Dask worker for 1 s" in proc.stderr
    grades = read_grades(out)
    assert set(grades) == set(local_grades)                     # every row is there
    by_student = {}
    for (s, nb, gid), (points, status) in grades.items():
        by_student.setdefault(s, []).append(((s, nb, gid), points, status))
    given_up = {s for s, rows in by_student.items() if all(st == "error" for _, _, st in rows)}
    # Exactly the two students graded before the kill have their grades, the others error rows.
    graded = {t["student"] for t in cluster.tickets() if not t["held"]}
    assert len(graded) == 2 and given_up == set(by_student) - graded
    for s, rows in by_student.items():                          # the others: graded as locally
        if s not in given_up:
            assert all(local_grades[k] == (p, st) for k, p, st in rows), s
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        messages = {r["message"] for r in csv.DictReader(f) if r["student_id"] in given_up}
    assert messages == {"评分器错误 / grader error: 没有可用的 Dask worker（1 秒）/ no Dask worker for 1 s: not graded"}


# --------------------------------------------------------------------------
# Bad scheduler addresses: refused before any grading
# --------------------------------------------------------------------------

def silent_server():
    """A TCP port that accepts connections and never says a word (not a Dask scheduler)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    return srv


def refuse(address, out):
    """`autograder grade examples/submitted --out OUT --scheduler ADDRESS` in a subprocess."""
    # Returning at all is the point (no hang at exit); the timeout is only a guard.
    return subprocess.run([sys.executable, "-m", "autograder.cli.commands", "grade", str(ROOT / "examples" / "submitted"),
                           "--out", str(out), "--scheduler", address, "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def assert_refused(status, stderr, out):
    """Exit 2, one line on stderr naming --scheduler, nothing graded."""
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograder: --scheduler: "), stderr
    assert not (out / "grades.csv").exists()


@pytest.mark.slow        # a CLI each, and the connect timeout for the unreachable and the silent
@pytest.mark.parametrize("kind", ["malformed", "unreachable", "silent"])
def test_bad_scheduler_is_refused_before_grading(kind, tmp_path):
    """A whole CLI process: it must also exit promptly (no Client left closing itself)."""
    out, srv = tmp_path / "out", None
    if kind == "malformed":
        address = "127.0.0.1:8786"
    elif kind == "unreachable":
        address = f"tcp://127.0.0.1:{free_port()}"            # nothing listens there
    else:
        srv = silent_server()
        address = "tcp://127.0.0.1:%d" % srv.getsockname()[1]
    try:
        proc = refuse(address, out)
    finally:
        if srv is not None:
            srv.close()
    assert_refused(proc.returncode, proc.stderr, out)


@pytest.mark.parametrize("address", [
    "garbage", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "tcp://127.0.0.1:0", "http://127.0.0.1:8786",
    "tcp://:8786", "tcp://127.0.0.1:8786/path", "tcp://[::1:8786", ""])
def test_malformed_scheduler_addresses(address, tmp_path, capsys):
    from autograder.cli.commands import main

    out = tmp_path / "out"
    status = main(["grade", str(ROOT / "examples" / "submitted"), "--out", str(out),
                   "--scheduler", address, "--quiet"])
    assert_refused(status, capsys.readouterr().err, out)


@pytest.mark.parametrize("address, ok", [
    ("tcp://127.0.0.1:8786", True), ("tcp://scheduler.example:1", True), ("tcp://[::1]:8786", True),
    (" tcp://127.0.0.1:8786 ", True), ("tcp://127.0.0.1:65536", False), ("tls://127.0.0.1:8786", True),
    ("tcp://user@127.0.0.1:8786", False), ("tcp://127.0.0.1:87a6", False), ("tcp://127.0.0.1:8786?x=1", False)])
def test_parse_address(address, ok):
    from autograder.run.backends.dask import parse_address

    if ok:
        assert parse_address(address) == address.strip()
    else:
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            parse_address(address)


# --------------------------------------------------------------------------
# The collection loop alone (no cluster): resubmission and giving up
# --------------------------------------------------------------------------

class FakeFuture:
    def __init__(self, key, outcome):
        lost = isinstance(outcome, tuple)            # ("lost", outcome): its worker died before the fetch
        self.key, self.outcome = key, outcome[1] if lost else outcome
        self.status = "lost" if lost else "error" if isinstance(outcome, BaseException) else "finished"

    def result(self, timeout=None):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class FakeFlight:
    """InFlight's interface; ``script[(student, attempt)]`` is a task's outcome (None: never finishes)."""

    def __init__(self, script):
        self.script, self.tasks, self.finished, self.submitted = script, {}, [], []

    def __len__(self):
        return len(self.tasks)

    def submit(self, sub, key, attempt=0):
        fut = FakeFuture(f"{sub.student_id}-{attempt}", self.script[(sub.student_id, attempt)])
        self.tasks[fut.key] = (fut, sub, key, attempt)
        self.submitted.append(fut.key)
        if fut.outcome is not None:
            self.finished.append(fut)

    def next(self, timeout):
        return self.tasks.get(self.finished.pop(0).key) if self.finished else None

    def rewatch(self, item):
        if item[0].outcome is not None:
            item[0].status = "finished"              # the scheduler recomputed it
        self.finished.append(item[0])                # else still lost: its callback fires at once

    def forget(self, item):
        self.tasks.pop(item[0].key, None)

    def abandon(self):
        items, self.tasks = list(self.tasks.values()), {}
        return [(sub, key) for _f, sub, key, _a in items]


class FakeWatch:
    def __init__(self, empty_after):
        self.limit, self.looks, self.empty_after = 60, 0, empty_after

    def expired(self):
        self.looks += 1
        return self.looks > self.empty_after


# What a finished grade_task returns: a SubmissionResult as JSON.
OK_TASK = json.dumps(SubmissionResult("x").to_dict())


def run_fake_batch(script, students, window=8, empty_after=10 ** 6):
    from autograder.run.backends.dask import _run_batch
    from autograder.pipeline.find_submissions import Submission

    todo = [(Submission(s, {}), f"key-{s}") for s in students]
    flight, done, failed = FakeFlight(script), {}, {}
    left = _run_batch(flight, todo, window, FakeWatch(empty_after),
                      lambda sub, key, res: done.__setitem__(sub.student_id, res),
                      lambda sub, key, why: failed.__setitem__(sub.student_id, why))
    return flight, done, failed, [sub.student_id for sub, _key in left]


def test_batch_resubmits_lost_and_failed_tasks():
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    ok = OK_TASK
    lost = KilledWorker("t", types.SimpleNamespace(address="tcp://127.0.0.1:1"), 3)
    script = {("a", 0): CommClosedError("Stream is closed"), ("a", 1): ok,
              ("b", 0): lost, ("b", 1): lost, ("b", 2): lost,
              ("c", 0): RuntimeError("grader bug"), ("c", 1): TimeoutError(), ("c", 2): ok,
              ("d", 0): ("lost", ok)}
    flight, done, failed, left = run_fake_batch(script, "abcd", window=2)
    assert set(done) == {"a", "c", "d"} and left == []
    assert list(failed) == ["b"] and "KilledWorker" in failed["b"] and "/" in failed["b"]
    assert sorted(flight.submitted) == sorted(f"{s}-{n}" for s, n in script)   # every attempt, no more
    assert len(flight) == 0


def test_batch_stops_when_no_worker_can_run_student_code():
    """A sandbox that fails on every attempt is the grader's failure: the run stops (exit 3), no zeros."""
    from autograder.sandbox.runner import SandboxUnavailable

    ok = OK_TASK
    broken = SandboxUnavailable("cannot run student code: the sandbox failed to start 3 times in a row")
    script = {("a", 0): ok, ("b", 0): broken, ("b", 1): broken, ("b", 2): broken}
    with pytest.raises(SandboxUnavailable):
        run_fake_batch(script, "ab", window=1)
    once = {("a", 0): broken, ("a", 1): ok}                    # one bad worker: the retry elsewhere grades
    flight, done, failed, left = run_fake_batch(once, "a")
    assert set(done) == {"a"} and not failed


def test_a_result_lost_for_good_does_not_spin(monkeypatch):
    """A result lost with its worker while the cluster stays empty: given up after the wait, not a
    busy loop that never looks at the cluster (the client spun at 85% CPU and never ended)."""
    import autograder.run.backends.dask as backend
    monkeypatch.setattr(backend, "LOST_PAUSE", 0)
    ok = OK_TASK
    flight, done, failed, left = run_fake_batch({("a", 0): ok, ("b", 0): ("lost", None)}, "ab", empty_after=5)
    assert set(done) == {"a"} and left == ["b"] and not failed


def test_batch_gives_up_on_an_empty_cluster():
    ok = OK_TASK
    script = {("a", 0): ok, ("b", 0): None, ("c", 0): None, ("d", 0): None}
    flight, done, failed, left = run_fake_batch(script, "abcd", window=3, empty_after=5)
    assert set(done) == {"a"} and not failed
    assert left == ["b", "c", "d"]                              # in flight, then never submitted
    assert len(flight) == 0


class FakeClient:
    """register_plugin: fails ``failures`` times with a closed stream, or never returns."""

    def __init__(self, failures=0, hang=False):
        self.failures, self.hang, self.calls = failures, hang, 0
        self.release = threading.Event()

    def register_plugin(self, plugin, name=None):
        from distributed.comm.core import CommClosedError

        self.calls += 1
        if self.hang:
            self.release.wait(30)
        if self.calls <= self.failures:
            raise CommClosedError("in <TCP (closed) ConnectionPool.register_worker_plugin>: Stream is closed")


@pytest.mark.parametrize("failures, hang, registered", [(0, False, True), (1, False, True),
                                                        (5, False, False), (0, True, False)])
def test_plugin_registration_never_stops_a_run(failures, hang, registered, capsys, monkeypatch):
    import autograder.run.backends.dask as backend

    # The pauses between attempts are recorded, not slept (3 s for three failures).
    pauses = []
    monkeypatch.setattr(backend, "time", types.SimpleNamespace(sleep=pauses.append, monotonic=time.monotonic))
    client = FakeClient(failures, hang)
    try:
        assert backend._register_cleanup(client, wait=0.5 if hang else 30) is registered
    finally:
        client.release.set()
    err = capsys.readouterr().err
    assert ("WARNING" in err) is not registered
    if hang:
        assert "no answer within 0.5 s" in err
    else:                    # a pause after each failed attempt, longer each time
        assert pauses == [0.5, 1.0, 1.5][:min(failures, 3)] and client.calls == min(failures + 1, 3)


def test_no_workers_timeout_from_the_environment(monkeypatch, capsys):
    from autograder.run.backends.dask import NO_WORKERS_ENV, NO_WORKERS_TIMEOUT, no_workers_timeout

    monkeypatch.delenv(NO_WORKERS_ENV, raising=False)
    assert no_workers_timeout() == NO_WORKERS_TIMEOUT == 60
    monkeypatch.setenv(NO_WORKERS_ENV, "2.5")
    assert no_workers_timeout() == 2.5
    for bad in ["0", "-3", "nan", "inf", "soon"]:
        monkeypatch.setenv(NO_WORKERS_ENV, bad)
        assert no_workers_timeout() == NO_WORKERS_TIMEOUT
        assert NO_WORKERS_ENV in capsys.readouterr().err


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
