"""Landlock for the jailed child: what it may read, where it may write, no TCP, no signals out.

Landlock (Linux >= 5.13) is an unprivileged security module: a process restricts
itself, for good, and everything it becomes. It needs no namespace, so it holds
where containers refuse user namespaces and where Ubuntu >= 23.10 refuses mounts
inside them. ``child.py`` applies it to every child before student code; the
zygote imports it before anything else (and no grader module), so it imports only the
standard library.

What the ruleset handles depends on the ABI the kernel offers (the highest is
used; an access right the ABI does not know cannot be handled):

- ABI 1-3, 5 (file system): every access is refused except read (and execute,
  for shared libraries) beneath the given read-only paths and everything beneath
  the one writable directory. ABI 2 adds ``REFER`` (link/rename across
  directories), 3 ``TRUNCATE``, 5 ``IOCTL_DEV`` (ioctl on device files).
- ABI 4 (network): TCP ``bind`` and ``connect`` are handled with no port
  allowed, so both are refused (UDP and unix sockets are not Landlock's: the
  seccomp filter refuses ``socket`` itself).
- ABI 6 (scoping): no signal to a process outside the child's own domain (the
  grader, the keeper, any process of the same uid), and no connection to an
  abstract unix socket created outside it.
"""
import ctypes
import errno
import os
import stat
from typing import Iterable

# Syscall numbers: the same on x86_64 and aarch64 (the generic table, since 5.13).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

# File-system access rights (include/uapi/linux/landlock.h).
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

# The rights each ABI knows (an ABI knows all the rights of those below it).
_FS_BY_ABI = {1: (1 << 13) - 1, 2: REFER, 3: TRUNCATE, 5: IOCTL_DEV}
# Rights that mean something on a file (not a directory): a rule on a file may hold only these.
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = READ_FILE | READ_DIR | EXECUTE                 # what a read-only path grants

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1                                        # __attribute__((packed)) in the uapi header
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _sys(nr, *args):
    ret = _libc.syscall(ctypes.c_long(nr), *args)
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"landlock syscall {nr}: {os.strerror(e)}")
    return ret


def abi_version() -> int:
    """The highest Landlock ABI the kernel offers; 0 where it has none (or it is disabled)."""
    try:
        return _sys(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError:
        return 0


def handled_fs(abi: int) -> int:
    """The file-system rights an ABI knows."""
    return sum(bits for a, bits in _FS_BY_ABI.items() if a <= abi)


def restrict(read_only: Iterable[str], writable: Iterable[str], abi: int | None = None) -> dict:
    """Restrict this process (for good) to reading beneath `read_only` and writing beneath `writable`.

    `read_only` and `writable` are paths (directories or files); those that do not
    exist are skipped (a machine without /lib32 has none to allow), and so are
    those that cannot be opened (listed in ``skipped``). Needs no_new_privs (or
    CAP_SYS_ADMIN). Raises OSError where the kernel has no Landlock or the
    ruleset cannot be applied. Returns what was applied: ``{"abi", "fs", "net",
    "scoped", "skipped"}`` (the handled rights as ints).
    """
    abi = abi_version() if abi is None else abi
    if abi < 1:
        raise OSError(errno.EOPNOTSUPP, "Landlock is not available in this kernel")
    fs = handled_fs(abi)
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = _RulesetAttr(fs, net, scoped)
    # The struct grew with the ABI (net in 4, scoped in 6): pass only the fields this kernel knows.
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _sys(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    skipped = []
    try:
        for paths, rights in ((read_only, READ & fs), (writable, fs)):
            for p in paths:
                if not _allow(ruleset, p, rights) and os.path.lexists(p):
                    skipped.append(p)
        _sys(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return {"abi": abi, "fs": fs, "net": net, "scoped": scoped, "skipped": skipped}


def _allow(ruleset, path, rights):
    """Add one rule; False where the path cannot be opened or ruled (then the child simply has no access
    there: a failure here never widens what it may do, and never costs it the whole ruleset)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:                                   # absent, or a directory this uid cannot search
        return False
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS                     # a file: directory rights would be EINVAL
        rule = _PathBeneath(rights, fd)
        _sys(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule),
             ctypes.c_uint32(0))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
