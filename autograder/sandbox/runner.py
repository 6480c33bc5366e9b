"""Parent side of the sandbox: the zygote process, jailed children, and the `call` proxy.

``Engine`` owns one zygote (one per worker). ``Engine.session(cells)`` forks a
jailed child for one notebook, runs the preamble and the answer cells in it,
and hands out ``session.caller(name)`` -- the ``call(args, kwargs) -> CallResult``
that ``autograder.grading.suites.run_suite`` uses. Every wait on the child has a
wall-clock deadline; on expiry the child's whole PID namespace is SIGKILLed
(and its process group, for the fallback without namespaces). A child that
dies is restarted so the notebook's other functions are still graded.
"""
import importlib.util
import json
import logging
import os
import secrets
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from typing import Callable, Iterable, Sequence

from . import confinement
from .call_result import CallResult
from autograder.core.limits import Limits  # noqa: F401  (the one definition; callers import it from here too)

log = logging.getLogger("autograder.sandbox")


def _wire():
    """The wire format (``autograder.sandbox.protocol``), imported on first use: its values
    (``course.values``) import torch, which the parent of a run that grades through a pool or Dask
    never needs (the workers' own engines load it)."""
    from . import protocol
    return protocol


CHILD_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")


def kit_roots() -> list[str]:
    """The folders the child imports the kit's modules from (first on its sys.path, by module
    name): the parent's own ``autograder`` and ``course`` (the op recorder is the student package's
    own, course.forbidden, which course.check() runs too). Looked up when a zygote starts, not at
    import (nothing is found or read then)."""
    roots = []
    for package in ("autograder", "course"):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ImportError(f"{package} is not installed")
        roots.append(os.path.dirname(os.path.dirname(os.path.abspath(spec.origin))))
    return list(dict.fromkeys(roots))


class ChildDied(Exception):
    """The child closed its socket, died, or broke the protocol."""


class ChildTimeout(Exception):
    """The child did not answer within its deadline."""


