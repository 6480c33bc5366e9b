"""The jail's two kernel layers on their own: the seccomp allowlist and Landlock.

Each is applied to a throwaway process (a subprocess, or a fork) that then tries
what the layer must refuse and what it must allow; the effects are checked from
outside where there is one (a listener that counts connections, a file that
must not appear). The configurations that combine them with namespaces are
``test_jail_configs.py``.
"""
import errno
import json
import os
import pathlib
import socket
import subprocess
import sys

import pytest

from autograder.sandbox import landlock, seccomp
from autograder.sandbox.seccomp import REFUSED, SELF_ONLY, allowed_names, seccomp_program

SANDBOX = pathlib.Path(seccomp.__file__).resolve().parent
MACHINE = os.uname().machine
pytestmark = pytest.mark.skipif(MACHINE not in ("x86_64", "aarch64"), reason="seccomp tables for x86_64/aarch64")

# Calls every refused syscall with all six arguments -1 (a bad fd, pointer, pid or flag: the kernel
# fails them before any effect), except those that take no argument and would act (fork, vfork) or
# create a host-wide object with flags -1 (System V IPC): those are tried only under the filter.
ATTEMPT = r'''
import ctypes, errno, importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("sc", sys.argv[1] + "/seccomp.py")
sc = importlib.util.module_from_spec(spec); spec.loader.exec_module(sc)
libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
filtered = sys.argv[2] == "filtered"
UNSAFE = {"fork", "vfork", "msgget", "semget", "shmget", "shmat", "mq_open"}
def call(nr, *args):
    args = list(args) + [-1] * (6 - len(args))
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return 0 if r >= 0 else ctypes.get_errno()
if filtered:
    libc.prctl(38, 1, 0, 0, 0)
    sc.install_seccomp()
out = {}
m = os.uname().machine
for name in sc.REFUSED:
    nr = sc._nr(m, name)
    if nr is not None and (filtered or name not in UNSAFE):
        out[name] = call(nr)
me, parent = os.getpid(), os.getppid()
kill, tgkill, prlimit = (sc._nr(m, n) for n in ("kill", "tgkill", "prlimit64"))
old = ctypes.create_string_buffer(16)
out["kill_self"] = call(kill, me, 0)
out["kill_group_0"] = call(kill, 0, 0)
out["kill_parent"] = call(kill, parent, 0)
out["kill_all"] = call(kill, -1, 0)
out["kill_self_high_bits"] = call(kill, me | (1 << 32), 0)
out["tgkill_self"] = call(tgkill, me, me, 0)
out["tgkill_parent"] = call(tgkill, parent, parent, 0)
out["prlimit_self"] = call(prlimit, 0, 9, 0, ctypes.addressof(old))
out["prlimit_parent"] = call(prlimit, parent, 9, 0, ctypes.addressof(old))
setprio = sc._nr(m, "setpriority")
# (each sets the nice value the target already has: harmless even where the call goes through)
out["nice_self"] = call(setprio, 0, 0, os.getpriority(os.PRIO_PROCESS, 0))           # PRIO_PROCESS, self
out["nice_parent"] = call(setprio, 0, parent, os.getpriority(os.PRIO_PROCESS, parent))
out["nice_a_user"] = call(setprio, 2, 54329, 0)     # PRIO_USER (of a uid with no process): refused as such
rfd, wfd = os.pipe()
fcntl_nr, ioctl_nr = sc._nr(m, "fcntl"), sc._nr(m, "ioctl")
out["setown_parent"] = call(fcntl_nr, rfd, 8, parent)      # F_SETOWN on a pipe (no O_ASYNC: harmless)
out["getfl"] = call(fcntl_nr, rfd, 3, 0)                    # F_GETFL
out["ioctl_fionread"] = call(ioctl_nr, rfd, 0x541B, ctypes.addressof(old))
out["ioctl_fiosetown"] = call(ioctl_nr, rfd, 0x8901, ctypes.addressof(ctypes.c_int(parent)))
out["newer_than_table"] = call(462)
if m == "x86_64":
    out["x32_getpid"] = call(0x40000000 | 39)
out["python_still_works"] = sum(json.loads("[1, 2, 3]"))
print(json.dumps(out))
'''


def _attempt(filtered):
    r = subprocess.run([sys.executable, "-I", "-c", ATTEMPT, str(SANDBOX), "filtered" if filtered else "plain"],
                       capture_output=True, text=True, timeout=60, start_new_session=True)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def attempts():
    return _attempt(False), _attempt(True)


def test_every_refused_syscall_is_refused(attempts):
    """Each syscall of REFUSED answers EPERM under the filter (clone3: ENOSYS, so libc falls back)."""
    _, filtered = attempts
    for name in REFUSED:
        if seccomp._nr(MACHINE, name) is not None:
            assert filtered[name] == (errno.ENOSYS if name == "clone3" else errno.EPERM), name


