"""The child's seccomp filter: an allowlist of what Python, torch and the protocol need.

Imported by the sandbox's zygote (``child.py``) before anything else, and loaded by the tests'
``support/refuse_namespaces.py``; so it imports only the standard library.

Every syscall not allowed below is refused with EPERM (the process sees an
ordinary ``PermissionError``, it is not killed). A denylist misses what nobody
thought of (the user keyring outlived every child that way); an allowlist
cannot miss it that way. The groups were derived from strace of real children
(the honest example submissions, the tests' honest answers, and
``tests/jail/honest_everyday.py``: pooling, conv, unfold, autograd, printing
tensors, numpy, math, temporary files, imports after the fork), then widened
to the close variants of each call (``pread64`` beside ``read``) so that honest
code is not refused for a libc detail. In particular refused:

- new threads and processes (``clone``, ``fork``, ``vfork``; ``clone3`` answers
  ENOSYS so that libc falls back to ``clone``), ``execve``;
- every new socket (``socket``, ``socketpair``, ``connect``, ``bind``,
  ``listen``, ``accept``): the child's one socket is inherited, so the network
  is closed by this layer alone, whatever the namespaces and Landlock do;
- the keyring (``add_key``, ``request_key``, ``keyctl``), ``io_uring_*``,
  ``bpf``, ``userfaultfd``, ``perf_event_open``, ``ptrace``,
  ``process_vm_*``, the mount family, ``unshare``, ``setns``, uid changes;
- what Landlock does not check: ``chmod`` and ``utime`` and their variants
  (a file's mode and times; ``chown`` and ``setxattr`` too), ``truncate`` by
  path; ``ioctl`` but for the few requests Python makes; ``fcntl`` commands
  that send signals (``F_SETOWN``, ``F_SETSIG``) or hold others up (leases);
- signals to anyone but oneself: ``kill``, ``tkill``, ``tgkill``,
  ``rt_sigqueueinfo`` and ``rt_tgsigqueueinfo`` only with the child's own pid
  (or 0, its own process group: the child is alone in its session) as target;
  the same for ``prlimit64``, ``sched_setaffinity`` (pid) and ``setpriority``
  (who, and only ``PRIO_PROCESS``). ``pidfd_send_signal`` and ``pidfd_open``
  are refused.

A syscall newer than this table (a number above ``_NEWEST``) answers ENOSYS,
as on an older kernel, so that a newer libc falls back to what is allowed.
On x86_64 the x32 ABI (numbers with bit 30 set) is refused, and a call through
another architecture's table (i386 through ``int 0x80``) kills the process.
"""
import ctypes
import errno
import os
import struct
from typing import Iterable

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 38, 22
_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}     # AUDIT_ARCH_*
_NEWEST = 450           # the highest number in the table below (both architectures' headers, Linux 6.4)
_X32_BIT = 0x40000000

