"""Run a command on a machine that refuses namespaces, or mounts, for it and everything it starts
(a seccomp filter, as containers and hardened laptops have).

    python refuse_namespaces.py COMMAND [ARGS...]            # namespaces refused (Docker, Kubernetes)
    python refuse_namespaces.py --mounts COMMAND [ARGS...]   # user namespaces work, mounts do not
                                                             # (Ubuntu >= 23.10's AppArmor policy)

The first refuses `unshare` and `setns` with EPERM, a `clone` with any CLONE_NEW* flag too, and
answers `clone3` with ENOSYS (libc falls back to `clone`), as Docker's default profile does. The
second refuses the mount family (`mount`, `umount2`, `pivot_root` and the new mount API) with EPERM.
The filter comes from the sandbox's own module (autograder/sandbox/seccomp.py, loaded by path).
"""
import ctypes
import importlib.util
import os
import pathlib
import sys

SECCOMP = pathlib.Path(__file__).resolve().parents[2] / "autograder" / "sandbox" / "seccomp.py"
NAMESPACES = {"unshare", "setns", "clone3"}
MOUNTS = {"mount", "umount2", "pivot_root", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree",
          "mount_setattr"}

if __name__ == "__main__":
    spec = importlib.util.spec_from_file_location("sandbox_seccomp", SECCOMP)
    seccomp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seccomp)
    args = sys.argv[1:]
    mounts = bool(args) and args[0] == "--mounts"
    if mounts:
        args = args[1:]
    ctypes.CDLL(None).prctl(seccomp.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if mounts:
        seccomp.install_seccomp(only=MOUNTS)
    else:
        seccomp.install_seccomp(only=NAMESPACES, clone_namespaces=True)
    os.execvp(args[0], args)
