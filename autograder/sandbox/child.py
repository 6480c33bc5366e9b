"""The untrusted side: a zygote that forks one jailed child per notebook.

Started as its own clean interpreter (``python -I child.py --zygote FD ROOT...``) so
that no grader code, reference or hidden case is ever in its memory. It imports
only the standard library, torch, numpy and a few self-contained modules of the
kit, by module name: ``autograder.sandbox.isolation``, ``.seccomp`` and ``.landlock`` (the
jail's layers), ``.protocol`` with ``course.values`` (the wire), and the op recorder
``course.forbidden`` (the student package's: the same recorder ``course.check()`` runs). They
come from the ``ROOT`` folders the runner names (where the grader's own ``autograder`` and
``course`` packages are), put first on ``sys.path`` for these imports only and taken off before
any student code runs: never from a folder a student can write (``-I``: no script folder, no
``PYTHONPATH``, no user site), never from another checkout's editable install. It pins torch to one thread, then forks
a child for every notebook: fork costs milliseconds where a fresh interpreter
plus ``import torch`` costs seconds.

For each notebook the zygote forks a *keeper*, which unshares a PID namespace
and forks the child into it, then only waits. No process ever re-enters a PID
namespace it left (``setns`` back is refused inside a user namespace, which is
how a normal user runs), and the zygote's own namespace never changes.

Each child, before it runs any student code:

1. is PID 1 of its own PID namespace (made by its keeper, where the OS allows
   it), starts its own session, and dies with its keeper (PDEATHSIG), which
   dies with the zygote;
2. closes every inherited file descriptor except its socket;
3. unshares the network, IPC, UTS and mount namespaces, each on its own (a
   machine may give some and refuse others); the network namespace has only a
   downed loopback;
4. where mounts work, builds a minimal root on a tmpfs -- read-only binds of
   /usr, /lib*, /bin, the Python prefix and site-packages, a few /etc files
   and /dev nodes, a small writable /tmp -- and pivots into it, detaching the
   host's tree; where they are refused (Ubuntu >= 23.10 in a user namespace, a
   container) it stays in the host's tree, in a private scratch directory
   that its keeper removes when it ends;
5. sets rlimits (address space, CPU, file size, open files, processes, core)
   and no_new_privs;
6. applies Landlock (``landlock.py``, every child, with or without
   namespaces): read-only beneath exactly the paths of step 4, read-write
   beneath its /tmp or scratch only, so the course, the submissions, the
   output, HOME and /proc are out of reach even in the host's tree; no TCP
   bind or connect (ABI >= 4); no signal out of its domain and no abstract
   unix socket (ABI >= 6);
7. drops to an unprivileged uid/gid when root (Landlock stays), and empties
   its capability sets (as a normal user it is root of its user namespace);
8. installs the seccomp allowlist (``seccomp.py``): no new threads or
   processes (so a fork bomb or a second thread that hides forbidden calls is
   impossible, per child, whatever the uid), no new socket of any kind, no
   keyring, no ptrace, mount, unshare or setns, and signals only to itself.

Which layers hold, per configuration (``notes["confined"]``, judged by
``confinement.py``; the engine refuses a child that has no layer for its file
system or its network unless weak sandboxes were allowed):

======================================  ===================  ===========================
configuration                           file system          network
======================================  ===================  ===========================
root, or a user with user namespaces    mount_ns + landlock  netns + landlock + seccomp
user namespaces, mounts refused         landlock             netns + landlock + seccomp
namespaces refused (Docker, k8s)        landlock             landlock + seccomp
no Landlock (kernel < 5.13) and no ns   (nothing: refused)   seccomp
======================================  ===================  ===========================

Where the OS refuses a step, the child carries on with what it has and says
what it lacks, and what confines it anyway, in its ``ready`` message; the
parent prints the warning. The limits and the narrow protocol hold in every case.

Then it serves ``exec`` (run one code cell) and ``call`` (call a function by
name with decoded arguments, recording the aten ops it dispatches).
"""
import fcntl
import json
import os
import select
import signal
import socket
import sys
import types
from typing import Any, Callable, NoReturn


