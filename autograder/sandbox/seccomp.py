"""The child's seccomp filter: no new threads or processes, no ptrace, mount or namespaces.

Loaded by path into the sandbox's zygote (``child.py``) and by the tests'
``support/refuse_namespaces.py``; so it imports only the standard library.
"""
import ctypes
import errno
import os

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 38, 22
_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

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


def install_seccomp(only=None, own_pid=None):
    """No new threads or processes, no ptrace/mount/namespaces from here on. Needs no_new_privs."""
    prog = seccomp_program(os.uname().machine, only)
    if prog is None:
        raise OSError(errno.ENOSYS, f"no seccomp table for {os.uname().machine}")
    arr = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), arr)
    if _libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"seccomp: {os.strerror(e)}")

