"""nbgrader configuration: the repository root is the course directory."""
import os
import sys

c = get_config()  # noqa: F821 (provided by nbgrader)

# nbgrader runs `alembic` by name when it creates a gradebook: find it next to
# the interpreter, so `.venv/bin/nbgrader ...` works without activating the venv.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "d2l-pooling"
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {
    "python": "# 在这里写你的代码 / YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "在这里写你的答案 / YOUR ANSWER HERE"
# The English edition's students read English only (issue #25): its own stubs, set by edition
# (autograder/adapters/nbgrader/stubs.py), so `generate_assignment pooling_en` needs no other switch.
c.EditionClearSolutions.edition_stubs = {
    "pooling_en": {"code_stub": {"python": "# YOUR CODE HERE\nraise NotImplementedError()"},
                   "text_stub": "YOUR ANSWER HERE"},
}

# --- Tamper-proof autograding (autograder/adapters/nbgrader/execute.py) -------------
# Student code runs only in the jailed sandbox, never in a kernel beside the
# tests; tests and points always come from source/. Same points as
# `autograder grade`. Optional cells are worth 0 to nbgrader and their points are
# extra credit (KitSaveAutoGrades; autograder/core/totals.py).
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
# The kit's engine takes tests and points from this course directory's source/ (not the package's).
os.environ.setdefault("AUTOGRADER_COURSE_DIR", ROOT)

from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    CheckCellMetadata, ClearSolutions, ClearOutput, DeduplicateIds, IgnorePattern,
    LimitOutput, OverwriteKernelspec)
from autograder.adapters.nbgrader.checksums import KitOverwriteCells  # noqa: E402
from autograder.adapters.nbgrader.execute import HardenedExecute, HardenedExporter, RepairGradeCells  # noqa: E402
from autograder.adapters.nbgrader.gradebook import KitSaveAutoGrades  # noqa: E402
from autograder.adapters.nbgrader.late import KitAssignLatePenalties  # noqa: E402
from autograder.adapters.nbgrader.stubs import EditionClearSolutions  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402

# nbgrader's own generate_assignment steps, with each edition's answer stubs
_generate_steps = GenerateAssignment.class_traits()["preprocessors"].default()
assert ClearSolutions in _generate_steps, "nbgrader's generate_assignment no longer has ClearSolutions"
c.GenerateAssignment.preprocessors = [EditionClearSolutions if p is ClearSolutions else p for p in _generate_steps]

c.Autograde.exporter_class = HardenedExporter
# KitOverwriteCells: OverwriteCells without the "checksum has changed" line for every honest student
# (hidden tests are not in the released cell); a test cell a student did change is logged as tampering.
c.Autograde.sanitize_preprocessors = [
    ClearOutput, RepairGradeCells, DeduplicateIds, OverwriteKernelspec, KitOverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [
    HardenedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, KitSaveAutoGrades,
    KitAssignLatePenalties, CheckCellMetadata]
# Late work: KitAssignLatePenalties takes the due date, the late policy and the extensions from this
# course directory's deadlines.toml (else the gradebook's due date), as `autograder grade` does
# (autograder/core/deadlines.py: one definition; docs/deploy.md "Deadlines and late work").
# Where the sandbox cannot confine student code's file system or network (no namespaces and no
# Landlock, e.g. a container with the default seccomp profile), `nbgrader autograde` refuses with
# exit status 3 and says how to fix it. To grade there anyway (logged as a weak sandbox):
# c.HardenedExecute.allow_weak_sandbox = True
# The language of the feedback (course.language): "zh+en" (the default), "en" or "zh"; the same as
# `autograder grade --language` (empty: $COURSE_LANGUAGE, else zh+en).
# c.HardenedExecute.language = "en"
# RepairGradeCells and KitOverwriteCells read the source/ and release/ of the edition being autograded
# (`nbgrader autograde pooling` or `nbgrader autograde pooling_en`, issue #25) in this course directory.

# --- Feedback pages that work offline (autograder/adapters/nbgrader/feedback.py) ----
# generate_feedback renders every formula without MathJax (no CDN: the page works offline),
# shows no hidden-test source, and labels its parts in Chinese and English.
from autograder.adapters.nbgrader.feedback import configure as configure_feedback  # noqa: E402

configure_feedback(c)

# --- Files are what they seem (autograder/adapters/nbgrader/converters.py) ---------
# autograde / generate_feedback never follow a link in a submission: linked,
# hard-linked and special files are skipped with a warning (a linked notebook
# is graded 0, invalid), so no link target lands in autograded/ or feedback/.
from autograder.adapters.nbgrader.converters import install as install_hardened_converters  # noqa: E402

install_hardened_converters()