class _TrustedPath:
    """``with _TrustedPath(roots):`` imports find the kit's packages in ``roots`` first (the runner's
    own ``autograder`` and ``course`` folders, from the command line), and only while it lasts.

    On the way out the kit's modules leave ``sys.modules`` (the child holds the ones it uses):
    ``import autograder`` or ``import course`` in student code finds nothing loaded, as when the
    child had loaded these files by path. ``course.values`` stays, under the name the wire's
    decoding looks up."""

    KEEP = ("course.values",)

    def __init__(self, roots):
        self.roots = [os.path.abspath(r) for r in roots]

    def __enter__(self):
        sys.path[:0] = self.roots

    def __exit__(self, *exc):
        if not self.roots:                 # imported as a module (a test, a type checker): nothing to hide
            return
        del sys.path[:len(self.roots)]
        for name in [m for m in sys.modules if m.split(".")[0] in ("autograder", "course")]:
            if name not in self.KEEP:
                del sys.modules[name]


# The kit's folders: the arguments after ``--zygote FD`` (none when imported, e.g. by a test).
KIT_ROOTS = sys.argv[3:] if __name__ == "__main__" and sys.argv[1:2] == ["--zygote"] else []

with _TrustedPath(KIT_ROOTS):
    from autograder.sandbox import isolation as jail      # namespaces, root, rlimits, uid
    from autograder.sandbox import landlock               # file system, TCP, signals
    from autograder.sandbox import seccomp                # the syscall filter

_PIDNS_ERROR = None             # why the keeper could not make the child's PID namespace (set in the keeper)
CTL_FD = 3                     # where the child's socket lives after fd cleanup
LIFE_FD = 4                    # read end of a pipe whose writer is the keeper: EOF = keeper gone


# ------------------------------------------------------------------ jail

def _die_with_keeper():
    """PDEATHSIG to the keeper, then make sure it was not already gone (the signal would be lost)."""
    jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)
    r, _, _ = select.select([LIFE_FD], [], [], 0)
    if r:                                                 # EOF: the keeper died before we armed it
        os._exit(0)


def _unshare_each(cfg, pidns):
    """Unshare the net, IPC, UTS and mount namespaces one by one -> (made, what was refused).

    One by one because a machine may give some and refuse others (a user namespace
    under Ubuntu's AppArmor policy, a container's seccomp profile). The PID
    namespace was made (or not) by the keeper.
    """
    if not cfg.get("namespaces", True):
        return [], ["no namespaces (disabled by the grader's limits)"]
    made: list[str] = []
    errors: dict[str, list[str]] = {}
    for name, flag in (("net", jail.CLONE_NEWNET), ("ipc", jail.CLONE_NEWIPC), ("uts", jail.CLONE_NEWUTS),
                       ("mount", jail.CLONE_NEWNS)):
        try:
            jail.unshare(flag)
            made.append(name)
        except OSError as e:
            errors.setdefault(os.strerror(e.errno) if e.errno is not None else str(e), []).append(name)
    if not pidns:
        errors.setdefault(_PIDNS_ERROR or "refused", []).insert(0, "pid")
    return made, [f"no {', '.join(names)} namespaces ({why})" for why, names in errors.items()]


def _warning(refused, confined):
    """One line for the instructor: what the OS refused, and what confines the child anyway."""
    def layers(r):
        return "+".join(confined[r]) or "NOTHING"
    return f"{'; '.join(refused)}; file system confined by: {layers('fs')}, network by: {layers('net')}"


