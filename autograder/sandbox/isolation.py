"""The jail's layers, one function each: namespaces, a minimal root, rlimits, the uid drop.

``child.py`` calls them between fork and the first line of student code. The
zygote imports it before anything else (and no grader module), so it imports
only the standard library. What a child may see (``SYSTEM_DIRS``, the Python
paths, ``ETC_FILES``, ``DEVICES``) is defined here once, for both the minimal
root (bound into it) and Landlock (``readable_paths()``, read-only beneath).
"""
import ctypes
import os
import resource
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE = 1, 38, 4
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)

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


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def prctl(option: int, arg: int) -> int:
    """prctl(2) with one argument; its result is not checked (as every call here wants)."""
    return _libc.prctl(option, arg, 0, 0, 0)


def enter_user_namespace() -> bool:
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


# ------------------------------------------------------------------ the file system

def _statvfs_flags(path):
    """Mount flags we must keep when remounting a bind read-only (locked in user namespaces)."""
    f = os.statvfs(path).f_flag
    out = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if f & st:
            out |= ms
    return out


def _bind_ro(root, path):
    """Bind `path` read-only at the same place under `root`."""
    dst = root + path
    if os.path.isdir(path):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "a").close()
    mount(path, dst, None, MS_BIND | MS_REC)
    mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | _statvfs_flags(path))


# What a child may see of the file system, for both the minimal root (bound read-only into it) and
# Landlock (read-only beneath these): the system, the interpreter and its import path, a few /etc
# files, and the harmless devices (read-write).
SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"]
ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf"]
DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]
_HERE = os.path.dirname(os.path.abspath(__file__))


def _python_paths():
    """What Python and torch need: the interpreter prefix and the import path."""
    paths = {os.path.realpath(sys.base_prefix)}
    for p in sys.path:
        # Never a course or kit checkout (e.g. an editable install that put the repo on sys.path),
        # nor the sandbox's own directory (sys.path[0] of a script on Pythons without -P: nothing
        # is imported from it after the fork).
        if p and os.path.isdir(p) and not os.path.isdir(os.path.join(p, "autograder")) \
                and not os.path.exists(os.path.join(p, "nbgrader_config.py")) \
                and os.path.realpath(p) != os.path.realpath(_HERE):
            paths.add(os.path.realpath(p))
    out: list[str] = []
    for p in sorted(paths, key=len):          # parents first; skip what is already inside
        if p != "/" and not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


_READABLE: list[str] = []


def readable_paths() -> list[str]:
    """Everything a child may read (Landlock's read-only rules): system, Python, /etc files.

    /etc/passwd and /etc/group are world-readable on every host; the minimal root
    has its own two-line copies. No /proc, /sys, /home, /tmp, course or kit.
    Computed once (the zygote calls it before any fork, so children inherit it).
    """
    if not _READABLE:
        _READABLE.extend(SYSTEM_DIRS + _python_paths() + ETC_FILES + ["/etc/passwd", "/etc/group"])
    return list(_READABLE)


ENTERED_ROOT = False


def _mirror_symlink(root, path):
    """Recreate under `root` the first symlink on the way to `path`, so that `path` resolves there too."""
    if not path or not os.path.isabs(path):
        return
    prefix = ""
    for part in path.strip("/").split("/"):
        prefix += "/" + part
        if os.path.islink(prefix):
            if not os.path.lexists(root + prefix):
                os.makedirs(os.path.dirname(root + prefix), exist_ok=True)
                os.symlink(os.readlink(prefix), root + prefix)
            return
        if not os.path.isdir(prefix) or os.path.lexists(root + prefix) and not os.path.isdir(root + prefix):
            return


def build_root(root: str, tmp_size: int) -> str:
    """Make `root` (an empty directory) the child's whole file system and pivot into it.

    Raises OSError where mounts are refused (e.g. a user namespace under Ubuntu's
    AppArmor policy): the child then stays in the host's tree, confined by
    Landlock. Once inside the new root (``ENTERED_ROOT``) a failure is fatal.
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)          # nothing leaks back to the host
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=755")
    # The writable /tmp first: a venv or checkout that lives under the host's /tmp (a CI clone, a
    # scratch course) is bound on top of it below, instead of being hidden by it.
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size},mode=1777")
    system = SYSTEM_DIRS
    for p in system:
        if os.path.islink(p):
            os.symlink(os.readlink(p), root + p)
        elif os.path.isdir(p):
            _bind_ro(root, p)
    for p in _python_paths():
        if not any(p == s or p.startswith(s + "/") for s in system):
            _bind_ro(root, p)
    for p in sys.path:                                    # e.g. a venv reached through a symlink:
        _mirror_symlink(root, p)                          # modules imported later use that spelling
    os.makedirs(root + "/etc", exist_ok=True)
    for f in ETC_FILES:
        if os.path.islink(f):
            os.symlink(os.readlink(f), root + f)          # e.g. localtime -> /usr/share/zoneinfo/...
        elif os.path.exists(f):
            _bind_ro(root, f)
    with open(root + "/etc/passwd", "w") as fh:
        fh.write("root:x:0:0::/:/bin/false\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n")
    with open(root + "/etc/group", "w") as fh:
        fh.write("root:x:0:\nnogroup:x:65534:\n")
    os.makedirs(root + "/dev", exist_ok=True)
    for d in DEVICES:
        if os.path.exists(d):
            open(root + d, "a").close()
            mount(d, root + d, None, MS_BIND)
    os.symlink("/proc/self/fd", root + "/dev/fd")
    os.chdir(root)
    pivoted = False
    if SYS_PIVOT_ROOT is not None:
        # pivot_root(".", "."): the old root ends up stacked on "/", then detached.
        if _libc.syscall(SYS_PIVOT_ROOT, b".", b".") == 0:
            _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
            pivoted = True
    if not pivoted:
        os.chroot(".")                                    # host tree stays mounted but unreachable
    global ENTERED_ROOT
    ENTERED_ROOT = True                                   # a failure from here on is not a fallback
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir("/tmp")
    return "pivot_root" if pivoted else "chroot"


# ------------------------------------------------------------------ limits and the uid

def address_space() -> int:
    """This process's virtual address space in bytes (0 where /proc cannot tell)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def set_limits(cfg: dict) -> None:
    """The rlimits of `cfg` (as ``Limits.child_config()``); where a hard limit is lower, that one.

    ``memory`` is what student code may add to the warmed-up interpreter (``memory_base``, measured
    by the zygote): torch's own mappings differ by build (about 0.6 GiB for the CPU wheel, 3 GiB for
    PyPI's CUDA wheel), and a cap on the total would leave a CUDA-build child no room at all.
    """
    lim = [
        (resource.RLIMIT_AS, cfg["memory"] + max(0, int(cfg.get("memory_base") or 0))),
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


SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(os.uname().machine)
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def drop_capabilities() -> bool:
    """Empty this process's capability sets (effective, permitted, inheritable); True if done.

    As a normal user the child is root of its own user namespace, with every
    capability there; none is needed once the jail is built, so none is kept
    (whatever a later layer might miss, a capability cannot make worse).
    """
    if SYS_CAPSET is None:
        return False
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()                       # two __user_cap_data_struct, all zero
    return _libc.syscall(SYS_CAPSET, header, data) == 0


def drop_privileges(cfg: dict) -> bool:
    """Become ``cfg["drop_to"]`` (uid, gid) with no groups, when root; True if we did."""
    if os.geteuid() != 0 or not cfg.get("drop_to"):
        return False
    uid, gid = cfg["drop_to"]
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    return True
