"""One GradingConfig (#21 point 5): built once from options and the environment, passed down; no
module reads the environment at import; the cache key changes with what grades and only with it."""
import ast
import dataclasses
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from autograder.core.config import (CHECK_MEMORY_ENV, CHECK_SECONDS_ENV, NO_WORKERS_ENV, SOURCE_CHECK_ENV,
                                    GradingConfig, Scheduler, SourceCheck, as_config)
from autograder.core.limits import Limits
from conftest import ROOT


# ------------------------------------------------------------------ building it

def test_the_defaults_are_todays():
    config = GradingConfig()
    assert config.limits == Limits() and config.language == "zh+en"
    assert config.suite_budget == 30.0                      # the former suites.SUITE_BUDGET
    assert config.source_check == SourceCheck(True, 8.0, 768 << 20)
    assert config.workers is None and config.scheduler is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, "workers", 2)


@pytest.mark.parametrize("timeout, budget", [(None, 30.0), (10, 30.0), (2, 30.0), (20, 60.0), (100, 300.0)])
def test_the_suite_budget_follows_the_timeout(timeout, budget):
    """--timeout lengthens the suites' budget as it does the notebook's (never below today's 30 s)."""
    config = GradingConfig.build(timeout=timeout, environ={})
    assert config.suite_budget == budget
    assert config.limits.notebook_timeout == Limits.from_timeout(timeout).notebook_timeout


def test_the_environment_is_read_by_the_builder():
    env = {SOURCE_CHECK_ENV: "off", CHECK_SECONDS_ENV: "3", CHECK_MEMORY_ENV: "100", NO_WORKERS_ENV: "2.5",
           "COURSE_LANGUAGE": "zh"}
    config = GradingConfig.build(scheduler="tcp://127.0.0.1:8786", workers=3, language="en", environ=env)
    assert config.source_check == SourceCheck(enabled=False, seconds=3.0, memory=100 << 20)
    assert config.scheduler == Scheduler("tcp://127.0.0.1:8786", 2.5)
    assert config.workers == 3 and config.language == "en"          # the option before $COURSE_LANGUAGE
    said = []
    assert GradingConfig.build(scheduler="tcp://h:1", environ={NO_WORKERS_ENV: "-1"},
                               warn=said.append).scheduler.no_workers_timeout == 60.0
    assert NO_WORKERS_ENV in said[0]


def test_it_crosses_to_a_worker_unchanged():
    config = GradingConfig.build(timeout=4, scheduler="tls://h:1", allow_weak_sandbox=True, language="en",
                                 environ={SOURCE_CHECK_ENV: "off"})
    import json
    again = GradingConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.limits.drop_to == (65534, 65534)


def test_bare_limits_are_the_default_configuration_with_them():
    limits = Limits(call_timeout=20)
    assert as_config(limits) == GradingConfig(limits=limits) and as_config(None) == GradingConfig()
    with pytest.raises(TypeError):
        as_config({"call_timeout": 2})


def test_the_cli_builds_it_from_its_options(monkeypatch):
    from autograder.cli import commands as cli
    monkeypatch.setenv(SOURCE_CHECK_ENV, "off")
    args = cli._parser().parse_args(["grade", "x", "--timeout", "20", "--workers", "2", "--language", "en",
                                     "--allow-weak-sandbox", "--memory", "512"])
    config = cli.grading_config(args)
    assert (config.limits.call_timeout, config.suite_budget, config.workers) == (20.0, 60.0, 2)
    assert config.limits.memory == 512 << 20 and config.limits.child_config()["memory"] == 512 << 20
    assert config.language == "en" and config.limits.allow_weak_sandbox and not config.source_check.enabled