def test_the_filter_is_what_refuses(attempts):
    """Without the filter the same calls fail otherwise (bad arguments) or succeed: the EPERM is the filter's."""
    plain, filtered = attempts
    decisive = [n for n in plain if n in REFUSED and plain[n] != errno.EPERM]
    for name in ("add_key", "request_key", "keyctl", "io_uring_setup", "bpf", "socket", "connect", "unshare",
                 "setns", "execve", "pidfd_open"):
        assert name in decisive, (name, plain[name])
    assert len(decisive) > len(REFUSED) // 2


def test_signals_and_limits_only_for_oneself(attempts):
    plain, filtered = attempts
    assert plain["kill_parent"] == plain["prlimit_parent"] == 0          # allowed without the filter
    assert filtered["kill_self"] == filtered["kill_group_0"] == filtered["tgkill_self"] == 0
    assert filtered["prlimit_self"] == filtered["nice_self"] == filtered["getfl"] == filtered["ioctl_fionread"] == 0
    assert plain["setown_parent"] == 0 and filtered["setown_parent"] == errno.EPERM
    assert filtered["ioctl_fiosetown"] == errno.EPERM
    for what in ("kill_parent", "kill_all", "kill_self_high_bits", "tgkill_parent", "prlimit_parent", "nice_parent",
                 "nice_a_user"):
        assert filtered[what] == errno.EPERM, what


def test_newer_syscalls_look_absent_and_x32_is_refused(attempts):
    _, filtered = attempts
    assert filtered["newer_than_table"] == errno.ENOSYS
    if MACHINE == "x86_64":
        assert filtered["x32_getpid"] == errno.EPERM
    assert filtered["python_still_works"] == 6


def test_allowlist_and_refused_never_meet():
    for machine in ("x86_64", "aarch64"):
        assert not allowed_names(machine) & set(REFUSED)
        assert {"socket", "connect", "add_key", "keyctl", "ptrace", "clone"} & allowed_names(machine) == set()
        assert {"read", "write", "mmap", "openat", "recvfrom", "sendto", "futex"} <= allowed_names(machine)
    assert {n for n, _ in SELF_ONLY} >= {"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"}