def enter_jail(sock: socket.socket, life: int, cfg: dict, pidns: bool) -> tuple[socket.socket, dict]:
    """Everything between fork and the first line of student code. Returns notes for the parent."""
    notes: dict = {"pidns": pidns}
    os.setsid()
    for s in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(s, signal.SIG_IGN if s in (signal.SIGPIPE, signal.SIGXFSZ) else signal.SIG_DFL)
    # Only the socket (fd 3) and the keeper's life pipe (fd 4) survive; 0/1/2 go to /dev/null
    # (output is captured in Python).
    # Through high numbers first, so that neither lands on the other's target.
    hi_sock, hi_life = (fcntl.fcntl(f, fcntl.F_DUPFD, 100) for f in (sock.detach(), life))
    os.dup2(hi_sock, CTL_FD)
    os.dup2(hi_life, LIFE_FD)
    null = os.open("/dev/null", os.O_RDWR)
    for i in (0, 1, 2):
        if i != null:
            os.dup2(null, i)
    os.closerange(LIFE_FD + 1, 1 << 16)                   # also `fd`, `life` and `null` when above
    _die_with_keeper()
    sock = socket.socket(fileno=CTL_FD)
    made, refused = _unshare_each(cfg, pidns)
    notes["namespaces"] = (["pid"] if pidns else []) + made
    if "mount" in made:
        try:
            notes["root"] = jail.build_root(cfg["jail_dir"], cfg["tmp_size"])
        except OSError as e:
            if jail.ENTERED_ROOT:
                raise                                     # half inside the new root: no fallback
            refused.append(f"no minimal root (mounts refused: {os.strerror(e.errno) if e.errno else e})")
    if "root" in notes:
        writable = "/tmp"
    else:
        writable = cfg["scratch"]
        os.makedirs(writable, mode=0o700, exist_ok=True)
        if os.geteuid() == 0 and cfg.get("drop_to"):
            os.chown(writable, *cfg["drop_to"])
        os.chdir(writable)
    jail.set_limits(cfg)
    jail.prctl(jail.PR_SET_NO_NEW_PRIVS, 1)               # before Landlock and seccomp (and for good)
    # Landlock before the uid drop: root can open every path it allows, whatever their modes.
    notes["landlock_abi"] = None
    if cfg.get("landlock", True) is not False:
        try:
            applied = landlock.restrict(jail.readable_paths(), [writable] + jail.DEVICES)
            notes["landlock_abi"] = applied["abi"]
            notes["landlock"] = {k: v for k, v in applied.items() if k != "abi"}
            if applied["skipped"]:                        # (no access there: honest code may miss it)
                refused.append(f"Landlock could not allow {', '.join(applied['skipped'])}")
        except OSError as e:
            refused.append(f"no Landlock ({e.strerror or e})")
    else:
        refused.append("no Landlock (disabled by the grader's limits)")
    notes["dropped"] = jail.drop_privileges(cfg)
    notes["capabilities"] = "dropped" if jail.drop_capabilities() else "kept"
    _die_with_keeper()                                    # a uid change cleared PDEATHSIG: arm it again
    os.close(LIFE_FD)
    jail.prctl(jail.PR_SET_DUMPABLE, 0)                   # not ptrace-able by anything of the same uid
    try:
        seccomp.install_seccomp(own_pid=os.getpid())
        notes["seccomp"] = True
    except OSError as e:
        notes["seccomp"] = False
        refused.append(f"no seccomp ({e.strerror}): the child can start threads and processes")
    # What confines the child's file system and network, layer by layer ("confinement.py" judges it).
    abi = notes["landlock_abi"] or 0
    notes["confined"] = {
        "fs": (["mount_ns"] if "root" in notes else []) + (["landlock"] if abi >= 1 else []),
        "net": (["netns"] if "net" in made else []) + (["landlock"] if abi >= 4 else []) +
               (["seccomp"] if notes["seccomp"] else [])}
    if refused:
        notes["warning"] = _warning(refused, notes["confined"])
    if "tempfile" in sys.modules:                         # the zygote's cached choice is not ours
        setattr(sys.modules["tempfile"], "tempdir", writable)
    os.environ.clear()
    os.environ.update({"HOME": writable, "TMPDIR": writable, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
                       "LANG": "C.UTF-8"})
    return sock, notes


# ------------------------------------------------------------------ serving

class _Capped:
    """A write-only text stream that keeps the first `limit` characters and drops the rest."""

    def __init__(self, limit):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def write(self, s):
        s = str(s)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def text(self):
        t = "".join(self.parts)
        return t + (f"\n... ({self.dropped} characters dropped)" if self.dropped else "")


class _NoIPython:
    """Stands in for get_ipython(): magics and shell escapes do nothing here."""

    def __getattr__(self, name):
        return lambda *a, **k: None


def _describe(e):
    try:
        msg = str(e)
    except BaseException:
        msg = "?"
    name = getattr(type(e), "__name__", "Exception")
    return f"{name}: {msg}"[:500] if msg else str(name)[:100]


