# Write files the grading user owns or may write: its HOME, the output directory, the course, /tmp.
import errno, json, os
TARGETS = {"home": "{HOME}/pwned-{TOKEN}", "out": "{OUT}/pwned-{TOKEN}", "course": "{COURSE}/pwned-{TOKEN}",
           "tmp": "/tmp/agjail-pwned-{TOKEN}", "rc": "{HOME}/.bashrc"}
def _write():
    r = {}
    for k, p in TARGETS.items():
        try:
            with open(p, "a") as f:
                f.write("echo pwned  # JAILTEST\n")
            r[k] = "WROTE"
        except OSError as e:
            r[k] = errno.errorcode.get(e.errno)
    # Variants: a hard link or a symlink in the child's own writable dir to the instructor's config,
    # then a write through it (Landlock refuses a link that would give more access than the file has).
    for k, make in (("hard", os.link), ("sym", os.symlink)):
        alias = f"alias-{k}-{os.getpid()}"
        try:
            make("{COURSE}/nbgrader_config.py", alias)
            with open(alias, "a") as f:
                f.write("import os  # JAILTEST\n")
            r[k] = "WROTE"
        except OSError as e:
            r[k] = errno.errorcode.get(e.errno)
    # What Landlock does not check: the mode and times of the instructor's files (same uid without a
    # minimal root): world-writable, another local user (a student on the hub) could then edit them.
    for k, change in (("chmod", lambda p: os.chmod(p, 0o777)), ("utime", lambda p: os.utime(p, (0, 0)))):
        try:
            change("{COURSE}/nbgrader_config.py")
            r[k] = "WROTE"
        except OSError as e:
            r[k] = errno.errorcode.get(e.errno)
    return r
def _merge(cell, call):
    """One short report (the message is cut): what the cell got, and what the call got where it differs."""
    return {k: cell.get(k) if cell.get(k) == call.get(k) else f"{cell.get(k)}/{call.get(k)}" for k in {**cell, **call}}
_first = _write()
def pool2d(X, pool_size, mode='max'):
    raise RuntimeError("JAILREPORT " + json.dumps(_merge(_first, _write())))
