"""The untrusted side: a zygote that forks one jailed child per notebook.

Started as its own clean interpreter (``python -I child.py --zygote FD``) so
that no grader code, reference or hidden case is ever in its memory. It imports
only the standard library, torch, numpy, ``protocol.py`` and ``forbidden.py``
(both self-contained, loaded by path),
pins torch to one thread, and then forks a child for every notebook: fork costs
milliseconds where a fresh interpreter plus ``import torch`` costs seconds.

For each notebook the zygote forks a *keeper*, which unshares a PID namespace
and forks the child into it, then only waits. No process ever re-enters a PID
namespace it left (``setns`` back is refused inside a user namespace, which is
how a normal user runs), and the zygote's own namespace never changes.

Each child, before it runs any student code:

1. is PID 1 of its own PID namespace (made by its keeper), starts its own
   session, and dies with its keeper (PDEATHSIG), which dies with the zygote;
2. closes every inherited file descriptor except its socket;
3. unshares mount, network, IPC and UTS namespaces: the network namespace has
   only a downed loopback, so nothing can be reached;
4. builds a minimal root on a tmpfs -- read-only binds of /usr, /lib*, /bin,
   the Python prefix and site-packages, a few /etc files and /dev nodes, a
   small writable /tmp -- and pivots into it, detaching the host's tree: the
   course, the gradebook, other submissions and the grader are not there;
5. sets rlimits (address space, CPU, file size, open files, processes, core);
6. drops to an unprivileged uid/gid when root, with no_new_privs;
7. installs a seccomp filter: no new threads or processes (so a fork bomb or a
   second thread that hides forbidden calls is impossible, per child, whatever
   the uid), no ptrace, mount, unshare or setns.

Where the OS refuses a step, the child carries on with what it has and says
so in its ``ready`` message; the parent prints the warning. The limits and the
narrow protocol hold in every case.

Then it serves ``exec`` (run one code cell) and ``call`` (call a function by
name with decoded arguments, recording the aten ops it dispatches).
"""
import ctypes
import errno
import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_SET_DUMPABLE = 1, 38, 22, 4
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
CTL_FD = 3                     # where the child's socket lives after fd cleanup
LIFE_FD = 4                    # read end of a pipe whose writer is the keeper: EOF = keeper gone

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def _b(s):
    return None if s is None else os.fsencode(s)


def mount(src, target, fstype, flags, data=None):
    _check(_libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def unshare(flags):
    _check(_libc.unshare(flags), "unshare")


# ------------------------------------------------------------------ jail

def _statvfs_flags(path):
    """Mount flags we must keep when remounting a bind read-only (locked in user namespaces)."""
    f = os.statvfs(path).f_flag
    out = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if f & st:
            out |= ms
    return out


def _bind_ro(root, path):
    dst = root + path
    if os.path.isdir(path):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "a").close()
    mount(path, dst, None, MS_BIND | MS_REC)
    mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | _statvfs_flags(path))


def _python_paths():
    """What Python and torch need: the interpreter prefix and the import path."""
    paths = {os.path.realpath(sys.base_prefix)}
    for p in sys.path:
        # Never a course or kit checkout (e.g. an editable install that put the repo on sys.path).
        if p and os.path.isdir(p) and not os.path.isdir(os.path.join(p, "autograder")) \
                and not os.path.exists(os.path.join(p, "nbgrader_config.py")):
            paths.add(os.path.realpath(p))
    out = []
    for p in sorted(paths, key=len):          # parents first; skip what is already inside
        if p != "/" and not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


def build_root(root, tmp_size):
    """Make `root` (an empty directory) the child's whole file system and pivot into it."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)          # nothing leaks back to the host
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=755")
    system = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"]
    for p in system:
        if os.path.islink(p):
            os.symlink(os.readlink(p), root + p)
        elif os.path.isdir(p):
            _bind_ro(root, p)
    for p in _python_paths():
        if not any(p == s or p.startswith(s + "/") for s in system):
            _bind_ro(root, p)
    os.makedirs(root + "/etc", exist_ok=True)
    for f in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf"):
        if os.path.islink(f):
            os.symlink(os.readlink(f), root + f)          # e.g. localtime -> /usr/share/zoneinfo/...
        elif os.path.exists(f):
            _bind_ro(root, f)
    with open(root + "/etc/passwd", "w") as fh:
        fh.write("root:x:0:0::/:/bin/false\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n")
    with open(root + "/etc/group", "w") as fh:
        fh.write("root:x:0:\nnogroup:x:65534:\n")
    os.makedirs(root + "/dev", exist_ok=True)
    for d in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists("/dev/" + d):
            open(root + "/dev/" + d, "a").close()
            mount("/dev/" + d, root + "/dev/" + d, None, MS_BIND)
    os.symlink("/proc/self/fd", root + "/dev/fd")
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size},mode=1777")
    os.chdir(root)
    pivoted = False
    if SYS_PIVOT_ROOT is not None:
        # pivot_root(".", "."): the old root ends up stacked on "/", then detached.
        if _libc.syscall(SYS_PIVOT_ROOT, b".", b".") == 0:
            _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
            pivoted = True
    if not pivoted:
        os.chroot(".")                                    # host tree stays mounted but unreachable
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir("/tmp")
    return "pivot_root" if pivoted else "chroot"


def set_limits(cfg):
    lim = [
        (resource.RLIMIT_AS, cfg["memory"]),
        (resource.RLIMIT_CPU, cfg["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, cfg["file_size"]),
        (resource.RLIMIT_NOFILE, cfg["open_files"]),
        (resource.RLIMIT_NPROC, cfg["processes"]),
        (resource.RLIMIT_CORE, 0),
    ]
    for what, value in lim:
        try:
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(what)         # cannot raise: lower what we can
            v = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(what, (v, v))


def drop_privileges(cfg):
    if os.geteuid() != 0 or not cfg.get("drop_to"):
        return False
    uid, gid = cfg["drop_to"]
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    return True


def _die_with_keeper():
    """PDEATHSIG to the keeper, then make sure it was not already gone (the signal would be lost)."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    r, _, _ = select.select([LIFE_FD], [], [], 0)
    if r:                                                 # EOF: the keeper died before we armed it
        os._exit(0)