# Generated from the kernel's uapi headers (asm/unistd_64.h; asm-generic/unistd.h for aarch64).
_NR = {  # name: (x86_64, aarch64); None where the architecture has no such syscall
    "brk": (12, 214), "mmap": (9, 222), "munmap": (11, 215), "mprotect": (10, 226), "mremap": (25, 216),
    "madvise": (28, 233), "mincore": (27, 232), "msync": (26, 227), "mlock": (149, 228),
    "munlock": (150, 229), "get_mempolicy": (239, 236), "read": (0, 63), "write": (1, 64),
    "pread64": (17, 67), "pwrite64": (18, 68), "readv": (19, 65), "writev": (20, 66), "preadv": (295, 69),
    "pwritev": (296, 70), "preadv2": (327, 286), "pwritev2": (328, 287), "open": (2, None),
    "openat": (257, 56), "creat": (85, None), "close": (3, 57), "close_range": (436, 436), "lseek": (8, 62),
    "stat": (4, None), "fstat": (5, 80), "lstat": (6, None), "newfstatat": (262, 79), "statx": (332, 291),
    "access": (21, None), "faccessat": (269, 48), "faccessat2": (439, 439), "getdents64": (217, 61),
    "getcwd": (79, 17), "chdir": (80, 49), "fchdir": (81, 50), "readlink": (89, None),
    "readlinkat": (267, 78), "mkdir": (83, None), "mkdirat": (258, 34), "rmdir": (84, None),
    "unlink": (87, None), "unlinkat": (263, 35), "rename": (82, None), "renameat": (264, 38),
    "renameat2": (316, 276), "link": (86, None), "linkat": (265, 37), "symlink": (88, None),
    "symlinkat": (266, 36), "chmod": (90, None), "fchmod": (91, 52), "fchmodat": (268, 53),
    "umask": (95, 166), "truncate": (76, 45), "ftruncate": (77, 46), "fallocate": (285, 47),
    "fsync": (74, 82), "fdatasync": (75, 83), "flock": (73, 32), "fcntl": (72, 25), "dup": (32, 23),
    "dup2": (33, None), "dup3": (292, 24), "ioctl": (16, 29), "statfs": (137, 43), "fstatfs": (138, 44),
    "utimensat": (280, 88), "fadvise64": (221, 223), "sendfile": (40, 71), "copy_file_range": (326, 285),
    "getxattr": (191, 8), "lgetxattr": (192, 9), "fgetxattr": (193, 10), "pipe": (22, None),
    "pipe2": (293, 59), "select": (23, None), "pselect6": (270, 72), "poll": (7, None), "ppoll": (271, 73),
    "epoll_create": (213, None), "epoll_create1": (291, 20), "epoll_ctl": (233, 21),
    "epoll_wait": (232, None), "epoll_pwait": (281, 22), "epoll_pwait2": (441, 441), "nanosleep": (35, 101),
    "clock_nanosleep": (230, 115), "sched_yield": (24, 124), "futex": (202, 98), "pause": (34, None),
    "recvfrom": (45, 207), "recvmsg": (47, 212), "sendto": (44, 206), "sendmsg": (46, 211),
    "shutdown": (48, 210), "getsockopt": (55, 209), "setsockopt": (54, 208), "getsockname": (51, 204),
    "getpeername": (52, 205), "rt_sigaction": (13, 134), "rt_sigprocmask": (14, 135),
    "rt_sigreturn": (15, 139), "rt_sigpending": (127, 136), "rt_sigtimedwait": (128, 137),
    "rt_sigsuspend": (130, 133), "sigaltstack": (131, 132), "alarm": (37, None), "getitimer": (36, 102),
    "setitimer": (38, 103), "clock_gettime": (228, 113), "clock_getres": (229, 114),
    "gettimeofday": (96, 169), "time": (201, None), "times": (100, 153), "getrusage": (98, 165),
    "getpid": (39, 172), "getppid": (110, 173), "gettid": (186, 178), "getuid": (102, 174),
    "geteuid": (107, 175), "getgid": (104, 176), "getegid": (108, 177), "getresuid": (118, 148),
    "getresgid": (120, 150), "getgroups": (115, 158), "getpgrp": (111, None), "getpgid": (121, 155),
    "getsid": (124, 156), "uname": (63, 160), "sysinfo": (99, 179), "getrlimit": (97, 163),
    "capget": (125, 90), "getpriority": (140, 141), "sched_getaffinity": (204, 123),
    "sched_getparam": (143, 121), "sched_getscheduler": (145, 120), "getcpu": (309, 168),
    "getrandom": (318, 278), "wait4": (61, 260), "waitid": (247, 95), "arch_prctl": (158, None),
    "set_tid_address": (218, 96), "set_robust_list": (273, 99), "rseq": (334, 293), "prctl": (157, 167),
    "restart_syscall": (219, 128), "exit": (60, 93), "exit_group": (231, 94), "membarrier": (324, 283),
    "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131), "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240), "prlimit64": (302, 261), "sched_setaffinity": (203, 122),
    "setpriority": (141, 140), "clone": (56, 220), "clone3": (435, 435), "fork": (57, None),
    "vfork": (58, None), "execve": (59, 221), "execveat": (322, 281), "ptrace": (101, 117),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271), "add_key": (248, 217),
    "request_key": (249, 218), "keyctl": (250, 219), "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426), "io_uring_register": (427, 427), "bpf": (321, 280),
    "userfaultfd": (323, 282), "perf_event_open": (298, 241), "mount": (165, 40), "umount2": (166, 39),
    "pivot_root": (155, 41), "chroot": (161, 51), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433), "open_tree": (428, 428),
    "mount_setattr": (442, 442), "unshare": (272, 97), "setns": (308, 268), "socket": (41, 198),
    "socketpair": (53, 199), "connect": (42, 203), "bind": (49, 200), "listen": (50, 201),
    "accept": (43, 202), "accept4": (288, 242), "pidfd_open": (434, 434), "pidfd_send_signal": (424, 424),
    "pidfd_getfd": (438, 438), "kcmp": (312, 272), "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264), "setuid": (105, 146), "setgid": (106, 144), "setreuid": (113, 145),
    "setregid": (114, 143), "setresuid": (117, 147), "setresgid": (119, 149), "setgroups": (116, 159),
    "setfsuid": (122, 151), "setfsgid": (123, 152), "memfd_create": (319, 279), "init_module": (175, 105),
    "finit_module": (313, 273), "delete_module": (176, 106), "kexec_load": (246, 104), "reboot": (169, 142),
    "swapon": (167, 224), "swapoff": (168, 225), "sethostname": (170, 161), "setdomainname": (171, 162),
    "chown": (92, None), "fchown": (93, 55), "lchown": (94, None), "fchownat": (260, 54),
    "mknod": (133, None), "mknodat": (259, 33), "landlock_create_ruleset": (444, 444),
    "landlock_add_rule": (445, 445), "landlock_restrict_self": (446, 446), "seccomp": (317, 277),
    "personality": (135, 92), "quotactl": (179, 60), "acct": (163, 89), "settimeofday": (164, 170),
    "clock_settime": (227, 112), "adjtimex": (159, 171), "lookup_dcookie": (212, 18),
    "fanotify_init": (300, 262), "inotify_init": (253, None), "inotify_init1": (294, 26),
    "timer_create": (222, 107), "mq_open": (240, 180), "msgget": (68, 186), "semget": (64, 190),
    "shmget": (29, 194), "shmat": (30, 196), "vmsplice": (278, 75), "splice": (275, 76), "tee": (276, 77),
    "setxattr": (188, 5), "lsetxattr": (189, 6), "fsetxattr": (190, 7), "removexattr": (197, 14),
    "lremovexattr": (198, 15), "fremovexattr": (199, 16), "ioperm": (173, None), "iopl": (172, None),
    "modify_ldt": (154, None), "migrate_pages": (256, 238), "move_pages": (279, 239), "mbind": (237, 235),
    "set_mempolicy": (238, 237), "process_madvise": (440, 440), "process_mrelease": (448, 448),
    "sched_setparam": (142, 118), "sched_setscheduler": (144, 119), "sched_setattr": (314, 274),
    "ioprio_set": (251, 30), "syslog": (103, 116), "vhangup": (153, 58), "utime": (132, None),
    "utimes": (235, None), "futimesat": (261, None),
}


