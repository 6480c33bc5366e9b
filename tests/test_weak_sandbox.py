"""Refuse rather than degrade: where nothing can confine a child's file system or network, every
way into the kit stops with exit status 3 and says how to fix it; ``--allow-weak-sandbox`` (and
its nbgrader and Gradescope twins) grades anyway and says so in run.json, the report and the output.

"A machine where nothing can confine the child" is made for real: ``tests/support/old_kernel.py``
runs the command under a seccomp filter that refuses namespaces (as Docker's default profile) and
answers ENOSYS to Landlock (as a kernel before 5.13). In-process tests use
``Limits(namespaces=False, landlock=False)``, unconfined before and after the Landlock layer.
Which resources are missing differs between those worlds (a seccomp allowlist may confine the
network alone), so the tests ask for the file system, which only namespaces or Landlock confine.
"""
import hashlib
import json
import os
import pathlib
import pickle
import shutil
import subprocess
import sys
import time

import pytest

from support.slow import slow_fixture

from autograder.sandbox import confinement
from autograder.core.limits import Limits
from autograder.sandbox.runner import Engine, SandboxTooWeak, SandboxUnavailable

ROOT = pathlib.Path(__file__).resolve().parent.parent
PY = sys.executable
OLD_KERNEL = ROOT / "tests" / "support" / "old_kernel.py"
EXAMPLE = ROOT / "examples" / "submitted" / "alice" / "pooling"
WEAK = Limits(call_timeout=3, notebook_timeout=30, namespaces=False, landlock=False)


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PATH"] = str(pathlib.Path(PY).parent) + os.pathsep + env.get("PATH", "")
    env.pop("CI", None)
    return env


def on_old_kernel(*cmd, cwd=None, timeout=600, env=None):
    """Run `cmd` where neither namespaces nor Landlock exist (tests/support/old_kernel.py)."""
    return subprocess.run([PY, str(OLD_KERNEL), *map(str, cmd)], cwd=cwd, env=env or _env(),
                          capture_output=True, text=True, timeout=timeout)


def cli(*args, old_kernel=True, cwd=None):
    cmd = [PY, "-m", "autograder.cli.commands", *map(str, args)]
    if old_kernel:
        return on_old_kernel(*cmd, cwd=cwd)
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)


def small_class(base, students=("alice",)):
    """SUBMISSIONS/<student>/pooling/01_basics.ipynb for honest students (the other notebooks missing)."""
    subs = pathlib.Path(base) / "submitted"
    for student in students:
        (subs / student / "pooling").mkdir(parents=True)
        shutil.copy(EXAMPLE / "01_basics.ipynb", subs / student / "pooling" / "01_basics.ipynb")
    return subs


def tree(path):
    """{relative path: sha256} of every file below `path`: what a refused run must leave alone."""
    path = pathlib.Path(path)
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def assert_refusal(text, audience_flag):
    """The message says what is missing, how to fix it, and the explicit exception."""
    assert "Refusing to grade" in text and "拒绝评分" in text
    assert "file system" in text and "文件系统" in text
    for fix in ("landlock", "lsm=", "/sys/kernel/security/lsm", "kernel.unprivileged_userns_clone",
                "user.max_user_namespaces", "kernel.apparmor_restrict_unprivileged_userns=0", "AppArmor",
                "--security-opt seccomp=", "Kubernetes", "exit status 3"):
        assert fix in text, fix
    assert audience_flag in text


# ---------------------------------------------------------------- the judgement and the words

def test_missing_reads_the_childs_notes():
    assert confinement.missing({}) == ["fs", "net"]
    assert confinement.missing({"confined": "junk"}) == ["fs", "net"]
    assert confinement.missing({"confined": {"fs": ["landlock"], "net": []}}) == ["net"]
    assert confinement.missing({"confined": {"fs": ["mount_ns", "landlock"], "net": ["netns"]}}) == []


