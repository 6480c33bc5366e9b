"""Builds classes of submissions and grades them with `autograder grade` and `nbgrader autograde`.

Shared by test_hostile.py, test_malformed.py and test_nbgrader_hardened.py.
Each grading is done once per test session (memoised here, since the
fixtures live in several modules) in a temporary directory removed at exit.
"""
import atexit
import csv
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source" / "pooling"
HERE = pathlib.Path(__file__).resolve().parent
PY = sys.executable
CALL_TIMEOUT = 2          # seconds per call in these tests (hostile loops hit it)
# Each child's memory in these corpora (--memory, c.HardenedExecute.memory): the memory bomb meets the
# limit all the same, in a quarter of the default's 2 GiB of pages touched per hidden case (it took
# ~26 s of system time per grading at 2 GiB); every honest answer needs a small part of it.
MEMORY_MIB = 512
_MEMO = {}
_BASE = pathlib.Path(tempfile.mkdtemp(prefix="autograder-corpus-"))
atexit.register(shutil.rmtree, _BASE, True)


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in e.get("PYTHONPATH", "").split(os.pathsep) if p])
    e.pop("CI", None)
    e["PATH"] = str(pathlib.Path(PY).parent) + os.pathsep + e.get("PATH", "")   # nbgrader calls `alembic`
    return e


def source_nb(name="01_basics"):
    return json.loads((SOURCE / f"{name}.ipynb").read_text(encoding="utf-8"))


def with_answer(code, function="pool2d", notebook="01_basics"):
    """The source notebook (the instructor's answers) with one answer cell replaced by `code`."""
    nb = source_nb(notebook)
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"answer_{function}":
            c["source"] = code
    return nb


