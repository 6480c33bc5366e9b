"""The jail alone, in the four configurations where courses run, against hostile submissions.

With the static source check off (``AUTOGRADER_SOURCE_CHECK=off``: the jail alone),
one small class is graded through the real CLI in each configuration:

1. ``root``: root with namespaces (the child drops to nobody);
2. ``user``: a normal user with (unprivileged user) namespaces;
3. ``no_namespaces``: a normal user where namespaces are refused (a seccomp filter on
   ``unshare``, ``setns`` and ``clone`` with ``CLONE_NEW*``, as Docker and Kubernetes do);
4. ``no_mounts``: a normal user where user namespaces work but mounts are refused
   (Ubuntu >= 23.10's AppArmor policy).

The class (``tests/hostile/jail/``): code that finds the course through ``/proc`` and
appends to the instructor's ``nbgrader_config.py``; reads the solutions and a
classmate's notebook; writes into HOME, the output, the course and ``/tmp``;
connects to a listener on 127.0.0.1; kills the grader and another process of the
same user; stores something in the user keyring and reads it back in a later
child; locks its scratch folders (modes 0o300 and 0, links out) so the grader cannot clean them. Each reports what it managed through its error message, and the test
asserts on the real effects: files unchanged, the listener silent, the victim
alive, the keyring empty, no scratch left. An honest student in the same batch keeps full marks,
and an honest probe (``tests/jail/honest_everyday.py``) finds everything it
needs working.
"""
import csv
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from support.processes import on_purpose
from support.slow import slow_fixture

from conftest import ROOT
from autograder.sandbox import landlock
from harness import source_nb, with_answer

HOSTILE = ROOT / "tests" / "hostile" / "jail"
EVERYDAY = ROOT / "tests" / "jail" / "honest_everyday.py"
REFUSE = ROOT / "tests" / "support" / "refuse_namespaces.py"
PY = pathlib.Path(sys.executable)
UID = 54321                      # the throwaway account of test_nonroot.py
NOBODY = 65534
CONFIGS = ["root", "user", "no_namespaces", "no_mounts"]
ROOT_RUN = os.geteuid() == 0
EVERYDAY_EXPECTED = {"cpu": True, "cwd_list": True, "env": True, "grad": 1.0, "json": {"a": 1}, "math": 7.0,
                     "np": 90.0, "np_torch": 122.0, "pid": True, "rand": True, "random": True, "resource": True,
                     "save": 2.0, "seq": [2, 4, 2, 2], "slept": True, "tb": True, "tmp": "hello"}
CFG_TEXT = "c = get_config()\nc.CourseDirectory.course_id = 'pooling'  # the instructor's\n"

pytestmark = [
    pytest.mark.skipif(shutil.which("setpriv") is None and ROOT_RUN, reason="setpriv is needed"),
    pytest.mark.skipif(landlock.abi_version() < 1, reason="the kernel has no Landlock: without namespaces the "
                                                          "grader refuses to run (exit 3), which test_cli covers"),
]

# Can this machine give `uid` the namespaces (and mounts) configurations 1 and 2 need? A container may not.
NS_PROBE = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if os.geteuid() != 0:
    assert libc.unshare(0x10000000) == 0, "user namespace"
assert libc.unshare(0x00020000 | 0x40000000) == 0, "mount and net namespaces"
assert libc.mount(None, b"/", None, (1 << 14) | (1 << 18), None) == 0, "mount"
"""


class Listener:
    """Counts connections and bytes (TCP and UDP) on one 127.0.0.1 port; a child must never reach it."""

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.2)
        self.connections, self.received = 0, b""
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            for fn in (self._accept, self._datagram):
                try:
                    fn()
                except OSError:
                    pass

    def _accept(self):
        conn, _ = self.tcp.accept()
        self.connections += 1
        conn.settimeout(1)
        self.received += conn.recv(1024)
        conn.close()

    def _datagram(self):
        self.received += self.udp.recv(1024)

    def close(self):
        self._stop.set()
        self.thread.join()
        self.tcp.close()
        self.udp.close()


def _env(home, extra=None):
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
    env.update(HOME=str(home), TMPDIR=str(home / "tmp"), PYTHONDONTWRITEBYTECODE="1", MPLCONFIGDIR=str(home / "mpl"),
               PYTHONPATH=str(ROOT), AUTOGRADER_SOURCE_CHECK="off", **(extra or {}))
    return env


def _as(uid, cmd, home):
    """`cmd` as `uid` with nothing of root's (or as ourselves when we are not root), and its env."""
    env = _env(home)
    if ROOT_RUN and uid != 0:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--reset-env",
               "env", *[f"{k}={v}" for k, v in env.items()], *cmd]
    return list(map(str, cmd)), env