@pytest.mark.parametrize("audience,flag", [("cli", "--allow-weak-sandbox"), ("self", "--allow-weak-sandbox"),
                                           ("nbgrader", "c.HardenedExecute.allow_weak_sandbox = True"),
                                           ("gradescope", "gradescope-bundle OUT.zip --allow-weak-sandbox")])
def test_refusal_message_per_audience(audience, flag):
    text = confinement.refusal_message(["fs", "net"], {"namespaces": False}, audience)
    assert_refusal(text, flag)
    assert "network" in text and "网络" in text
    # only the self-study learner is told the flag is safe, and only for their own code
    assert ("safe for you" in text) == (audience == "self")
    if audience == "self":
        assert "Never use it to grade other people's code" in text


def test_refusal_message_names_only_what_is_missing():
    text = confinement.refusal_message(["net"], {"namespaces": False, "confined": {"fs": ["landlock"], "net": []}})
    assert "cannot confine student code's network" in text and "file system:" not in text


def test_too_weak_crosses_process_boundaries():
    """A pool worker or a Dask worker raises it; the client must get the same error, not a TypeError."""
    e = SandboxTooWeak(["fs"], {"namespaces": False, "confined": {"fs": [], "net": ["seccomp"]}, "pid": 7})
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is SandboxTooWeak and isinstance(back, SandboxUnavailable)
    assert back.missing == ["fs"] and back.notes == e.notes and "pid" not in back.notes
    assert str(back) == str(e)


# ---------------------------------------------------------------- the engine

@pytest.fixture(scope="module")
def engine():
    """One engine (one zygote) for the engine tests: each sets the limits its children get."""
    eng = Engine(WEAK, announce=False)
    yield eng
    eng.close()


def test_engine_refuses_an_unconfined_child_at_once(engine):
    """No restart loop (the kernel will say the same thing again), no child left running."""
    import dataclasses
    from support.processes import descendants_running
    engine.limits = dataclasses.replace(WEAK, allow_weak_sandbox=True)
    engine.spawn().kill()                      # the zygote's start (torch) is not the refusal's time
    engine.limits = WEAK
    t = time.monotonic()
    with pytest.raises(SandboxTooWeak) as info:
        engine.spawn()
    assert time.monotonic() - t < 10
    assert "fs" in info.value.missing and not info.value.notes.get("namespaces")
    assert engine.failed_starts == 0 and engine.zygote is not None and engine.zygote.alive()
    assert "fs" in engine.confinement["missing"] and engine.confinement["allow_weak_sandbox"] is False
    assert descendants_running(engine.zygote.proc.pid) == []


def test_engine_grades_when_weak_sandboxes_are_allowed(engine):
    import dataclasses
    engine.limits = dataclasses.replace(WEAK, allow_weak_sandbox=True)
    with engine.session([("answer", "def double(x):\n    return 2 * x\n")]) as s:
        assert s.call("double", (21,), {}).value == 42
    assert "fs" in engine.confinement["missing"] and engine.confinement["allow_weak_sandbox"] is True


def test_a_confined_child_is_not_refused(engine):
    """Where namespaces (or Landlock) work, as on this machine: nothing missing, nothing refused."""
    engine.limits = Limits(call_timeout=3, notebook_timeout=30)
    engine.spawn().kill()
    assert engine.confinement["missing"] == [] and engine.confinement["fs"] and engine.confinement["net"]


# ---------------------------------------------------------------- autograder grade, for real

@slow_fixture(scope="module")
def refused(tmp_path_factory):
    """`autograder grade` on an old kernel, into an --out that holds an earlier run's files; two
    students and two workers, so the refusal crosses from a pool's worker processes."""
    base = tmp_path_factory.mktemp("weak")
    subs = small_class(base, ("alice", "bob"))
    out = base / "out"
    out.mkdir()
    (out / "grades.csv").write_text("student_id,points\nearlier,1\n", encoding="utf-8")
    (out / "run.json").write_text('{"earlier": true}', encoding="utf-8")
    (out / "students").mkdir()
    (out / "students" / "keep.txt").write_text("an earlier run's file", encoding="utf-8")
    before = tree(out)
    proc = cli("grade", subs, "--out", out, "--quiet", "--workers", "2")
    return proc, out, before, subs