def test_the_nbgrader_adapter_builds_it_from_its_traitlets(monkeypatch):
    from traitlets.config import Config
    from autograder.adapters.nbgrader.execute import HardenedExecute
    c = Config()
    c.HardenedExecute.timeout = 20.0
    c.HardenedExecute.language = "en"
    c.HardenedExecute.memory = 300
    monkeypatch.setenv(CHECK_SECONDS_ENV, "5")
    config = HardenedExecute(config=c).grading_config()
    assert (config.limits.call_timeout, config.suite_budget, config.language) == (20.0, 60.0, "en")
    assert config.source_check.seconds == 5.0 and config.limits.memory == 300 << 20
    assert HardenedExecute().grading_config().limits.memory == Limits.memory      # 2048 MiB unless set


@pytest.mark.parametrize("mib", [None, 128, 2048, 65536])
def test_the_memory_limit_in_mib(mib):
    limits = GradingConfig.build(memory_mib=mib, environ={}).limits
    assert limits.memory == (2 << 30 if mib is None else mib << 20)
    assert limits.child_config()["memory"] == limits.memory


@pytest.mark.parametrize("mib", [0, 64, 127, 65537, -1, 256.5])
def test_a_memory_limit_outside_its_range_is_refused(mib, tmp_path, capsys):
    from autograder.cli.commands import main
    with pytest.raises(ValueError, match="--memory.*内存上限"):
        GradingConfig.build(memory_mib=mib, environ={})
    if isinstance(mib, int):           # the command: exit 2, one line, nothing written
        out = tmp_path / "out"
        assert main(["grade", str(ROOT / "examples" / "submitted"), "--out", str(out), "--memory", str(mib),
                     "--quiet"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("autograder: --memory must be whole MiB") and not out.exists()


def test_the_memory_limit_is_part_of_the_cache_key():
    fields = [GradingConfig.build(memory_mib=m, environ={}).grading_fields() for m in (None, 512)]
    assert fields[0] != fields[1] and fields[0] == GradingConfig.build(environ={}).grading_fields()


def test_one_route_to_the_workers():
    """The backends take no limits: they grade under the run's grader's configuration."""
    import inspect
    from autograder.run.backends.dask import DaskBackend
    from autograder.run.backends.local import LocalBackend
    from autograder.run.batch import backend_for
    for backend in (LocalBackend, DaskBackend):
        assert "limits" not in inspect.signature(backend).parameters
    assert backend_for(GradingConfig(workers=3)).workers == 3
    dask = backend_for(GradingConfig.build(scheduler="tcp://h:1", environ={NO_WORKERS_ENV: "7"}))
    assert (dask.address, dask.no_workers) == ("tcp://h:1", 7.0)


def test_the_grader_passes_it_down():
    from autograder.pipeline.grader import Grader
    config = GradingConfig.build(timeout=20, environ={SOURCE_CHECK_ENV: "off"})
    g = Grader(config)
    assert g.config is config and g.limits is config.limits and g.runner.config is config


# ------------------------------------------------------------------ nothing read at import

def _module_level_env_reads(path):
    """Module-level code (outside any function) of `path` that reads os.environ / os.getenv."""
    tree = ast.parse(path.read_bytes(), str(path))
    found = []

    def walk(node, in_function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function = True
        if not in_function and isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            walk(child, in_function)
    walk(tree, False)
    return found


def test_no_module_reads_the_environment_at_import():
    bad = {}
    for path in sorted((ROOT / "autograder").rglob("*.py")) + sorted((ROOT / "course").rglob("*.py")):
        lines = _module_level_env_reads(path)
        if lines:
            bad[str(path.relative_to(ROOT))] = lines
    assert bad == {}


def test_the_source_check_is_not_switched_off_by_an_import(monkeypatch):
    monkeypatch.setenv(SOURCE_CHECK_ENV, "off")
    from autograder.pipeline.check_source import CheckSource
    assert CheckSource().enabled and not CheckSource(SourceCheck(enabled=False)).enabled


def test_export_leaves_path_as_it_was(monkeypatch, tmp_path):
    from autograder.core.gradebook import alembic_on_path, open_gradebook
    monkeypatch.setenv("PATH", "/usr/bin:/bin")            # alembic (beside this interpreter) not on it
    with alembic_on_path():
        inside = os.environ["PATH"]
    assert os.environ["PATH"] == "/usr/bin:/bin"
    assert inside.split(os.pathsep)[0] == os.path.dirname(sys.executable)
    with open_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:    # a new gradebook runs alembic
        gb.add_assignment("pooling")
    assert os.environ["PATH"] == "/usr/bin:/bin"


# ------------------------------------------------------------------ the cache key

@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory):
    """autograder/ and course/ (their Python files) in a scratch repository, to edit."""
    root = tmp_path_factory.mktemp("kit")
    for package in ("autograder", "course"):
        shutil.copytree(ROOT / package, root / package, ignore=lambda d, names: [
            n for n in names if not (n.endswith(".py") or (pathlib.Path(d) / n).is_dir()) or n == "__pycache__"])
    return root


@pytest.mark.parametrize("edited, changes", [
    ("autograder/report/report.py", False), ("autograder/report/data.py", False), ("autograder/adapters/export.py", False),
    ("autograder/cli/commands.py", False), ("autograder/adapters/nbgrader/feedback.py", False),
    ("autograder/exercises/windows.py", True), ("autograder/exercises/pool2d.py", True), ("autograder/grading/suites.py", True),
    ("autograder/sandbox/child.py", True), ("autograder/pipeline/run_suites.py", True),
    ("course/messages.py", True), ("course/forbidden.py", True), ("course/source_rules/policy.py", True),
    ("autograder/core/config.py", True),
])
def test_the_kit_digest_changes_with_what_grades(kit_copy, edited, changes):
    from autograder.pipeline.grader import kit_digest
    path = kit_copy / edited
    before = kit_digest(kit_copy)
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# an edit\n")
        assert (kit_digest(kit_copy) != before) is changes
    finally:
        path.write_bytes(original)
    assert kit_digest(kit_copy) == before


def test_the_key_changes_with_the_grading_fields_only():
    from autograder.pipeline.grader import Grader
    from autograder.pipeline.find_submissions import Submission
    sub = Submission("x", {"01_basics": None})

    def key(config):
        return Grader(config).key(sub, "digest")
    base = key(GradingConfig())
    assert key(GradingConfig(workers=8)) == base
    assert key(GradingConfig(scheduler=Scheduler("tcp://h:1"))) == base
    assert key(GradingConfig.build(timeout=20, environ={})) != base
    assert key(GradingConfig(source_check=SourceCheck(enabled=False))) != base
    assert key(GradingConfig(limits=Limits(language="en"))) != base


def test_the_kit_digest_of_a_fresh_process_is_the_same():
    """Dask compares the workers' digests with the client's: it depends on the files alone."""
    from autograder.pipeline.grader import kit_digest
    code = "from autograder.pipeline.grader import kit_digest; print(kit_digest())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd="/").stdout.strip()
    assert out == kit_digest()


def test_what_the_kit_digest_reads():
    """Everything grading runs (found from the grader and the child's script by their imports), nothing
    that only reports or exports."""
    from autograder.pipeline.grader import GRADING_ROOTS, grading_sources
    files = {p.relative_to(ROOT).as_posix() for p in grading_sources()}
    must = {"autograder/pipeline/grader.py", "autograder/sandbox/child.py", "autograder/exercises/windows.py",
            "autograder/grading/suites.py", "autograder/grading/witness.py", "course/forbidden.py", "course/messages.py",
            "autograder/pipeline/check_source.py", "autograder/core/config.py"}
    must |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder" / "exercises").glob("*.py")}
    must |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "course" / "source_rules").glob("*.py")}
    assert must <= files, sorted(must - files)
    never = {f for f in files if f.split("/")[-1].startswith(("report", "export", "cli", "gradescope",
                                                              "nbgrader_", "intake", "written_pdf"))}
    assert never == set()
    assert len(GRADING_ROOTS) == 2 and all(not f.endswith((".j2", ".html")) for f in files)