class _Deadline:
    """A socket wrapper whose reads fail once a deadline passes, however the child drips data."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline = sock, deadline

    def recv_into(self, view, n):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ChildTimeout()
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            raise ChildTimeout()
        return self.sock.recv_into(view, n)


class Child:
    """One jailed process (PID 1 of its own PID namespace when available), seen through its keeper.

    ``pid`` and ``pidfd`` are the keeper's: the child's own pid lives in a namespace the
    grader does not see.
    """

    def __init__(self, pid: int, pidfd: int, sock: socket.socket, scratch: str | None = None):
        self.pid, self.pidfd, self.sock = pid, pidfd, sock
        self.scratch = scratch                # its private scratch dir (without a minimal root)
        self.alive = True
        self.notes: dict = {}

    def request(self, header: dict, buffers: Sequence = (), timeout: float = 10.0,
                max_reply: int = 64 << 20) -> tuple[dict, list]:
        """Send one request and wait for its reply -> (header, buffers)."""
        if not self.alive:
            raise ChildDied("not running")
        deadline = time.monotonic() + max(timeout, 0.0)
        seq = secrets.randbits(62)
        protocol = _wire()
        try:
            self.sock.settimeout(max(timeout, 0.001))
            protocol.send_message(self.sock, dict(header, seq=seq), buffers)
            self.sock.settimeout(None)
            while True:
                reply, rbuf = protocol.recv_message(_Deadline(self.sock, deadline), max_reply)
                if reply.get("seq") == seq:
                    return reply, rbuf
                # A stray frame (written by student code onto the socket): not an answer.
                raise protocol.ProtocolError("out-of-sequence reply")
        except (ChildTimeout, socket.timeout):
            self.kill()
            raise ChildTimeout() from None
        except (EOFError, OSError, protocol.ProtocolError, ValueError) as e:
            self.kill()
            raise ChildDied(str(e)[:200]) from None

    def wait_ready(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        protocol = _wire()
        try:
            header, _ = protocol.recv_message(_Deadline(self.sock, deadline), 1 << 16)
        except (ChildTimeout, EOFError, OSError, protocol.ProtocolError) as e:
            self.kill()
            raise ChildDied(f"child did not start: {e!r}"[:200]) from None
        self.notes = header
        return header

    def kill(self) -> None:
        """Stop the child through its keeper, and wait until nothing of it is left.

        SIGTERM asks the keeper to SIGKILL the child (PID 1 of its namespace, so
        everything in it) and its process group, reap it and exit; a keeper that
        does not exit in time is SIGKILLed, and the child dies with it (PDEATHSIG).
        """
        if not self.alive:
            return
        self.alive = False
        for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
            try:
                signal.pidfd_send_signal(self.pidfd, sig)
            except (ProcessLookupError, OSError):
                break                                     # already gone
            try:
                if select.select([self.pidfd], [], [], wait)[0]:
                    break
            except (OSError, ValueError):
                break
        for f in (self.sock.close, lambda: os.close(self.pidfd)):
            try:
                f()
            except OSError:
                pass
        # The keeper removes the scratch dir as it exits, but a keeper SIGKILLed after a slow
        # SIGTERM (a loaded machine) cannot: removing it here too does not depend on timing.
        if self.scratch:
            remove_tree(self.scratch)

    close = kill


def remove_tree(path: str) -> None:
    """Remove a child's scratch tree, even where student code took the permissions off its folders.

    Landlock does not govern chmod, so a child may leave a 0o000 folder behind; for a normal user
    (no CAP_DAC_OVERRIDE) a plain rmtree would then leave it in /tmp for good. The second pass
    opens each folder with O_PATH | O_NOFOLLOW and changes the folder it opened, so a link the
    child planted never redirects the chmod to a file outside the tree.
    """
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        return

    def unlock(d: str) -> None:
        # O_PATH needs no permission on the folder itself; chmod through /proc/self/fd reaches
        # exactly the inode opened, never what a link names.
        try:
            fd = os.open(d, os.O_PATH | os.O_NOFOLLOW)
        except OSError:
            return
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.chmod(f"/proc/self/fd/{fd}", 0o700)
        except OSError:
            pass
        finally:
            os.close(fd)

    unlock(path)
    for top, dirs, _files in os.walk(path):      # top-down: a folder is unlocked before it is listed
        for d in dirs:
            unlock(os.path.join(top, d))
    shutil.rmtree(path, ignore_errors=True)


def _sweep_stale_dirs():
    """Remove the scratch dirs of graders that were killed before they could (named by their pid)."""
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        parts = name.split("-")
        if len(parts) < 4 or parts[0] != "autograder" or parts[1] not in ("jail", "scratch"):
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            remove_tree(os.path.join(tmp, name))
        except (ValueError, PermissionError):
            pass                      # not ours to judge: malformed name, or another user's live process


class Zygote:
    """A clean interpreter with torch imported that forks jailed children on request."""

    def __init__(self, python: str | None = None):
        _sweep_stale_dirs()
        self.jail_dir = tempfile.mkdtemp(prefix=f"autograder-jail-{os.getpid()}-")
        os.chmod(self.jail_dir, 0o755)
        self.scratch = tempfile.mkdtemp(prefix=f"autograder-scratch-{os.getpid()}-")
        os.chmod(self.scratch, 0o711)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
        self.proc = subprocess.Popen(
            [python or sys.executable, "-I", CHILD_PY, "--zygote", str(theirs.fileno()), *kit_roots()],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True,
            start_new_session=True)
        theirs.close()
        self.ctl = ours
        self.ctl.settimeout(120)
        try:
            hello = self.ctl.recv(1 << 16)
            if not hello:
                raise RuntimeError("the sandbox zygote failed to start (see stderr)")
            self.info = json.loads(hello)
        except BaseException:
            self.close()                          # no half-started zygote or scratch dir left behind
            raise
        self.ctl.settimeout(30)
        self._n = 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, limits: Limits) -> Child:
        ours, theirs = _wire().socketpair()
        self._n += 1
        cfg = dict(limits.child_config(), op="spawn", jail_dir=self.jail_dir,
                   scratch=os.path.join(self.scratch, f"c{self._n}"))
        try:
            socket.send_fds(self.ctl, [json.dumps(cfg).encode()], [theirs.fileno()])
            msg, fds, _, _ = socket.recv_fds(self.ctl, 1 << 16, 1)
        finally:
            theirs.close()
        if not msg or not fds:
            ours.close()
            raise RuntimeError("the sandbox zygote died")
        info = json.loads(msg)
        child = Child(info["pid"], fds[0], ours, scratch=cfg["scratch"])
        child.notes = {"pidns": info.get("pidns")}
        return child

    def close(self) -> None:
        try:
            self.ctl.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            remove_tree(self.scratch)
            try:
                os.rmdir(self.jail_dir)
            except OSError:
                pass


class SandboxUnavailable(RuntimeError):
    """The grader cannot run student code at all: its own failure, never a student's grade."""