@pytest.mark.slow
def test_grade_refuses_with_exit_status_3(refused):
    proc, out, before, _ = refused
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert_refusal(proc.stderr, "--allow-weak-sandbox")
    assert "safe for you" not in proc.stderr            # an instructor's class is not one's own code
    assert tree(out) == before                           # no grades, and nothing earlier lost


@slow_fixture(scope="module")
def allowed(refused, tmp_path_factory):
    _, _, _, subs = refused
    out = tmp_path_factory.mktemp("weak-allowed") / "out"
    proc = cli("grade", subs, "--out", out, "--quiet", "--workers", "1", "--allow-weak-sandbox")
    return proc, out, subs


@pytest.mark.slow
def test_allow_weak_sandbox_grades_and_records_it(allowed):
    proc, out, _ = allowed
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["allow_weak_sandbox"] is True
    assert "fs" in run["unconfined"] and run["weak_sandbox_students"] == 2
    (summary,) = run["confinement"].values()
    assert "fs" in summary["missing"] and not summary["namespaces"] and summary["fs"] == []
    assert "landlock_abi" in summary and summary["allow_weak_sandbox"] is True
    assert "graded with a weak sandbox" in proc.stderr and "file system" in proc.stderr
    rows = (out / "grades.csv").read_text(encoding="utf-8")
    assert "alice" in rows and "bob" in rows and "test_pool2d_padded" in rows