def enter_jail(sock, life, cfg, pidns):
    """Everything between fork and the first line of student code. Returns notes for the parent."""
    notes = {"pidns": pidns}
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
    try:
        if not cfg.get("namespaces", True):
            raise OSError(errno.EPERM, "disabled by the grader's limits")
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        notes["namespaces"] = True
    except OSError as e:
        notes["namespaces"] = False
        notes["warning"] = f"no namespaces ({e.strerror}): no network/file-system isolation"
    if notes["namespaces"]:
        try:
            notes["root"] = build_root(cfg["jail_dir"], cfg["tmp_size"])
        except OSError as e:
            notes["warning"] = f"could not build the minimal root ({e}): the file system is visible"
    if "root" not in notes:
        os.makedirs(cfg["scratch"], mode=0o700, exist_ok=True)
        if os.geteuid() == 0 and cfg.get("drop_to"):
            os.chown(cfg["scratch"], *cfg["drop_to"])
        os.chdir(cfg["scratch"])
    set_limits(cfg)
    notes["dropped"] = drop_privileges(cfg)
    _die_with_keeper()                                    # a uid change cleared PDEATHSIG: arm it again
    os.close(LIFE_FD)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)              # not ptrace-able by anything of the same uid
    try:
        install_seccomp()
        notes["seccomp"] = True
    except OSError as e:
        notes["seccomp"] = False
        notes["warning"] = (notes.get("warning", "") + "; " if notes.get("warning") else "") + \
            f"no seccomp ({e.strerror}): the child can start threads and processes"
    os.environ.clear()
    os.environ.update({"HOME": "/tmp", "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"})
    return sock, notes


# ------------------------------------------------------------------ seccomp

# Per architecture: the audit arch, and the syscalls a child may never make.
# clone3 answers ENOSYS so that libc falls back to clone, which answers EPERM.
_SECCOMP = {
    "x86_64": (0xC000003E, {"clone3": 435}, {
        "clone": 56, "fork": 57, "vfork": 58, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "unshare": 272, "setns": 308, "keyctl": 250, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "open_by_handle_at": 304}),
    "aarch64": (0xC00000B7, {"clone3": 435}, {
        "clone": 220, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97, "setns": 268,
        "keyctl": 219, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "open_by_handle_at": 265}),
}
_X32_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(machine, only=None):
    """The BPF program (list of (code, jt, jf, k)) for `machine`, or None where unknown.

    ``only``: deny just these syscall names (tests use it to make a machine that refuses namespaces).
    """
    if machine not in _SECCOMP:
        return None
    arch, enosys, eperm = _SECCOMP[machine]
    if only is not None:
        enosys, eperm = {}, {k: v for k, v in {**enosys, **eperm}.items() if k in only}
    LD, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06
    ALLOW, KILL = 0x7FFF0000, 0x80000000
    ERRNO = 0x00050000
    banned = [(nr, ERRNO | errno.ENOSYS) for nr in enosys.values()] + \
             [(nr, ERRNO | errno.EPERM) for nr in eperm.values()]
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, KILL), (LD, 0, 0, 0)]
    if machine == "x86_64":                      # the x32 ABI would bypass every number below
        prog.append((JGE, 0, 1, _X32_BIT))
        prog.append((RET, 0, 0, ERRNO | errno.EPERM))
    for nr, action in banned:
        prog.append((JEQ, 0, 1, nr))
        prog.append((RET, 0, 0, action))
    prog.append((RET, 0, 0, ALLOW))
    return prog


def install_seccomp(only=None):
    """No new threads or processes, no ptrace/mount/namespaces from here on. Needs no_new_privs."""
    prog = seccomp_program(os.uname().machine, only)
    if prog is None:
        raise OSError(errno.ENOSYS, f"no seccomp table for {os.uname().machine}")
    arr = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), arr)
    _check(_libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog), 0, 0), "seccomp")


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


