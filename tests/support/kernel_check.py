"""``course.check()`` as a student runs it in a notebook kernel, for the tests (``python kernel_check.py``).

Reads jobs from stdin (JSON: ``[{"cells": [code, ...], "function": name, "session": notebook path}]``)
and writes, for each, what check() showed (JSON on stdout). One IPython shell, with torch and the
op recorder warmed once, as a kernel would be; each job runs in a forked process, so a cell that
patches builtins, json or the recorder cannot touch the next job, nor this driver's reply (bound
here, before any cell runs). The cells run through ``InteractiveShell.run_cell``, as in a kernel:
IPython compiles each into its own file name, kept in ``linecache`` with its execution count,
and ``__session__`` names the notebook (what Jupyter Server sets).
"""
import contextlib
import io
import json
import os
import select
import signal
import sys

_dumps, _write, _exit = json.dumps, os.write, os._exit
JOB_SECONDS = 120


def run(shell, job):
    shell.user_ns["__session__"] = job.get("session")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for code in job["cells"]:
            shell.run_cell(code, store_history=True)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(io.StringIO()):
        res = shell.run_cell(f"from course import check as _kit_check\n_kit_check({job['function']}, report_only=True)",
                             store_history=True)
    err = res.error_in_exec or res.error_before_exec
    return {"text": shown.getvalue(), "error": f"{type(err).__name__}: {err}" if err else None}


def main():
    jobs = json.load(sys.stdin)
    import torch
    torch.set_num_threads(1)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.enabled = False         # forked shells must not share a history database
    shell = InteractiveShell.instance(config=config)
    from course import forbidden, selfcheck
    forbidden.warm_up()                          # once, before the forks (as the sandbox's zygote)
    selfcheck._record_like_the_grader()
    out = []
    for job in jobs:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                data = _dumps(run(shell, job)).encode()
            except BaseException as e:            # the job's own doing: reported, the driver goes on
                data = _dumps({"text": "", "error": f"driver: {type(e).__name__}: {e}"}).encode()
            view = memoryview(data)
            while view:
                view = view[_write(w, view):]
            _exit(0)
        os.close(w)
        chunks = []
        while select.select([r], [], [], JOB_SECONDS)[0]:
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
        os.close(r)
        os.waitpid(pid, 0)
        data = b"".join(chunks)
        out.append(json.loads(data) if data else {"text": "", "error": "driver: no answer (killed or crashed)"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