# What a child may do, by group (why each is there). A name the architecture lacks is skipped.
ALLOWED = [
 ("memory: the allocator, torch's tensors, numpy",
  ["brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "msync", "mlock", "munlock",
   "get_mempolicy"]),
 ("files: Landlock (and the minimal root) decide which; these only say what may be done with a permitted one",
  ["read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
   "open", "openat", "creat", "close", "close_range", "lseek", "stat", "fstat", "lstat", "newfstatat", "statx",
   "access", "faccessat", "faccessat2", "getdents64", "getcwd", "chdir", "fchdir", "readlink", "readlinkat",
   "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat",
   "symlink", "symlinkat", "umask", "ftruncate", "fallocate",
   "fsync", "fdatasync", "flock", "dup", "dup2", "dup3", "statfs", "fstatfs",
   "fadvise64", "sendfile", "copy_file_range", "getxattr", "lgetxattr", "fgetxattr", "pipe", "pipe2"]),
 ("waiting: sleeps, polls (Python's socket timeouts, selectors)",
  ["select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
   "epoll_pwait", "epoll_pwait2", "nanosleep", "clock_nanosleep", "sched_yield", "futex", "pause"]),
 ("the protocol: the one inherited socket (no new socket: socket/connect/bind/... are refused)",
  ["recvfrom", "recvmsg", "sendto", "sendmsg", "shutdown", "getsockopt", "setsockopt", "getsockname",
   "getpeername"]),
 ("signals to oneself (kill & co. are checked below: own pid only)",
  ["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend",
   "sigaltstack", "alarm", "getitimer", "setitimer"]),
 ("time", ["clock_gettime", "clock_getres", "gettimeofday", "time", "times", "getrusage"]),
 ("who am I: read-only facts about this process and the machine",
  ["getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
   "getgroups", "getpgrp", "getpgid", "getsid", "uname", "sysinfo", "getrlimit", "capget", "getpriority",
   "sched_getaffinity", "sched_getparam", "sched_getscheduler", "getcpu", "getrandom", "wait4", "waitid"]),
 ("the C library and the interpreter: thread-local storage, robust futexes, restartable sequences, exit",
  ["arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prctl", "restart_syscall", "exit", "exit_group"]),
]
# Allowed only when this argument (index) is 0 or the child's own pid -- setpriority(which, who, ...)
# also only with which == PRIO_PROCESS (0): PRIO_USER would renice every process of the uid.
SELF_ONLY = [("kill", 0), ("tkill", 0), ("tgkill", 0), ("rt_sigqueueinfo", 0), ("rt_tgsigqueueinfo", 0),
             ("prlimit64", 0), ("sched_setaffinity", 0), ("setpriority", 1)]