def _chown_tree(path, uid):
    if ROOT_RUN:
        subprocess.run(["chown", "-R", f"{uid}:{uid}", str(path)], check=True)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _report(out, student):
    """What a hostile student's code said it managed: its error message, ``JAILREPORT {...}``, as the
    student's results.json has it (grades.csv keeps only the verdict). None if there is none."""
    for sdir in (out / "students").glob(f"{student}-*"):
        for text in _strings(json.loads((sdir / "results.json").read_text(encoding="utf-8"))):
            for chunk in text.split("JAILREPORT ")[1:]:
                try:
                    return json.JSONDecoder().raw_decode(chunk)[0]
                except ValueError:
                    continue
    return None


def _messages(out, student):
    """The student's results.json, for an assertion's message."""
    return [(sdir / "results.json").read_text(encoding="utf-8")[:3000]
            for sdir in (out / "students").glob(f"{student}-*")]


def _keyring_has(uid, home, token):
    """Is "agjail-TOKEN" in `uid`'s user keyring? Asked from outside the jail, as that uid."""
    code = ("import ctypes, os; l = ctypes.CDLL(None, use_errno=True); l.syscall.restype = ctypes.c_long\n"
            "nr = {'x86_64': 249, 'aarch64': 218}[os.uname().machine]\n"
            f"r = l.syscall(ctypes.c_long(nr), b'user', b'agjail-{token}', None, ctypes.c_long(0))\n"
            "print('FOUND' if r >= 0 else os.strerror(ctypes.get_errno()))\n")
    cmd, env = _as(uid, [PY, "-I", "-c", code], home)
    return subprocess.run(cmd, env=env, cwd=home, capture_output=True, text=True, timeout=60).stdout.strip()