class SandboxTooWeak(SandboxUnavailable):
    """Neither namespaces nor Landlock can confine a child's file system or network here, and
    weak sandboxes were not allowed (``Limits.allow_weak_sandbox``): refuse rather than degrade.

    ``missing``: the resources no layer confines; ``notes``: what the child reported (JSON-able).
    Crosses process boundaries intact (a pool worker, a Dask worker): ``__reduce__`` below.
    ``message(audience)`` is the whole refusal, with the fixes (``confinement.refusal_message``).
    """

    _NOTES = ("namespaces", "landlock_abi", "confined", "seccomp", "warning")

    def __init__(self, missing: Iterable[str], notes: dict | None = None):
        notes = notes if isinstance(notes, dict) else {}
        self.missing = [str(r) for r in missing]
        self.notes = {k: notes[k] for k in self._NOTES if k in notes}
        super().__init__(f"沙箱无法隔离 {', '.join(self.missing)} / the sandbox cannot confine "
                         f"{', '.join(self.missing)} here")

    def __reduce__(self):
        return (type(self), (self.missing, self.notes))

    def message(self, audience: str = "cli") -> str:
        """The refusal in words for ``audience`` (cli, self, nbgrader, gradescope)."""
        return confinement.refusal_message(self.missing, self.notes, audience)