_ALSO_ZERO = {"setpriority": 0}
# ioctl only with these requests (its second argument; the same numbers on x86_64 and aarch64): what
# Python asks of a file or the socket -- isatty (TCGETS), the terminal size, blocking mode,
# close-on-exec, bytes pending. Not FIOSETOWN/SIOCSPGRP (signals to another process), nor the
# file-system or device requests Landlock does not check on a regular file.
IOCTL_REQUESTS = {"TCGETS": 0x5401, "TIOCGWINSZ": 0x5413, "FIONREAD": 0x541B, "FIONBIO": 0x5421,
                  "FIONCLEX": 0x5450, "FIOCLEX": 0x5451}
# fcntl with any command but these: F_SETOWN, F_SETSIG, F_SETOWN_EX (SIGIO to another process, the
# grader say, where Landlock's signal scope is missing), F_SETLEASE (a lease on a readable file
# delays whoever opens it for writing), F_NOTIFY (signals on directory changes).
FCNTL_REFUSED = {"F_SETOWN": 8, "F_SETSIG": 10, "F_SETOWN_EX": 15, "F_SETLEASE": 1024, "F_NOTIFY": 1026}
# Refused (any name not allowed is; these are named so that tests can check each one).
REFUSED = [
  "clone", "clone3", "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
  "add_key", "request_key", "keyctl", "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "userfaultfd",
  "perf_event_open", "mount", "umount2", "pivot_root", "chroot", "move_mount", "fsopen", "fsconfig", "fsmount",
  "fspick", "open_tree", "mount_setattr", "unshare", "setns", "socket", "socketpair", "connect", "bind", "listen",
  "accept", "accept4", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "kcmp", "open_by_handle_at",
  "name_to_handle_at", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
  "setfsuid", "setfsgid", "memfd_create", "init_module", "finit_module", "delete_module", "kexec_load", "reboot",
  "swapon", "swapoff", "sethostname", "setdomainname", "chown", "fchown", "lchown", "fchownat", "mknod", "mknodat",
  "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "seccomp", "personality", "quotactl",
  "acct", "settimeofday", "clock_settime", "adjtimex", "lookup_dcookie", "fanotify_init", "inotify_init",
  "inotify_init1", "timer_create", "mq_open", "msgget", "semget", "shmget", "shmat", "vmsplice", "splice", "tee",
  "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "ioperm", "iopl",
  "modify_ldt", "migrate_pages", "move_pages", "mbind", "set_mempolicy", "process_madvise", "process_mrelease",
  "sched_setparam", "sched_setscheduler", "sched_setattr", "ioprio_set", "syslog", "vhangup",
  # Landlock does not check a file's mode or times: without a minimal root, chmod could open the
  # instructor's own files (same uid) to every local user, and utime could fake what changed.
  "chmod", "fchmod", "fchmodat", "utime", "utimes", "futimesat", "utimensat",
  "truncate",                                   # (by path: Landlock checks it only from ABI 3; ftruncate is allowed)
  "membarrier"]                                 # (a global barrier: an interrupt on every CPU, per call)