# What the serve loop relies on, watched across student code. The loop binds every one of
# these before the first cell runs (locals, default arguments, bound methods), so a patch
# cannot change what it sends; after each exec or call it compares them with the owners'
# current attributes, puts back any that changed and reports the change
# (``patched`` in the reply: the parent raises ``review:patched_<what>``).
_ABSENT = object()            # an attribute the owner did not define itself (inherited)
_WATCHED_BUILTINS = ("sorted", "len", "dict", "list", "set", "str", "isinstance", "callable", "type", "compile",
                     "exec", "getattr", "setattr", "iter", "next", "any", "min", "sum", "memoryview", "bytes",
                     "bytearray", "print", "repr", "BaseException", "Exception")


def _watch(protocol, recorder_module):
    """[(label, owner, name, original)] and [(label, function, (code, defaults, kwdefaults))]."""
    import builtins
    import torch
    import torch.utils._python_dispatch as pyd
    values = sys.modules.get("course.values")
    owners = [("json", json, ("dumps", "loads")),
              ("socket.socket", socket.socket, ("sendall", "recv_into", "send", "recv")),
              ("protocol", protocol, ("send_message", "recv_message", "_recv_exact", "_parse_json", "encode",
                                      "decode", "pack")),
              ("builtins", builtins, _WATCHED_BUILTINS),
              ("torch._C", torch._C, ("_push_on_torch_dispatch_stack", "_pop_torch_dispatch_stack",
                                      "_len_torch_dispatch_stack", "_get_dispatch_stack_at")),
              ("_python_dispatch", pyd, ("_push_mode", "_pop_mode", "TorchDispatchMode")),
              ("sys", sys, ("modules", "_getframe"))]
    if values is not None:
        owners.append(("course.values", values, ("encode", "decode")))
    owners.append(("_Capped", _Capped, ("__init__", "write", "flush", "isatty", "text")))
    attrs = [(f"{label}.{n}", owner, n, owner.__dict__.get(n, _ABSENT)) for label, owner, names in owners
             for n in names]
    owners_of = recorder_module.binding_owners()
    for label, original in recorder_module.bindings().items():
        owner_name, n = label.rsplit(".", 1)
        attrs.append((label, owners_of[owner_name], n, original))
    funcs = [f for _l, _o, _n, f in attrs if type(f).__name__ == "function"]
    snaps = [(getattr(f, "__qualname__", "?"), f, (f.__code__, f.__defaults__, dict(f.__kwdefaults__ or {})))
             for f in funcs]
    return attrs, snaps


def _patched(attrs, snaps, _setattr=setattr, _delattr=delattr, _type=type, _dict=dict, _len=len):
    """Labels of the watched bindings that changed since ``_watch``; each is put back (an
    attribute that an owner inherited, e.g. ``socket.socket.sendall``, is deleted again)."""
    changed = []
    for label, owner, name, original in attrs:
        try:
            now = _type(owner).__getattribute__(owner, "__dict__").get(name, _ABSENT)
        except BaseException:
            now = None
        if now is not original:
            changed.append(label)
            try:
                if original is _ABSENT:
                    _delattr(owner, name)
                else:
                    _setattr(owner, name, original)
            except BaseException:
                pass
    for label, f, (code, defaults, kwdefaults) in snaps:
        kw = f.__kwdefaults__ or {}
        if f.__code__ is not code or f.__defaults__ is not defaults or _len(kw) != _len(kwdefaults) or \
                any(kw.get(k) is not v for k, v in kwdefaults.items()):
            changed.append(f"{label}.__code__")
            f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, _dict(kwdefaults)
    return changed