class Grading:
    """One configuration: a course, a HOME, a listener, a victim process, and the CLI grading the class."""

    PREFIX = {"root": [], "user": [], "no_namespaces": [PY, REFUSE], "no_mounts": [PY, REFUSE, "--mounts"]}

    def __init__(self, config):
        self.config = config
        self.uid = 0 if config == "root" else UID if ROOT_RUN else os.geteuid()
        self.child_uid = NOBODY if config == "root" and ROOT_RUN else self.uid   # the jailed child, on the host
        self.base = pathlib.Path(tempfile.mkdtemp(prefix=f"autograder-jailcfg-{config}-"))
        os.chmod(self.base, 0o755)
        self.home, self.course, self.out = self.base / "home", self.base / "course", self.base / "out"
        for d in (self.home / "tmp", self.home / "mpl", self.course / "source" / "pooling", self.out):
            d.mkdir(parents=True)
        (self.home / ".bashrc").write_text("# the grading user's\n")
        (self.course / "nbgrader_config.py").write_text(CFG_TEXT)
        shutil.copy(ROOT / "source" / "pooling" / "01_basics.ipynb", self.course / "source" / "pooling")
        self.token = secrets.token_hex(4)
        self.listener = Listener()
        cmd, env = _as(self.child_uid, on_purpose(["sleep", "600"]), self.home)   # passed over by stray checks
        self.victim = subprocess.Popen(cmd, env=env, cwd=self.home, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        fill = {"{COURSE}": str(self.course), "{HOME}": str(self.home), "{OUT}": str(self.out),
                "{PORT}": str(self.listener.port), "{VICTIM}": str(self.victim.pid), "{TOKEN}": self.token}
        self.subs = self.course / "submitted"
        self._put("honest", source_nb())
        everyday = EVERYDAY.read_text(encoding="utf-8") + (
            f"\nEXPECTED = {EVERYDAY_EXPECTED!r}\n"
            "def min_pool2d(*args, **kwargs):\n"
            "    got = json.loads(everyday())\n"
            "    wrong = {k: v for k, v in got.items() if EXPECTED.get(k) != v}\n"
            "    raise RuntimeError('JAILREPORT ' + json.dumps(wrong))\n")
        # As min_pool2d: the one function that may use torch's pooling, which the probe does.
        self._put("honest_everyday", with_answer(everyday, "min_pool2d", "04_min_softmax"), "04_min_softmax")
        for case in sorted(HOSTILE.glob("*.py")):
            code = case.read_text(encoding="utf-8")
            for k, v in fill.items():
                code = code.replace(k, v)
            self._put(f"hostile_{case.stem}", with_answer(code))
        _chown_tree(self.base, self.uid)
        watched = [self.course / "nbgrader_config.py", self.home / ".bashrc", *sorted(self.subs.rglob("*.ipynb"))]
        self.before = {p: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns) for p in watched}
        self.modes = {p: p.stat().st_mode for p in (self.home, self.course)}   # lock_scratch links to them

    def _put(self, student, nb, notebook="01_basics"):
        d = self.subs / student / "pooling"
        d.mkdir(parents=True)
        (d / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")

    def start(self):
        cmd, env = _as(self.uid, [*self.PREFIX[self.config], PY, "-m", "autograder.cli.commands", "grade", self.subs,
                                  "--out", self.out, "--workers", "1", "--timeout", "5", "--force", "--quiet"],
                       self.home)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.course, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)

    def finish(self):
        stdout, stderr = self.proc.communicate(timeout=600)
        self.res = subprocess.CompletedProcess(self.proc.args, self.proc.returncode, stdout, stderr)
        self.took = time.monotonic() - self.t0
        self.victim_alive = self.victim.poll() is None
        self.listener.close()
        self.keyring = _keyring_has(self.child_uid, self.home, self.token)
        grades = self.out / "grades.csv"
        with open(grades, newline="", encoding="utf-8") if grades.exists() else open(os.devnull) as f:
            self.rows = list(csv.DictReader(f))

    def report(self, student):
        return _report(self.out, student)

    def cleanup(self):
        self.victim.kill()
        self.victim.wait()
        if not os.environ.get("AGJAIL_KEEP"):
            shutil.rmtree(self.base, ignore_errors=True)
        pathlib.Path(f"/tmp/agjail-pwned-{self.token}").unlink(missing_ok=True)


@slow_fixture(scope="module")
def gradings():
    """All four configurations, graded concurrently (each CLI mostly waits on its one child)."""
    wanted = os.environ.get("AGJAIL_CONFIGS", ",".join(CONFIGS)).split(",")     # (to debug one)
    skipped = {}
    if not ROOT_RUN:
        skipped["root"] = "root with namespaces: needs root"
    elif not _namespaces_work(0):
        skipped["root"] = "this machine refuses root namespaces or mounts"
    if not _namespaces_work(UID if ROOT_RUN else os.geteuid()):
        skipped["user"] = skipped["no_mounts"] = "this machine refuses unprivileged user namespaces"
    done = [Grading(c) for c in CONFIGS if c not in skipped and c in wanted]
    try:
        for g in done:
            g.start()
        for g in done:
            g.finish()
        yield {"_skipped": skipped, **{g.config: g for g in done}}
    finally:
        for g in done:
            g.cleanup()


def _namespaces_work(uid):
    home = pathlib.Path(tempfile.gettempdir())
    cmd, env = _as(uid, [PY, "-I", "-c", NS_PROBE], home)
    return subprocess.run(cmd, env=env, cwd=home, capture_output=True, timeout=60).returncode == 0


@pytest.fixture(params=CONFIGS)
def graded(request, gradings):
    if request.param not in gradings:
        pytest.skip(gradings.get("_skipped", {}).get(request.param, "not asked for"))
    return gradings[request.param]


def test_the_grader_survives_and_grades_everyone(graded):
    """Killing the grader failed: exit 0, a row for every student."""
    res = graded.res
    assert res.returncode == 0, (res.stdout[-2000:], res.stderr[-3000:])
    students = {r["student_id"] for r in graded.rows}
    assert students == {"honest", "honest_everyday"} | {f"hostile_{p.stem}" for p in HOSTILE.glob("*.py")}


def test_honest_keeps_full_marks(graded):
    rows = [r for r in graded.rows if r["student_id"] == "honest" and r["notebook"] == "01_basics"]
    assert len(rows) == 2 and all(float(r["points"]) == float(r["max_points"]) for r in rows), rows