class LoopbackServer:
    """Counts connections on 127.0.0.1; a sandboxed child must never reach it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                continue

    def close(self):
        self._stop.set()
        self.thread.join()
        self.sock.close()


def hostile_cases():
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in ("harness", "__init__"))


def hostile_class(port, out):
    """SUBMISSIONS dir: `honest` plus one student per hostile case (01_basics only)."""
    subs = _BASE / "hostile_class"
    if subs.exists():
        return subs
    def put(student, nb):
        d = subs / student / "pooling"
        d.mkdir(parents=True)
        (d / "01_basics.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    put("honest", source_nb())
    for case in hostile_cases():
        code = (HERE / f"{case}.py").read_text(encoding="utf-8")
        code = code.replace("{PORT}", str(port)).replace("{ROOT}", str(ROOT)).replace("{OUT}", str(out))
        put(f"hostile_{case}", with_answer(code))
    return subs


def run_cli(subs, out, *extra, timeout=900):
    cmd = [PY, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())", "grade", str(subs),
           "--out", str(out), "--timeout", str(CALL_TIMEOUT), "--memory", str(MEMORY_MIB), *extra]
    return subprocess.run(cmd, cwd=str(_BASE), env=env(), capture_output=True, text=True, timeout=timeout)


# The corpora are graded in the CLI's own process (``--workers 1``): a pool would start a worker and a
# zygote per core (~4 CPU-s each, torch twice) and buy no time on a machine the suite already keeps
# busy. What a pool adds is tested where it is the subject (test_hostile_values' pool memory limit,
# test_weak_sandbox's refusal from pool workers, test_cli's run.json).
WORKERS = ("--workers", "1")


def graded_once(key, make_class):
    """A corpus class graded once per session (``autograder grade --workers 1``), shared by every
    test module that reads it: (rows of grades.csv, output folder). ``make_class()`` builds the
    submissions folder; it runs only on the first call for ``key``."""
    if key not in _MEMO:
        out = _BASE / f"{key}_out"
        res = run_cli(make_class(), out, *WORKERS)
        rows = read_grades(out) if (out / "grades.csv").exists() else []
        _MEMO[key] = (rows, out, res)
    rows, out, res = _MEMO[key]
    assert res.returncode == 0, res.stderr[-3000:]
    return rows, out


def read_grades(out):
    with open(pathlib.Path(out) / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def points(rows):
    return {(r["student_id"], r["notebook"], r["grade_id"]): float(r["points"]) for r in rows}


def graded_hostile():
    """(grades rows, out dir, server connections, CLI result) for the hostile class, graded once."""
    if "hostile" not in _MEMO:
        server = LoopbackServer()
        out = _BASE / "hostile_out"
        subs = hostile_class(server.port, out)
        res = run_cli(subs, out, *WORKERS)
        server_conns = server.connections
        _MEMO["hostile"] = (read_grades(out) if (out / "grades.csv").exists() else [], out, server, res)
        _MEMO["hostile_conns"] = server_conns
    return _MEMO["hostile"]


# ------------------------------------------------------------------ nbgrader

def generated_course(course, assignment="pooling", config=None):
    """`course` made a copy of the course directory in which ``nbgrader generate_assignment
    ASSIGNMENT --force`` has run (source/, release/, its own gradebook.db, nbgrader_config.py, or
    `config`'s text): the (CompletedProcess) of that generate_assignment.

    nbgrader generates once per process (~5 s: nbgrader, the kit's config, every notebook) into a
    template, with the course's own nbgrader_config.py; each course is a copy of it. The gradebook
    holds no path (nbgrader_config.py names ``gradebook.db`` beside itself), and what is generated
    does not depend on the autograde-time settings a test adds (``c.HardenedExecute.*``)."""
    key = ("generated", assignment)
    if key not in _MEMO:
        template = _BASE / f"generated_{assignment}"
        template.mkdir()
        shutil.copytree(ROOT / "source", template / "source")
        if (ROOT / "release").is_dir():
            shutil.copytree(ROOT / "release", template / "release")
        shutil.copy(ROOT / "nbgrader_config.py", template / "nbgrader_config.py")
        nbg = str(pathlib.Path(PY).parent / "nbgrader")
        e = env()
        e.pop("AUTOGRADER_COURSE_DIR", None)        # the template's own course directory
        gen = subprocess.run([nbg, "generate_assignment", assignment, "--force"], cwd=template, env=e,
                             capture_output=True, text=True, timeout=600)
        _MEMO[key] = (template, gen)
    template, gen = _MEMO[key]
    course = pathlib.Path(course)
    course.mkdir(parents=True, exist_ok=True)
    for name in ("source", "release"):
        if (template / name).is_dir():
            shutil.copytree(template / name, course / name)
    if (template / "gradebook.db").is_file():
        shutil.copy(template / "gradebook.db", course / "gradebook.db")
    if config is None:
        shutil.copy(template / "nbgrader_config.py", course / "nbgrader_config.py")
    else:
        (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return gen


def nbgrader_config():
    """The course's nbgrader_config.py with these corpora's limits (``run_cli``'s --timeout and
    --memory), so that nbgrader and the CLI grade them alike."""
    cfg = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    return cfg + f"\nc.HardenedExecute.timeout = {float(CALL_TIMEOUT)}\nc.HardenedExecute.memory = {MEMORY_MIB}\n"


def nbgrader_course(name, subs):
    """A temporary copy of the course dir (own gradebook) with `subs` as submitted/, autograded."""
    key = ("nbgrader", name)
    if key in _MEMO:
        return _MEMO[key]
    course = _BASE / f"course_{name}"
    gen = generated_course(course, config=nbgrader_config())
    nbg = str(pathlib.Path(PY).parent / "nbgrader")
    shutil.copytree(subs, course / "submitted")
    auto = subprocess.run([nbg, "autograde", "pooling"], cwd=course, env=env(),
                          capture_output=True, text=True, timeout=1800)
    _MEMO[key] = (course, gen, auto)
    return _MEMO[key]


def gradebook_points(course):
    """(student, notebook, grade_id) -> autograded points, from the course's gradebook."""
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions("pooling"):
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell.cell_type == "code":
                        out[(sub.student.id, nb.name, g.name)] = float(g.score or 0.0)
    return out