def serve(sock: socket.socket, notes: dict, protocol: types.ModuleType, OpRecorder: Any, out_limit: int) -> None:
    import builtins
    import types
    # The recorder's module (course/forbidden.py), as its functions see it: their globals.
    recorder_module = types.SimpleNamespace(**OpRecorder.__dict__["taint"].__globals__)
    recorder_module.install_value_hooks()
    # Everything the loop uses, bound now, before the first cell: student code may patch the
    # modules, classes and builtins these came from; the loop never looks them up again.
    send, recv = protocol.send_message, protocol.recv_message
    encode, decode, ProtocolError = protocol.encode, protocol.decode, protocol.ProtocolError
    sendall, recv_into = sock.sendall, sock.recv_into
    rec_enter, rec_exit = OpRecorder.__enter__, OpRecorder.__exit__
    sys_dict = sys.__dict__
    _sorted, _compile, _exec, _callable, _dict, _set = sorted, compile, exec, callable, dict, set
    max_message = protocol.MAX_MESSAGE
    _exit, _getpid, _describe_, patched, Capped = os._exit, os.getpid, _describe, _patched, _Capped
    rec_taint = OpRecorder.taint
    attrs, snaps = _watch(protocol, recorder_module)
    ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: _NoIPython()}
    send(sock, _dict(notes, op="ready", pid=_getpid()), (), sendall)
    real_out, real_err = sys_dict["stdout"], sys_dict["stderr"]
    while True:
        try:
            header, buffers = recv(sock, max_message, recv_into)
        except (EOFError, OSError, ProtocolError):
            _exit(0)
        op, seq = header.get("op"), header.get("seq")
        changed = []
        cap = Capped(out_limit)
        sys_dict["stdout"] = sys_dict["stderr"] = cap
        reply: dict = {"seq": seq, "ok": True, "error": None}
        rbuf: list = []
        try:
            if op == "exec":
                code = _compile(header["code"], header.get("filename", "<cell>"), "exec")
                _exec(code, ns)
            elif op == "call":
                fn = ns.get(header["name"])
                if not _callable(fn):
                    raise NameError(f"name '{header['name']}' is not defined")
                args = decode(header["args"], buffers)
                kwargs = decode(header["kwargs"], buffers)
                rec = OpRecorder()
                ops, x_ops = rec.ops, rec.x_ops           # the recorder's own sets, held here
                rec_taint(rec, (args, kwargs))
                rec_enter(rec)
                try:
                    value = fn(*args, **kwargs)
                finally:
                    try:
                        rec_exit(rec, None, None, None)
                    finally:
                        reply["ops"] = _sorted(ops)
                        reply["x_ops"] = _sorted(x_ops)
                        # before encoding: what the call patched is put back (and reported)
                        changed += patched(attrs, snaps)
                reply["value"] = encode(value, rbuf)
            elif op == "bye":
                _exit(0)
        except BaseException as e:                        # SystemExit and KeyboardInterrupt too
            reply.update(ok=False, error=_describe_(e), value=None)
            rbuf = []
        finally:
            sys_dict["stdout"], sys_dict["stderr"] = real_out, real_err
        try:
            changed += patched(attrs, snaps)
        except BaseException as e:                        # the check itself was broken into
            changed.append(f"check:{_describe_(e)[:40]}")
        if changed:
            reply["patched"] = _sorted(_set(changed))[:20]
        reply["out"] = cap.text()
        try:
            send(sock, reply, rbuf, sendall)
        except (OSError, ValueError, ProtocolError) as e:
            send(sock, {"seq": seq, "ok": False, "value": None, "patched": reply.get("patched", []),
                        "error": f"reply could not be sent: {_describe_(e)}", "out": ""}, (), sendall)


# ------------------------------------------------------------------ zygote

def _warm_up(torch, OpRecorder):
    """Load lazily-imported kernels and modules once, before any fork."""
    import torch.nn.functional as F
    import math, traceback, linecache, numbers, itertools, functools, collections  # noqa: F401
    from torch import _tensor_str  # noqa: F401  (printing tensors)
    with OpRecorder():
        _warm_ops(torch, F)
    _warm_ops(torch, F)


def _warm_ops(torch, F):
    x = torch.randn(1, 2, 6, 6, requires_grad=True)
    y = F.max_pool2d(x, 2) + F.avg_pool2d(x, 2) + F.conv2d(x, torch.ones(2, 2, 2, 2), stride=2)
    y = y + F.unfold(x, 2, stride=2).sum() + x.unfold(2, 2, 2).amax() + torch.softmax(x, -1).sum()
    torch.autograd.grad(y, x, torch.ones_like(y))      # a given gradient: what backward(G) imports (symbolic_shapes)
    str(x), repr(torch.tensor([1, 2])), x.tolist()
    z = torch.zeros(3, 4, dtype=torch.float64).t()
    z.max(), z.argmax(), z.mean(), z.clone().contiguous(), torch.stack([z, z]), z.reshape(-1).view(2, 6)
    torch.nn.functional.pad(z[None], (1, 1)), z.new_full((2,), -float("inf")), (z == z).all(), torch.where(z > 0, z, z)


