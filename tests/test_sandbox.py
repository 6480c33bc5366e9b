"""The jailed child: what it can see and do, limits, timeouts, restarts, cleanup."""
import os

import psutil
import pytest
import torch

from autograder.sandbox.runner import Engine, Limits
from support.processes import descendants_running

PROBE = r'''
import os, socket, sys
def probe():
    try:
        root = sorted(os.listdir("/"))
    except OSError as e:                       # Landlock: "/" itself is not readable, only what is allowed
        root = e.strerror
    r = {"uid": os.getuid(), "pid": os.getpid(), "root": root,
         "cwd": os.getcwd(), "fds": sorted(int(f) for f in os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None}
    for p in ("{ROOT}", "{ROOT}/source", "{ROOT}/autograder", "/root", "/home", "/proc/1", "/var"):
        r[p] = os.path.exists(p)
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1)
        r["net"] = "connected"
    except OSError as e:
        r["net"] = type(e).__name__
    try:
        open("/usr/evil", "w")
        r["write_usr"] = True
    except OSError:
        r["write_usr"] = False
    with open("/tmp/scratch.txt", "w") as f:
        f.write("ok")
    r["write_tmp"] = True
    try:
        import autograder
        r["import_autograder"] = True
    except ImportError:
        r["import_autograder"] = False
    return repr(r)
'''
ROOT = str(__import__("pathlib").Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def engine():
    eng = Engine(Limits(call_timeout=3, notebook_timeout=30))
    yield eng
    eng.close()


def session(engine, code):
    return engine.session([("answer", code)], preamble="import torch\nimport torch.nn.functional as F\n")


@pytest.fixture(scope="module")
def seen(engine):
    with session(engine, PROBE.replace("{ROOT}", ROOT)) as s:
        r = s.call("probe", (), {})
        assert r.error is None, r.error
        return eval(r.value), s.engine.zygote and dict(s.child.notes if s.child else {})


def test_jail_hides_the_course(seen):
    r, _ = seen
    assert not r[ROOT + "/source"] and not r[ROOT + "/autograder"]
    assert not r["/proc/1"]
    # /home or /var exist in the jail only as the empty way down to a bound Python path (a venv in
    # a clone under /home): then the course beside it must still be absent, as checked above.
    import sys
    bound = [os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)]
    for top in ("/home", "/var"):
        if not any(b.startswith(top + "/") for b in bound):
            assert not r[top], top
    assert not r["import_autograder"]


def test_jail_has_no_network(seen):
    assert seen[0]["net"] != "connected"


def test_jail_is_read_only_but_tmp(seen):
    r, _ = seen
    assert r["write_usr"] is False and r["write_tmp"] is True and r["cwd"] == "/tmp"


@pytest.mark.skipif(os.geteuid() != 0, reason="drops privileges only when started as root")
def test_runs_as_nobody_pid_1(seen):
    r, _ = seen
    assert r["uid"] == 65534 and r["pid"] == 1


def test_noncontiguous_inputs_arrive_noncontiguous(engine):
    code = "def f(x):\n    return (x.is_contiguous(), tuple(x.stride()), x.sum().item())\n"
    x = torch.arange(24.).reshape(4, 6).t()
    with session(engine, code) as s:
        r = s.call("f", (x,), {})
    assert r.value == (False, (1, 6), float(x.sum()))


def test_ops_recorded(engine):
    with session(engine, "def f(x):\n    return F.max_pool2d(x, 2)\n") as s:
        r = s.call("f", (torch.randn(1, 1, 4, 4),), {})
    assert "aten.max_pool2d_with_indices" in r.ops


def test_timeout_then_other_functions_still_run(engine):
    code = "def slow():\n    while True: pass\ndef fine():\n    return 7\n"
    with session(engine, code) as s:
        r = s.call("slow", (), {})
        assert r.timed_out
        assert s.call("slow", (), {}).timed_out          # not retried
        assert s.call("fine", (), {}).value == 7          # restarted child


def test_exit_restarts(engine):
    code = "import os\ndef die():\n    os._exit(1)\ndef fine():\n    return 1\n"
    with session(engine, code) as s:
        assert s.call("die", (), {}).error
        assert s.call("fine", (), {}).value == 1


def test_hanging_cell_is_skipped(engine):
    cells = [("bad", "while True: pass\n"), ("good", "def fine():\n    return 2\n")]
    with engine.session(cells) as s:
        assert s.call("fine", (), {}).value == 2
        assert "bad" in s.cell_errors


def test_memory_limit(engine):
    code = "def hog():\n    return torch.ones(1 << 30).sum()\n"       # 4 GiB > 2 GiB limit
    with session(engine, code) as s:
        r = s.call("hog", (), {})
    assert r.error and not r.timed_out


def test_missing_function(engine):
    with session(engine, "x = 1\n") as s:
        r = s.call("nope", (), {})
    assert r.error.startswith("NameError")


def test_output_is_capped(engine):
    code = "def loud():\n    for i in range(100000): print('x' * 100)\n    return 1\n"
    with session(engine, code) as s:
        assert s.call("loud", (), {}).value == 1