@pytest.mark.slow
def test_the_report_says_so_at_the_top(allowed):
    proc, out, _ = allowed
    rep = cli("report", out, "--no-integrity", old_kernel=False)
    assert rep.returncode == 0, rep.stderr[-3000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    banner = html.find('id="weak-sandbox"')
    assert 0 < banner < html.find('class="summary"')
    assert "Weak sandbox" in html[banner:banner + 2000] and "file system" in html[banner:banner + 2000]
    assert "graded with a weak sandbox" in rep.stderr


@pytest.mark.slow
def test_a_strict_run_regrades_what_a_weak_one_graded(allowed):
    """Cached results of a weak run are not reused by a run that refuses weak sandboxes."""
    proc, out, subs = allowed
    again = cli("grade", subs, "--out", out, "--quiet", "--workers", "1", old_kernel=False)   # this one confines
    assert again.returncode == 0, again.stderr[-3000:]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["graded"] == 2 and run["skipped"] == 0
    assert run["allow_weak_sandbox"] is False and run["unconfined"] == [] and run["weak_sandbox_students"] == 0
    (summary,) = run["confinement"].values()
    assert summary["missing"] == []
    rep = cli("report", out, "--no-integrity", old_kernel=False)
    assert rep.returncode == 0 and 'id="weak-sandbox"' not in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_self_study_learner_gets_the_message_and_may_allow_it(tmp_path):
    nb = tmp_path / "me" / "01_basics.ipynb"
    nb.parent.mkdir()
    shutil.copy(EXAMPLE / "01_basics.ipynb", nb)
    proc = cli("grade", nb)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert_refusal(proc.stderr, "--allow-weak-sandbox")
    assert "safe for you" in proc.stderr and "自己" in proc.stderr
    assert "test_pool2d" not in proc.stdout               # no score table
    ok = cli("grade", nb, "--allow-weak-sandbox")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "test_pool2d_padded" in ok.stdout and "graded with a weak sandbox" in ok.stdout


# ---------------------------------------------------------------- Gradescope

def test_bundle_script_carries_the_choice():
    from autograder.adapters import gradescope
    strict, weak = gradescope.run_autograder_script(False), gradescope.run_autograder_script(True)
    assert strict.rstrip().endswith("-m autograder.adapters.gradescope run")
    assert weak.rstrip().endswith("-m autograder.adapters.gradescope run --allow-weak-sandbox")
    for script in (strict, weak):
        assert "{run_options}" not in script
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


@pytest.mark.slow
def test_run_autograder_exits_3(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    shutil.copy(EXAMPLE / "01_basics.ipynb", root / "submission" / "01_basics.ipynb")
    env = dict(_env(), AUTOGRADER_GRADESCOPE_ROOT=str(root), AUTOGRADER_COURSE_DIR=str(ROOT))
    proc = on_old_kernel(PY, "-m", "autograder.adapters.gradescope", "run", env=env)
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert_refusal(proc.stdout, "gradescope-bundle OUT.zip --allow-weak-sandbox")
    assert not (root / "results" / "results.json").exists()
    ok = on_old_kernel(PY, "-m", "autograder.adapters.gradescope", "run", "--allow-weak-sandbox", env=env)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    assert json.loads((root / "results" / "results.json").read_text())["score"] > 0
    assert "graded with a weak sandbox" in ok.stdout


# ---------------------------------------------------------------- nbgrader autograde

@slow_fixture(scope="module")
def nbgrader_course(tmp_path_factory):
    """A copy of the course directory with one submission, its assignment generated."""
    import harness                      # the assignment generated once per process, copied here
    course = tmp_path_factory.mktemp("nbg") / "course"
    gen = harness.generated_course(course)
    assert gen.returncode == 0, gen.stderr[-3000:]
    nbg = str(pathlib.Path(PY).parent / "nbgrader")
    (course / "submitted" / "alice" / "pooling").mkdir(parents=True)
    shutil.copy(EXAMPLE / "01_basics.ipynb", course / "submitted" / "alice" / "pooling" / "01_basics.ipynb")
    return course, nbg


@pytest.mark.slow
def test_nbgrader_autograde_refuses(nbgrader_course):
    course, nbg = nbgrader_course
    proc = on_old_kernel(nbg, "autograde", "pooling", cwd=course)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert_refusal(proc.stderr, "c.HardenedExecute.allow_weak_sandbox = True")
    assert not (course / "autograded" / "alice").exists()
    ok = on_old_kernel(nbg, "autograde", "pooling", "--HardenedExecute.allow_weak_sandbox=True", cwd=course)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert (course / "autograded" / "alice" / "pooling" / "01_basics.ipynb").is_file()
    assert "grading with a weak sandbox" in ok.stderr


# ---------------------------------------------------------------- a Dask worker that cannot confine

@pytest.mark.slow
def test_a_dask_worker_that_cannot_confine_fails_the_run(tmp_path):
    """Not zeros, not a retry elsewhere: the run stops with the same refusal (exit 3), no table written."""
    import test_dask

    class OldKernelCluster(test_dask.Cluster):
        def _spawn(self, name, args):                # workers (not the scheduler) on the "old kernel"
            if args[:1] != ["worker"]:
                return super()._spawn(name, args)
            log = open(self.tmp / f"{name}.log", "wb")
            proc = subprocess.Popen([PY, str(OLD_KERNEL), str(test_dask.BIN / "dask"), *args], cwd=self.tmp,
                                    env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            self.procs.append(proc)
            return proc

    from distributed import Client
    c = OldKernelCluster(tmp_path)
    try:
        c.start_scheduler()
        c.start_worker("w0")
        with Client(c.address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(1, timeout=90)
        subs = small_class(tmp_path)
        out = tmp_path / "out"
        proc = cli("grade", subs, "--out", out, "--scheduler", c.address, "--quiet", old_kernel=False)
        assert proc.returncode == 3, proc.stderr[-3000:] + c.logs()
        assert_refusal(proc.stderr, "--allow-weak-sandbox")
        assert not (out / "grades.csv").exists() and not (out / "run.json").exists()
    finally:
        c.stop()
