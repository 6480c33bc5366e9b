"""scripts/relayout.py's rewriting on its own (no file moved): token-safe, idempotent, every import form."""
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import relayout  # noqa: E402


@pytest.fixture
def plan():
    p = relayout.Plan()
    p.moved_now |= set(p.dotted)             # as in the run that moves everything
    return p


@pytest.mark.parametrize("old, new", [
    ("autograder.results", "autograder.core.results"),
    ("autograder.results_log", "autograder.results_log"),                  # another token
    ("autograder.core.results", "autograder.core.results"),                # already new
    ("autograder.pipeline.write_results.student_folder", "autograder.run.write.student_folder"),
    ("autograder.pipeline.read_notebook", "autograder.pipeline.read_notebook"),  # stays
    ("autograder.functions.FUNCTIONS", "autograder.exercises.EXERCISES"),   # a deleted shim's re-export
    ("autograder.cases.Case", "autograder.exercises.record.Case"),
    ("autograder.integrity.normalise.squash", "autograder.grading.normalise.squash"),
    ("autograder.integrity.cluster", "autograder.report.integrity.cluster"),
    ("autograder.report", "autograder.report.report"),                     # a module, then a package
    ("autograder.report.data", "autograder.report.data"),
    ("autograder.hidden", "autograder.hidden"),                            # the notebooks' public name
])
def test_dotted_names(plan, old, new):
    assert plan.map_dotted(old) == new
    assert plan.map_dotted(new) == new or old == "autograder.report"       # idempotent (see below)


def test_an_ambiguous_name_is_rewritten_only_in_the_run_that_moves_it():
    later = relayout.Plan()                  # a second run: autograder/report.py is gone
    assert later.map_dotted("autograder.report") == "autograder.report"
    assert later.map_dotted("autograder.report.report.main") == "autograder.report.report.main"


@pytest.mark.parametrize("text, new", [
    ("see autograder/report.py and autograder/report_data.py.", "see autograder/report/report.py and "
                                                               "autograder/report/data.py."),
    ("/autograder/results/results.json", "/autograder/results/results.json"),   # Gradescope's folder
    ("autograder/templates/report/report.css", "autograder/report/templates/report.css"),
    ("python -m autograder.make_public_cases", "python -m autograder.grading.make_public_cases"),
])
def test_text(plan, text, new):
    assert relayout.rewrite_text(plan, text) == new
    assert relayout.rewrite_text(relayout.Plan(), new) == new


@pytest.mark.parametrize("src, module, new", [
    ("from autograder import suites, results as R\n", "tests.x",
     "from autograder.grading import suites\nfrom autograder.core import results as R\n"),
    ("from autograder import __version__, functions\nfunctions.FUNCTIONS\n", "tests.x",
     "from autograder import __version__, exercises as functions\nfunctions.EXERCISES\n"),
    ("from autograder.functions import FUNCTIONS, PREAMBLE  # noqa: E402\n", "tests.x",
     "from autograder.exercises import EXERCISES as FUNCTIONS, PREAMBLE  # noqa: E402\n"),
    ("def f():\n    from autograder.pipeline import write_results\n", "tests.x",
     "def f():\n    from autograder.run import write as write_results\n"),
    ("from .write_results import csv_cell\nfrom .open_submission import LINK\n", "autograder.pipeline.collect_results",
     "from autograder.run.write import csv_cell\nfrom autograder.pipeline.open_submission import LINK\n"),
    ("from . import confinement, protocol\n", "autograder.sandbox.runner", "from . import confinement, protocol\n"),
    ("import autograder.report_data as rd\n", "tests.x", "import autograder.report.data as rd\n"),
])
def test_imports(plan, src, module, new):
    new_module = relayout._module_of(plan.map_path(module.replace(".", "/") + ".py"))
    got = relayout.rewrite_python(plan, src, module, new_module, False)
    assert got == new
    assert relayout.rewrite_python(relayout.Plan(), got, new_module, new_module, False) == got