SPAWNERS = {
    "subprocess": "import subprocess\ndef spawn():\n    subprocess.Popen(['sleep', '4244'])\n    return 1\n",
    "fork": "import os\ndef spawn():\n    if os.fork() == 0:\n        import time; time.sleep(4244)\n    return 1\n",
    "thread": "import threading, time\ndef spawn():\n    threading.Thread(target=time.sleep, args=(4244,)).start()\n    return 1\n",
    "multiprocessing": "import multiprocessing, time\ndef spawn():\n"
                       "    multiprocessing.Process(target=time.sleep, args=(4244,)).start()\n    return 1\n",
}


@pytest.mark.parametrize("how", sorted(SPAWNERS))
def test_child_cannot_start_threads_or_processes(engine, how):
    """seccomp, per child: no process or thread, whatever the uid (a fork bomb starves nobody)."""
    me = psutil.Process()
    before = {c.pid for c in me.children()}       # other tests' servers may be running
    with session(engine, SPAWNERS[how]) as s:
        r = s.call("spawn", (), {})
        assert r.value is None and r.error, r
        assert s.child.notes.get("seccomp") is True
    assert descendants_running(engine.zygote.proc.pid) == []     # (a moment for the child's own exit)
    assert {c.pid for c in me.children()} - before <= {engine.zygote.proc.pid}


def test_killed_child_leaves_nothing(engine):
    """A child killed on timeout takes its whole namespace with it; its keeper is gone too."""
    with session(engine, "def spin():\n    while True: pass\n") as s:
        r = s.call("spin", (), {})
        assert r.timed_out
    assert descendants_running(engine.zygote.proc.pid) == []


def test_fallback_without_namespaces_keeps_limits_and_boundary(caplog):
    """Where the OS refuses namespaces: a warning, and grading still works under the limits and Landlock."""
    code = (
        "import os\n"
        "def double(x):\n    return 2 * x\n"
        "def who():\n    return os.getuid()\n"
        "def write_usr():\n    open('/usr/evil', 'w')\n"
    )
    # allow_weak_sandbox: without namespaces (and Landlock) the engine would refuse (test_weak_sandbox.py)
    eng = Engine(Limits(call_timeout=3, notebook_timeout=30, namespaces=False, allow_weak_sandbox=True))
    try:
        with caplog.at_level("WARNING"):
            with session(eng, code) as s:
                r = s.call("double", (torch.ones(2),), {})
                assert r.error is None and torch.equal(r.value, torch.full((2,), 2.0))
                uid = s.call("who", (), {}).value
                denied = s.call("write_usr", (), {}).error
                notes = dict(s.child.notes)
        assert any("sandbox" in m and "namespaces" in m for m in caplog.messages), caplog.messages
        if os.geteuid() == 0:
            assert uid == 65534                  # the uid drop still holds
        assert denied and "Error" in denied
        # Without a minimal root, Landlock and seccomp confine the file system and network ...
        if (notes.get("landlock_abi") or 0) >= 4:
            assert notes["confined"] == {"fs": ["landlock"], "net": ["landlock", "seccomp"]}
        assert notes["confined"]["net"] and notes["seccomp"] is True
        # ... and the child's private scratch dir went with it.
        assert os.listdir(eng.zygote.scratch) == []
    finally:
        eng.close()


def test_a_zygote_that_keeps_dying_stops_the_engine(tmp_path, monkeypatch):
    """The grader's failure is not the student's: after a bounded number of restarts, a loud error."""
    import autograder.sandbox.runner as runner
    dying = tmp_path / "dying_zygote.py"
    dying.write_text("import sys\nsys.exit(72)\n")           # as the zygote did at its first spawn
    monkeypatch.setattr(runner, "CHILD_PY", str(dying))
    eng = Engine(Limits(call_timeout=3, notebook_timeout=30))
    try:
        with pytest.raises(runner.SandboxUnavailable, match="cannot run student code"):
            eng.spawn()
        assert eng.failed_starts == Engine.MAX_FAILED_STARTS
    finally:
        eng.close()


def test_child_has_no_capabilities(engine):
    """Root of its user namespace (a normal user) or nobody (root): either way no capability is left."""
    code = ("import ctypes, os\n"
            "def caps():\n"
            "    nr = {'x86_64': 125, 'aarch64': 90}[os.uname().machine]\n"
            "    hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)\n"
            "    data = (ctypes.c_uint32 * 6)(*[0xFFFFFFFF] * 6)\n"
            "    assert ctypes.CDLL(None).syscall(nr, hdr, data) == 0\n"
            "    return list(data)\n")
    with session(engine, code) as s:
        r = s.call("caps", (), {})
        assert s.child.notes.get("capabilities") == "dropped"
    assert r.error is None and r.value == [0] * 6, r


def test_memory_limit_counts_from_the_warmed_up_interpreter():
    """``Limits.memory`` is what student code may add: torch's own mappings (0.6 GiB for the CPU
    wheel, 3 GiB for PyPI's CUDA wheel) are not taken out of it, whatever build is installed."""
    code = ("def grab(mib):\n"
            "    try:\n"
            "        b = bytearray(mib << 20)\n"
            "        return len(b) >> 20\n"
            "    except MemoryError:\n"
            "        return -1\n")
    with Engine(Limits(call_timeout=5, notebook_timeout=30, memory=512 << 20)) as eng:
        with eng.session([("answer", code)]) as s:
            assert s.call("grab", (256,), {}).value == 256      # within what student code may add
            assert s.call("grab", (1024,), {}).value == -1      # beyond it