def serve(sock, notes, protocol, OpRecorder, out_limit):
    import builtins
    ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: _NoIPython()}
    protocol.send_message(sock, dict(notes, op="ready", pid=os.getpid()))
    real_out, real_err = sys.stdout, sys.stderr
    while True:
        try:
            header, buffers = protocol.recv_message(sock)
        except (EOFError, OSError, protocol.ProtocolError):
            os._exit(0)
        op, seq = header.get("op"), header.get("seq")
        cap = _Capped(out_limit)
        sys.stdout = sys.stderr = cap
        reply, rbuf = {"seq": seq, "ok": True, "error": None}, []
        try:
            if op == "exec":
                code = compile(header["code"], header.get("filename", "<cell>"), "exec")
                exec(code, ns)
            elif op == "call":
                fn = ns.get(header["name"])
                if not callable(fn):
                    raise NameError(f"name '{header['name']}' is not defined")
                args = protocol.decode(header["args"], buffers)
                kwargs = protocol.decode(header["kwargs"], buffers)
                rec = OpRecorder()
                try:
                    with rec:
                        value = fn(*args, **kwargs)
                finally:
                    reply["ops"] = sorted(rec.ops)
                reply["value"] = protocol.encode(value, rbuf)
            elif op == "bye":
                os._exit(0)
        except BaseException as e:                        # SystemExit and KeyboardInterrupt too
            reply.update(ok=False, error=_describe(e), value=None)
            rbuf = []
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        reply["out"] = cap.text()
        try:
            protocol.send_message(sock, reply, rbuf)
        except (OSError, ValueError, protocol.ProtocolError) as e:
            protocol.send_message(sock, {"seq": seq, "ok": False, "value": None,
                                         "error": f"reply could not be sent: {_describe(e)}", "out": ""})


# ------------------------------------------------------------------ zygote

def _load_by_path(relpath, modname):
    """Load one self-contained module of the kit by file path: the child imports no package."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), relpath)
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _warm_up(torch, OpRecorder):
    """Load lazily-imported kernels and modules once, before any fork."""
    import torch.nn.functional as F
    import math, traceback, linecache, numbers, itertools, functools, collections  # noqa: F401
    import torch._tensor_str  # noqa: F401  (printing tensors)
    with OpRecorder():
        _warm_ops(torch, F)
    _warm_ops(torch, F)


def _warm_ops(torch, F):
    x = torch.randn(1, 2, 6, 6, requires_grad=True)
    y = F.max_pool2d(x, 2) + F.avg_pool2d(x, 2) + F.conv2d(x, torch.ones(2, 2, 2, 2), stride=2)
    y = y + F.unfold(x, 2, stride=2).sum() + x.unfold(2, 2, 2).amax() + torch.softmax(x, -1).sum()
    torch.autograd.grad(y.sum(), x)
    str(x), repr(torch.tensor([1, 2])), x.tolist()
    z = torch.zeros(3, 4, dtype=torch.float64).t()
    z.max(), z.argmax(), z.mean(), z.clone().contiguous(), torch.stack([z, z]), z.reshape(-1).view(2, 6)
    torch.nn.functional.pad(z[None], (1, 1)), z.new_full((2,), -float("inf")), (z == z).all(), torch.where(z > 0, z, z)


def _enter_user_namespace():
    """Not root: become root of a new user namespace so the child can still build its jail."""
    uid, gid = os.getuid(), os.getgid()
    try:
        unshare(CLONE_NEWUSER)
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
        return True
    except OSError:
        return False


def zygote_main(ctl_fd):
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[k] = "1"
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)    # die with the worker
    userns = _enter_user_namespace() if os.geteuid() != 0 else False
    import numpy  # noqa: F401
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    protocol = _load_by_path("protocol.py", "sandbox_protocol")
    # The same recorder the in-kernel grader uses (forbidden.py imports only torch).
    OpRecorder = _load_by_path(os.path.join(os.pardir, "forbidden.py"), "sandbox_forbidden").OpRecorder
    _warm_up(torch, OpRecorder)
    ctl = socket.socket(fileno=ctl_fd)

    def reap(*_):
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    ctl.sendall(json.dumps({"ready": True, "pid": os.getpid(), "userns": userns}).encode())
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 16, 1)
        except InterruptedError:
            continue
        if not msg:
            os._exit(0)
        cfg = json.loads(msg)
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


def keeper_main(ctl, child_fd, cfg, serve_child):
    """One child's keeper: owns its PID namespace, forks it, and waits. Never returns.

    SIGTERM (from the grader) kills the child and its process group, waits for
    it, and exits, so once the keeper is gone nothing of the child is left.
    The keeper dies with the zygote, and the child with the keeper.
    """
    code = 70
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        ctl.close()
        pidns = False
        if cfg.get("namespaces", True):
            try:
                unshare(CLONE_NEWPID)                     # for our children only: we stay where we are
                pidns = True
            except OSError:
                pass
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
        code = os.waitstatus_to_exitcode(status) & 0xFF
    finally:
        os._exit(code)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote_main(int(sys.argv[2]))
    else:
        sys.exit("usage: child.py --zygote FD   (started by autograder.sandbox.runner)")