CLONE_NEW_FLAGS = 0x7E020080        # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


_INSN = struct.Struct("=HBBI")                  # struct sock_filter


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


LD, JEQ, JGE, JGT, JSET, RET = 0x20, 0x15, 0x35, 0x25, 0x45, 0x06     # BPF_LD|W|ABS, BPF_JMP|..|K, BPF_RET|K
RET_ALLOW, RET_KILL, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
EPERM, ENOSYS = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS


def _nr(machine, name):
    return _NR.get(name, (None, None))[0 if machine == "x86_64" else 1]


def _arg(i, high=False):
    """Offset of args[i] (its low or high 32 bits, little-endian) in struct seccomp_data."""
    return 16 + 8 * i + (4 if high else 0)


def _prologue(machine):
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, _ARCH[machine]), (RET, 0, 0, RET_KILL), (LD, 0, 0, 0)]
    if machine == "x86_64":                      # the x32 ABI would bypass every number below
        prog += [(JGE, 0, 1, _X32_BIT), (RET, 0, 0, EPERM)]
    return prog


def _self_only(nr, arg, pid, zero=None):
    """The syscall `nr` only with args[arg] == 0 or `pid` (high 32 bits zero), and args[zero] == 0
    when given; else EPERM."""
    first = [] if zero is None else [(LD, 0, 0, _arg(zero)), (JEQ, 0, 8, 0), (LD, 0, 0, _arg(zero, high=True)),
                                     (JEQ, 0, 6, 0)]          # (to the RET EPERM that ends the body)
    body = first + [(LD, 0, 0, _arg(arg, high=True)), (JEQ, 0, 4, 0),
                    (LD, 0, 0, _arg(arg)), (JEQ, 1, 0, pid), (JEQ, 0, 1, 0),
                    (RET, 0, 0, RET_ALLOW), (RET, 0, 0, EPERM)]
    return [(JEQ, 0, len(body), nr)] + body + [
        (LD, 0, 0, 0)]                           # (not this syscall: the number back for the next test)


def seccomp_program(machine: str, only: Iterable[str] | None = None, own_pid: int | None = None,
                    clone_namespaces: bool = False) -> list[tuple[int, int, int, int]] | None:
    """The BPF program (list of (code, jt, jf, k)) for `machine`, or None where unknown.

    The child's allowlist, with ``own_pid`` (its pid as it sees it; None: its
    current pid) the only target of its signals. ``only``: instead, refuse just
    these syscall names and allow the rest -- the tests use it to make a machine
    that refuses namespaces or mounts; ``clone_namespaces`` then also refuses a
    ``clone`` with any ``CLONE_NEW*`` flag, as container profiles do.
    """
    if machine not in _ARCH:
        return None
    prog = _prologue(machine)
    if only is not None:
        return prog + _denylist(machine, only, clone_namespaces)
    pid = os.getpid() if own_pid is None else own_pid
    prog += [(JGT, 0, 1, _NEWEST), (RET, 0, 0, ENOSYS)]
    for name in ("clone3",):
        prog += [(JEQ, 0, 1, _nr(machine, name)), (RET, 0, 0, ENOSYS)]
    for _why, names in ALLOWED:
        for name in names:
            nr = _nr(machine, name)
            if nr is not None:
                prog += [(JEQ, 0, 1, nr), (RET, 0, 0, RET_ALLOW)]
    for name, arg in SELF_ONLY:
        nr = _nr(machine, name)
        if nr is not None:
            prog += _self_only(nr, arg, pid, _ALSO_ZERO.get(name))
    prog += _arg_in(_nr(machine, "ioctl"), 1, sorted(IOCTL_REQUESTS.values()), RET_ALLOW, EPERM)
    prog += _arg_in(_nr(machine, "fcntl"), 1, sorted(FCNTL_REFUSED.values()), EPERM, RET_ALLOW)
    prog.append((RET, 0, 0, EPERM))
    return prog


