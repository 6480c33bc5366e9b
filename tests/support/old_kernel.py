"""Run a command as on a machine where nothing can confine the sandbox's child: no namespaces
(as in a Docker or Kubernetes container) and no Landlock (as on a kernel older than 5.13).

    python old_kernel.py COMMAND [ARGS...]

A seccomp filter, inherited by the command and everything it starts, makes

- ``unshare``, ``setns``, and ``clone`` with any ``CLONE_NEW*`` flag fail with EPERM (Docker's
  default profile);
- ``landlock_create_ruleset``, ``landlock_add_rule``, ``landlock_restrict_self`` and ``clone3``
  fail with ENOSYS (a kernel without them; libc then falls back to ``clone``, checked above).

Self-contained (its own BPF program, not the sandbox's table): the kit's refusal to grade
(exit status 3) is tested against the real thing, whatever the sandbox's own filter becomes.
"""
import ctypes
import errno
import os
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
CLONE_NEW_ANY = (0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
                 | 0x20000000 | 0x40000000)     # NEWTIME NEWNS NEWCGROUP NEWUTS NEWIPC NEWUSER NEWPID NEWNET
# (audit arch, clone, {name: nr} -> EPERM, {name: nr} -> ENOSYS); Landlock has the same numbers everywhere.
TABLE = {
    "x86_64": (0xC000003E, 56, {"unshare": 272, "setns": 308},
               {"clone3": 435, "landlock_create_ruleset": 444, "landlock_add_rule": 445,
                "landlock_restrict_self": 446}),
    "aarch64": (0xC00000B7, 220, {"unshare": 97, "setns": 268},
                {"clone3": 435, "landlock_create_ruleset": 444, "landlock_add_rule": 445,
                 "landlock_restrict_self": 446}),
}
LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000


def program(machine):
    """The filter as (code, jt, jf, k) instructions; ValueError for an unknown machine."""
    if machine not in TABLE:
        raise ValueError(f"no table for {machine}")
    arch, clone, eperm, enosys = TABLE[machine]
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, ALLOW), (LD, 0, 0, 0)]
    for table, err in ((eperm, errno.EPERM), (enosys, errno.ENOSYS)):
        for nr in table.values():
            prog += [(JEQ, 0, 1, nr), (RET, 0, 0, ERRNO | err)]
    # clone(flags, ...): the low 32 bits of args[0] (offset 16, little-endian) hold the CLONE_NEW* bits
    prog += [(JEQ, 0, 3, clone), (LD, 0, 0, 16), (JSET, 0, 1, CLONE_NEW_ANY), (RET, 0, 0, ERRNO | errno.EPERM),
             (RET, 0, 0, ALLOW)]
    return prog


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def install():
    prog = program(os.uname().machine)
    arr = (_Filter * len(prog))(*[_Filter(*ins) for ins in prog])
    fprog = _Prog(len(prog), arr)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"seccomp: {os.strerror(e)}")


if __name__ == "__main__":
    install()
    os.execvp(sys.argv[1], sys.argv[1:])