def test_honest_everyday_code_works(graded):
    """Pooling, conv, autograd, numpy, printing, temporary files, imports after the fork: none refused.
    The probe reports what differs from what it should get: nothing."""
    report = graded.report("honest_everyday")
    assert report == {}, (report, _messages(graded.out, "honest_everyday"))


def test_instructor_config_and_files_unchanged(graded):
    """No takeover through /proc, no write into HOME, the course or the submissions."""
    for path, (data, mode, mtime) in graded.before.items():
        st = path.stat()
        assert (path.read_bytes(), st.st_mode, st.st_mtime_ns) == (data, mode, mtime), path
    course, home, out, token = graded.course, graded.home, graded.out, graded.token
    assert not (course / "PWNED").exists()
    for p in (home / f"pwned-{token}", out / f"pwned-{token}", course / f"pwned-{token}",
              pathlib.Path(f"/tmp/agjail-pwned-{token}")):
        assert not p.exists(), p
    wrote = graded.report("hostile_write_files")
    assert wrote is not None and [k for k, v in wrote.items() if "WROTE" in str(v)] in ([], ["tmp"]), wrote
    if "WROTE" in str(wrote["tmp"]):
        assert graded.config in ("root", "user")         # the child's own /tmp (a tmpfs in its minimal root)
    takeover = graded.report("hostile_proc_takeover")
    assert takeover is not None and takeover["cfg"] != "WROTE", takeover
    assert takeover["found"] is False                    # /proc gave the course away nowhere


def test_no_scratch_left_behind(graded):
    """A child that locks its scratch folders (made 0o300 or 0 through the umask, links out of the
    tree) leaves nothing in the grader's TMPDIR, and the folders its links name keep their modes."""
    report = graded.report("hostile_lock_scratch")
    assert report is not None and report["cell"]["locked"] == "LOCKED", report
    assert report["cell"]["chmod"] == "PermissionError", report            # seccomp: chmod is refused
    assert sorted(p.name for p in (graded.home / "tmp").iterdir() if p.name.startswith("autograder-")) == []
    assert {p: p.stat().st_mode for p in graded.modes} == graded.modes


def test_solutions_and_classmates_unread(graded):
    rows = [r for r in graded.rows if r["student_id"] == "hostile_steal_solutions"]
    assert [float(r["points"]) for r in rows if r["grade_id"] == "test_pool2d"] == [0.0]
    report = graded.report("hostile_steal_solutions")
    assert report is not None, _messages(graded.out, "hostile_steal_solutions")
    denied = ("DENIED EACCES", "DENIED ENOENT")          # Landlock, or not in the minimal root at all
    assert report["solution"] in denied and report["classmate"] in denied, report


def test_nothing_reaches_the_network(graded):
    listener = graded.listener
    assert listener.connections == 0 and listener.received == b""
    report = graded.report("hostile_network")
    assert report is not None and "CONNECTED" not in json.dumps(report) and "SENT" not in json.dumps(report)


def test_no_signal_reaches_the_grader_or_the_users_other_processes(graded):
    assert graded.victim_alive
    report = graded.report("hostile_signals")
    assert report is not None
    assert "KILLED" not in json.dumps(report), report


def test_the_keyring_keeps_nothing(graded):
    store = graded.report("hostile_keyring_store")
    read = graded.report("hostile_keyring_zread")
    assert store == {"cell": "EPERM", "call": "EPERM"}, store
    assert read == {"call": "EPERM"}, read
    assert graded.keyring != "FOUND"


def test_what_confined_the_children_is_recorded(graded):
    """The warning says what the OS refused; the layers that hold are the same in every configuration."""
    stderr = graded.res.stderr
    config = graded.config
    if config in ("root", "user"):
        assert "WARNING: sandbox" not in stderr, stderr[-2000:]
    elif config == "no_namespaces":
        assert "no pid, net, ipc, uts, mount namespaces" in stderr and "file system confined by: landlock" in stderr
    else:
        assert "no minimal root (mounts refused" in stderr and "file system confined by: landlock" in stderr
        assert "network by: netns+landlock+seccomp" in stderr


def test_cost(graded):
    """Not an assertion on speed (the machine is shared): the time of the batch, for the record."""
    print(f"\n{graded.config}: {len(graded.rows)} rows in {graded.took:.1f} s")