def _run_bpf(prog, arch, nr, args=(0,) * 6):
    """Interpret the program (the few instructions seccomp.py emits) -> (return value, index of the RET)."""
    data = [nr, arch, 0, 0] + [w for a in args for w in (a & 0xFFFFFFFF, a >> 32)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        if code == seccomp.LD:
            acc = data[k // 4]
        elif code == seccomp.RET:
            return k, pc
        else:
            taken = {seccomp.JEQ: acc == k, seccomp.JGE: acc >= k, seccomp.JGT: acc > k,
                     seccomp.JSET: bool(acc & k)}[code]
            pc += jt if taken else jf
        pc += 1


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_program_semantics_on_both_architectures(machine):
    """The program, interpreted: aarch64 too, which this machine cannot run."""
    pid, arch = 4242, seccomp._ARCH[machine]
    prog = seccomp_program(machine, own_pid=pid)
    allow, eperm, enosys = seccomp.RET_ALLOW, seccomp.EPERM, seccomp.ENOSYS
    nr = lambda name: seccomp._nr(machine, name)                           # noqa: E731
    final = len(prog) - 1
    assert _run_bpf(prog, arch ^ 1, nr("read"))[0] == seccomp.RET_KILL      # another architecture: killed
    for name in allowed_names(machine) - {n for n, _ in SELF_ONLY} - {"ioctl"}:
        assert _run_bpf(prog, arch, nr(name))[0] == allow, name
    for request in seccomp.IOCTL_REQUESTS.values():
        assert _run_bpf(prog, arch, nr("ioctl"), [3, request, 0, 0, 0, 0])[0] == allow
    for request in (0x8901, 0x40086602, 0x5412):           # FIOSETOWN, FS_IOC_SETFLAGS, TIOCSTI
        assert _run_bpf(prog, arch, nr("ioctl"), [3, request, 0, 0, 0, 0])[0] == eperm
    for cmd in (0, 1, 2, 3, 4, 1030):                        # F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL F_DUPFD_CLOEXEC
        assert _run_bpf(prog, arch, nr("fcntl"), [3, cmd, 0, 0, 0, 0])[0] == allow
    for cmd in seccomp.FCNTL_REFUSED.values():
        assert _run_bpf(prog, arch, nr("fcntl"), [3, cmd, 0, 0, 0, 0])[0] == eperm
    for name in REFUSED:
        if nr(name) is not None:
            assert _run_bpf(prog, arch, nr(name))[0] == (enosys if name == "clone3" else eperm), name
    assert _run_bpf(prog, arch, 470)[0] == enosys                            # newer than the table
    for name, arg in SELF_ONLY:
        args = [0] * 6
        for target, want in ((pid, allow), (0, allow), (pid + 1, eperm), (pid | 1 << 32, eperm),
                             ((1 << 64) - 1, eperm)):
            args[arg] = target
            got, at = _run_bpf(prog, arch, nr(name), args)
            assert got == want and at != final, (name, target)              # decided in its own block
    got, at = _run_bpf(prog, arch, nr("setpriority"), [2, pid, 0, 0, 0, 0])  # PRIO_USER: refused in its block
    assert got == eperm and at != final
    deny = seccomp_program(machine, only={"unshare", "setns", "clone3"}, clone_namespaces=True)
    assert _run_bpf(deny, arch, nr("clone"), [0x11, 0, 0, 0, 0, 0])[0] == allow         # a plain fork
    assert _run_bpf(deny, arch, nr("clone"), [0x10000000, 0, 0, 0, 0, 0])[0] == eperm   # CLONE_NEWUSER
    assert _run_bpf(deny, arch, nr("unshare"))[0] == eperm and _run_bpf(deny, arch, nr("read"))[0] == allow


def test_program_shape():
    prog = seccomp_program("x86_64")
    assert prog[:3] == [(0x20, 0, 0, 4), (0x15, 1, 0, 0xC000003E), (0x06, 0, 0, 0x80000000)]  # other arch: kill
    assert prog[-1] == (0x06, 0, 0, 0x00050000 | errno.EPERM)                               # else: EPERM
    assert len(prog) < 4096 and all(0 <= jt < 256 and 0 <= jf < 256 for _, jt, jf, _ in prog)
    assert seccomp_program("sparc") is None


# ------------------------------------------------------------------ Landlock

needs_landlock = pytest.mark.skipif(landlock.abi_version() < 1, reason="the kernel has no Landlock")


@needs_landlock
def test_landlock_reads_and_writes_only_where_allowed(tmp_path):
    """A forked process under the ruleset: reads beneath the read-only dir, writes beneath the writable
    one, and nothing else; no TCP connection, no signal to its parent (ABI >= 4, >= 6)."""
    ro, rw, outside = tmp_path / "ro", tmp_path / "rw", tmp_path / "outside"
    for d in (ro, rw, outside):
        d.mkdir()
    (ro / "f").write_text("ro")
    (outside / "secret").write_text("secret")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            import ctypes
            ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)
            applied = landlock.restrict([str(ro)], [str(rw)])
            res = {"abi": applied["abi"]}

            def attempt(key, fn):
                try:
                    fn()
                    res[key] = "ok"
                except OSError as e:
                    res[key] = e.errno
            attempt("read_ro", lambda: open(ro / "f").read())
            attempt("list_ro", lambda: os.listdir(ro))
            attempt("write_ro", lambda: open(ro / "new", "w").close())
            attempt("write_rw", lambda: (rw / "new").write_text("x"))
            attempt("mkdir_rw", lambda: os.mkdir(rw / "d"))
            attempt("read_outside", lambda: open(outside / "secret").read())
            attempt("write_outside", lambda: open(outside / "new", "w").close())
            attempt("proc_parent", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
            attempt("proc_parent_cwd", lambda: os.readlink(f"/proc/{os.getppid()}/cwd"))    # (no read right:
            attempt("proc_self_cwd", lambda: os.readlink("/proc/self/cwd"))                  # a ptrace check)
            attempt("connect", lambda: socket.create_connection(listener.getsockname(), timeout=1))
            attempt("signal_parent", lambda: os.kill(os.getppid(), 0))
            attempt("signal_self", lambda: os.kill(os.getpid(), 0))
            os.write(w, json.dumps(res).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        res = json.loads(f.read())
    os.waitpid(pid, 0)
    try:
        listener.accept()
        connected = True
    except OSError:
        connected = False
    listener.close()
    assert res["read_ro"] == res["list_ro"] == res["write_rw"] == res["mkdir_rw"] == res["signal_self"] == "ok"
    assert res["write_ro"] == res["read_outside"] == res["write_outside"] == res["proc_parent"] == errno.EACCES
    # Landlock does not check readlink, but a domain may not inspect a process outside it (ptrace rules):
    # the grader's cwd (the course) stays hidden even where /proc is the host's.
    assert res["proc_parent_cwd"] in (errno.EACCES, errno.EPERM) and res["proc_self_cwd"] == "ok"
    assert not (ro / "new").exists() and not (outside / "new").exists() and (rw / "new").read_text() == "x"
    if res["abi"] >= 4:
        assert res["connect"] == errno.EACCES and not connected
    if res["abi"] >= 6:
        assert res["signal_parent"] == errno.EPERM


@needs_landlock
def test_landlock_handles_only_what_the_abi_knows():
    assert landlock.handled_fs(1) == (1 << 13) - 1
    assert landlock.handled_fs(3) == (1 << 15) - 1
    assert landlock.handled_fs(landlock.abi_version()) & ~((1 << 16) - 1) == 0