def _arg_in(nr, arg, values, found, otherwise):
    """The syscall `nr`: `found` when the low 32 bits of args[arg] (an int or unsigned int: the kernel reads
    no more) are one of `values`, else `otherwise`."""
    n = len(values)
    body = [(LD, 0, 0, _arg(arg))] + [(JEQ, n - i, 0, v) for i, v in enumerate(values)] + \
        [(RET, 0, 0, otherwise), (RET, 0, 0, found)]
    return [(JEQ, 0, len(body), nr)] + body + [(LD, 0, 0, 0)]


def _denylist(machine, names, clone_namespaces):
    prog = []
    for name in names:
        nr = _nr(machine, name)
        if nr is not None:
            prog += [(JEQ, 0, 1, nr), (RET, 0, 0, ENOSYS if name == "clone3" else EPERM)]
    if clone_namespaces:
        prog += [(JEQ, 0, 4, _nr(machine, "clone")), (LD, 0, 0, _arg(0)), (JSET, 0, 1, CLONE_NEW_FLAGS),
                 (RET, 0, 0, EPERM), (RET, 0, 0, RET_ALLOW)]
    return prog + [(RET, 0, 0, RET_ALLOW)]


def allowed_names(machine: str = "x86_64") -> set[str]:
    """Every syscall name the child's filter lets through (some only for its own pid, ioctl and fcntl
    only for some requests)."""
    return {n for _w, g in ALLOWED for n in g if _nr(machine, n) is not None} | \
        {n for n, _a in SELF_ONLY if _nr(machine, n) is not None} | {"ioctl", "fcntl"}


_PID_MARK = 0xFFFFFFFF          # stands for the child's pid in the cached program (no pid is that large)
_CACHE: dict = {}


def _packed_allowlist(machine, pid):
    """The child's program as sock_filter bytes: built and packed once (the zygote warms it), then only
    the pid comparisons are patched for each child -- rebuilding ~400 instructions costs a millisecond."""
    if machine not in _CACHE:
        prog = seccomp_program(machine, own_pid=_PID_MARK)
        if prog is None:
            return None
        marks = [i for i, ins in enumerate(prog) if ins == (JEQ, 1, 0, _PID_MARK)]
        _CACHE[machine] = (b"".join(_INSN.pack(*ins) for ins in prog), marks)
    data, marks = _CACHE[machine]
    buf = bytearray(data)
    for i in marks:
        _INSN.pack_into(buf, i * _INSN.size, JEQ, 1, 0, pid)
    return bytes(buf)


def install_seccomp(only: Iterable[str] | None = None, own_pid: int | None = None,
                    clone_namespaces: bool = False) -> None:
    """Install the filter (see ``seccomp_program``) on this thread and what it becomes. Needs no_new_privs."""
    machine = os.uname().machine
    if only is None:
        data = _packed_allowlist(machine, os.getpid() if own_pid is None else own_pid)
    else:
        prog = seccomp_program(machine, only, own_pid, clone_namespaces)
        data = prog and b"".join(_INSN.pack(*ins) for ins in prog)
    if data is None:
        raise OSError(errno.ENOSYS, f"no seccomp table for {machine}")
    n = len(data) // _INSN.size
    arr = (_SockFilter * n).from_buffer_copy(data)
    fprog = _SockFprog(n, arr)
    if _libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"seccomp: {os.strerror(e)}")