class Deadline:
    """One notebook's wall-clock budget (``Limits.notebook_timeout``), shared by every child that
    runs its code -- the session's and the replay's -- so the replay cannot double it."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + max(float(seconds), 0.0)

    def left(self, cap: float = float("inf")) -> float:
        """Seconds left, at most ``cap`` (<= 0 once the budget is spent)."""
        return min(cap, self.at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.at


class Engine:
    """One worker's sandbox: a zygote (restarted if it dies) and per-notebook sessions.

    A zygote that dies is restarted; after ``MAX_FAILED_STARTS`` failures in a
    row (no child started in between) the engine raises ``SandboxUnavailable``
    and the run stops, rather than turning the grader's failure into zeros.
    """

    MAX_FAILED_STARTS = 3
    _warned: set[str] = set()          # warnings already printed by this process

    def __init__(self, limits: Limits | None = None, python: str | None = None, announce: bool = True):
        self.limits = limits or Limits()
        self.python = python
        self.zygote: Zygote | None = None
        self.failed_starts = 0
        self.warnings: set[str] = set()    # what this engine's children could not set up (see _warn)
        self.confinement: dict | None = None   # what confined the last child (confinement.summary), for run.json
        self.announce = announce       # print each warning once per process (off: the caller reports)

    def spawn(self) -> Child:
        last = None
        while self.failed_starts < self.MAX_FAILED_STARTS:
            try:
                if self.zygote is None or not self.zygote.alive():
                    if self.zygote is not None:
                        self.zygote.close()
                    self.zygote = None
                    self.zygote = Zygote(self.python)
                child = self.zygote.spawn(self.limits)
                notes = child.wait_ready(30.0)
            except (RuntimeError, OSError, ChildDied) as e:
                last = e
                self.failed_starts += 1
                if self.zygote is not None:
                    self.zygote.close()
                    self.zygote = None
                continue
            self.failed_starts = 0
            child.notes.update(notes)
            self.confinement = dict(confinement.summary(notes), allow_weak_sandbox=self.limits.allow_weak_sandbox)
            gaps = confinement.missing(notes)
            if gaps and not self.limits.allow_weak_sandbox:
                # Deterministic (the kernel and its settings, not this child): no restart, no grading.
                child.kill()
                raise SandboxTooWeak(gaps, notes)
            self._warn(notes)
            return child
        code = self.zygote.proc.returncode if self.zygote is not None else None
        raise SandboxUnavailable(
            f"无法运行学生代码：沙箱启动失败 {self.failed_starts} 次 / cannot run student code: the sandbox "
            f"failed to start {self.failed_starts} times in a row ({type(last).__name__}: {last}"
            f"{f', exit code {code}' if code is not None else ''})")

    def _warn(self, notes):
        msg = notes.get("warning")
        if not notes.get("dropped") and os.geteuid() == 0:
            msg = (msg + "; " if msg else "") + "could not drop root privileges"
        if not msg:
            return
        self.warnings.add(msg)
        if self.announce and msg not in Engine._warned:
            Engine._warned.add(msg)
            log.warning("sandbox: %s (limits and the protocol still apply)", msg)
            print(f"autograder: WARNING: sandbox {msg}", file=sys.stderr)

    def session(self, cells: list[tuple[str, str]], preamble: str = "",
                deadline: Deadline | None = None) -> "Session":
        """A notebook's session; ``deadline``: the notebook's budget when another child shares it."""
        return Session(self, cells, preamble, deadline)

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _names(value, limit=1000):
    """The op (or binding) names of a reply: at most `limit` strings that look like dotted names."""
    import re
    items = value[:limit] if isinstance(value, list) else []
    return frozenset(o for o in items if type(o) is str and re.fullmatch(r"[A-Za-z_][\w.:]{0,99}", o, re.A))


class Session:
    """One notebook in one child: preamble + answer cells, then calls by name.

    ``cells`` is a list of ``(label, code)``. A cell that hangs or kills the
    child is skipped when the child is restarted; a function that timed out is
    not called again (its later calls report a timeout at once).
    """

    MAX_DEATHS = 2

    def __init__(self, engine: Engine, cells: list[tuple[str, str]], preamble: str = "",
                 deadline: Deadline | None = None):
        self.engine, self.limits = engine, engine.limits
        self.cells = [("preamble", preamble)] + list(cells) if preamble else list(cells)
        # The notebook's budget: its own, or one shared with the notebook's other child (the replay).
        self.clock = deadline if deadline is not None else Deadline(self.limits.notebook_timeout)
        self.child: Child | None = None
        self.bad_cells: dict[int, str] = {}        # index -> reason
        self.cell_errors: dict[str, str] = {}      # label -> error text of the last run
        self.output: list[str] = []                # what the cells printed (capped)
        self.timed_out_fns: set[str] = set()
        self.deaths: dict[str, int] = {}
        self.starts = 0
        # What the child reported its answer cells patched (``review:patched_<what>``): during a
        # cell (counts for every function) or during a call of one function.
        self.patched_by_cells: set[str] = set()
        self.patched_by: dict[str, set[str]] = {}

    @property
    def deadline(self) -> float:
        """When the notebook's budget ends (time.monotonic)."""
        return self.clock.at

    def _left(self, cap):
        return self.clock.left(cap)

    def _start(self):
        """(Re)start the child and run the cells; a cell that hangs or crashes is skipped next time."""
        while True:
            if self.clock.passed() or self.starts > len(self.cells) + 3:
                raise ChildTimeout()
            self.starts += 1
            child = self.engine.spawn()
            self.cell_errors = {self.cells[i][0]: why for i, why in self.bad_cells.items()}
            failed = None
            for i, (label, code) in enumerate(self.cells):
                if i in self.bad_cells:
                    continue
                try:
                    reply, _ = child.request({"op": "exec", "code": code, "filename": f"<{label}>"},
                                             timeout=self._left(self.limits.call_timeout))
                except ChildTimeout:
                    failed = (i, "超时 / timed out")
                    break
                except ChildDied:
                    failed = (i, "进程退出 / the process exited")
                    break
                if not reply.get("ok"):
                    self.cell_errors[label] = str(reply.get("error"))[:500]
                self.patched_by_cells |= _names(reply.get("patched"), 20)
                if reply.get("out"):
                    self.output.append(str(reply["out"])[:self.limits.output_limit])
            if failed is None:
                self.child = child
                return
            i, why = failed
            self.bad_cells[i] = why
            self.cell_errors[self.cells[i][0]] = why

    def caller(self, name: str) -> Callable[..., CallResult]:
        """The `call(args, kwargs) -> CallResult` for student function `name`."""
        def call(args=(), kwargs=None):
            return self.call(name, args, kwargs or {})
        return call

    def call(self, name: str, args: Sequence, kwargs: dict) -> CallResult:
        protocol = _wire()
        if name in self.timed_out_fns or self.clock.passed():
            return CallResult(value=None, error="超时 / timed out", timed_out=True, ops=frozenset())
        if self.deaths.get(name, 0) >= self.MAX_DEATHS:
            return CallResult(value=None, error="进程退出 / the process exited", timed_out=False, ops=frozenset())
        try:
            if self.child is None or not self.child.alive:
                self._start()
            child = self.child
            assert child is not None                 # _start made one, or raised
            header, buffers = protocol.pack({"op": "call", "name": name}, args=tuple(args), kwargs=dict(kwargs))
            reply, rbuf = child.request(header, buffers, timeout=self._left(self.limits.call_timeout),
                                             max_reply=self.limits.max_reply)
        except ChildTimeout:
            self.timed_out_fns.add(name)
            self.child = None
            return CallResult(value=None, error="超时 / timed out", timed_out=True, ops=frozenset())
        except ChildDied:
            self.deaths[name] = self.deaths.get(name, 0) + 1
            self.child = None
            return CallResult(value=None, error="进程退出（如 exit、崩溃或超出内存） / the process exited "
                                        "(exit, crash or out of memory)", timed_out=False, ops=frozenset())
        # Everything in the reply is the student's: at most 1000 op names that look like
        # aten op names, an error that is a capped string; the feedback cuts what it shows.
        ops, x_ops = _names(reply.get("ops")), _names(reply.get("x_ops"))
        patched = _names(reply.get("patched"), 20)
        if patched:
            self.patched_by.setdefault(name, set()).update(patched)
        if not reply.get("ok"):
            error = reply.get("error")
            error = error[:500] if type(error) is str and error else "error"
            return CallResult(value=None, error=error, timed_out=False, ops=ops, x_ops=x_ops)
        try:
            value = protocol.decode(reply.get("value"), rbuf)
        except (protocol.ProtocolError, RecursionError, ValueError, MemoryError) as e:
            return CallResult(value=None, error=f"返回值无效 / invalid return value: {e}"[:300], timed_out=False, ops=ops, x_ops=x_ops)
        if isinstance(value, protocol.Unsupported):
            return CallResult(value=None, error=f"返回了不支持的类型 / returned an unsupported type: {value.typename}",
                      timed_out=False, ops=ops, x_ops=x_ops)
        return CallResult(value=value, error=None, timed_out=False, ops=ops, x_ops=x_ops)

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