def zygote_main(ctl_fd: int) -> None:
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[k] = "1"
    jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)     # die with the worker
    userns = jail.enter_user_namespace() if os.geteuid() != 0 else False
    import numpy  # noqa: F401
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    # The wire (protocol.py and course/values.py) and the same recorder the in-kernel grader and
    # course.check() use (it imports only torch), from the runner's own checkout: the child encodes
    # with the same code as the parent decodes with.
    with _TrustedPath(KIT_ROOTS):
        from autograder.sandbox import protocol
        from course.forbidden import OpRecorder
    _warm_up(torch, OpRecorder)
    memory_base = jail.address_space()                    # the children's memory limit counts from here
    jail.readable_paths()                                 # once, here: every child inherits the list ...
    seccomp._packed_allowlist(os.uname().machine, 1)      # ... and the packed seccomp program
    ctl = socket.socket(fileno=ctl_fd)

    def reap(*_):
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    jail.prctl(jail.PR_SET_DUMPABLE, 0)
    ctl.sendall(json.dumps({"ready": True, "pid": os.getpid(), "userns": userns}).encode())
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 16, 1)
        except InterruptedError:
            continue
        if not msg:
            os._exit(0)
        cfg = json.loads(msg)
        cfg["memory_base"] = memory_base
        if userns:
            cfg["drop_to"] = None                         # only our own uid is mapped
        if cfg.get("op") == "quit" or not fds:
            os._exit(0)
        child_fd = fds[0]
        # No reaping between fork and pidfd_open: the keeper's pid must still be the keeper's.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = os.fork()
            if pid == 0:
                keeper_main(ctl, child_fd, cfg, lambda sock, notes: serve(
                    sock, notes, protocol, OpRecorder, cfg["output_limit"]))
            os.close(child_fd)
            pidfd = os.pidfd_open(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        try:
            socket.send_fds(ctl, [json.dumps({"pid": pid}).encode()], [pidfd])
        finally:
            os.close(pidfd)
        reap()


def keeper_main(ctl: socket.socket, child_fd: int, cfg: dict,
                serve_child: Callable[[socket.socket, dict], None]) -> NoReturn:
    """One child's keeper: owns its PID namespace, forks it, and waits. Never returns.

    SIGTERM (from the grader) kills the child and its process group, waits for
    it, and exits, so once the keeper is gone nothing of the child is left.
    The keeper dies with the zygote, and the child with the keeper.
    """
    code = 70
    try:
        jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        ctl.close()
        pidns = False
        if cfg.get("namespaces", True):
            try:
                jail.unshare(jail.CLONE_NEWPID)          # for our children only: we stay where we are
                pidns = True
            except OSError as e:
                global _PIDNS_ERROR
                _PIDNS_ERROR = os.strerror(e.errno) if e.errno is not None else str(e)
        life_r, life_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 71
            try:
                os.close(life_w)
                sock, notes = enter_jail(socket.socket(fileno=child_fd), life_r, cfg, pidns)
                serve_child(sock, notes)
            finally:
                os._exit(code)
        os.close(child_fd)
        os.close(life_r)

        def stop(*_):
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass

        signal.signal(signal.SIGTERM, stop)
        _, status = os.waitpid(pid, 0)
        if not pidns:                                     # what the child's group left behind
            stop()
        import shutil
        shutil.rmtree(cfg["scratch"], ignore_errors=True)  # its scratch (without a minimal root) goes with it
        code = os.waitstatus_to_exitcode(status) & 0xFF
    finally:
        os._exit(code)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--zygote":
        zygote_main(int(sys.argv[2]))
    else:
        sys.exit("usage: child.py --zygote FD ROOT...   (started by autograder.sandbox.runner)")
