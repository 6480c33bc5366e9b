"""The students' answer cells, read back from the submissions for the integrity report.

The grader records the submissions folder in ``run.json`` (``submissions``); the
report reads each notebook again through the same checked open and robust
reader as grading (``open_submission``: no links, no special files, size caps;
``ReadNotebook``) and picks the answer cells as ``FindAnswers`` does (``grade_id``
``answer_<f>``, or a top-level definition of ``f``; never a test cell), as the
student wrote them: IPython magics are not rewritten, since the text is only
tokenised and shown (escaped), never run.
"""
import os
import re

from autograder import functions
from autograder.course_dir import EDITIONS
from autograder.pipeline.find_submissions import class_submission
from autograder.integrity.normalise import MAX_INPUT_CHARS
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook

# Of one function's answer cells together. Not a cut that hides code: one character more than the
# normaliser reads, so an answer this long gets the review:integrity_budget flag (normalise, then cut).
MAX_ANSWER_CHARS = MAX_INPUT_CHARS + 1


def _safe_id(student):
    """A student id that names a folder directly below the submissions folder."""
    return bool(student) and not student.startswith(".") and os.sep not in student \
        and (os.altsep is None or os.altsep not in student) and "\0" not in student


def _defines(name):
    return re.compile(rf"^(?:async\s+)?(?:def\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*=[^=])", re.M)


_DEFINES = {f.name: _defines(f.name) for f in functions.FUNCTIONS}


def answer_cells(nb, names):
    """[(functions, source)] of a normalised notebook's answer cells, in notebook order."""
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell["metadata"].get("nbgrader", {})
        gid = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else ""
        if gid.startswith("test_") or (meta.get("grade") and not meta.get("solution")):
            continue
        src = cell["source"]
        hit = [n for n in names if gid == f"answer_{n}" or (_DEFINES.get(n) or _defines(n)).search(src)]
        if hit:
            out.append((hit, src))
    return out


def answers_of(root, student, notebooks=None):
    """{function: answer text} of one student (functions whose cells were found)."""
    notebooks = notebooks or functions.NOTEBOOKS
    sub = class_submission(root, student, notebooks, assignment=EDITIONS)   # either edition's folder (#25)
    reader = ReadNotebook()
    out = {}
    for nb, path in sorted(sub.notebooks.items()):
        if path is None:
            continue
        try:
            parsed = reader.read(path, root)
        except (InvalidNotebook, OSError, ValueError, RecursionError, MemoryError):
            continue
        names = [f.name for f in functions.functions_in(nb)]
        for fns, code in answer_cells(parsed, names):
            for fn in fns:
                text = (out[fn] + "\n" + code) if fn in out else code
                out[fn] = text[:MAX_ANSWER_CHARS]
    return out


def read_answers(root, students):
    """{student: {function: text}} for every student whose folder is below ``root``."""
    if not root or not os.path.isdir(root):
        return {}
    return {s: answers_of(root, s) for s in students if _safe_id(s)}
