"""A class's answer texts read straight from a submissions folder: for the benchmarks only.

``autograder report`` never reads submissions: the grader keeps each submission's answer
cells in its record (``SubmissionResult.answers``, results.jsonl) and the report takes them
from there (``report_data.read_results``). A benchmark that analyses a made-up class without
grading it reads them here, through the grader's own steps (``class_submission``'s checked
paths, ``ReadNotebook``'s checked open and size caps, ``FindAnswers``), so the texts are the
ones grading would record.
"""
import os

from autograder import exercises as functions
from autograder.core.cells import answer_texts
from autograder.core.course_dir import EDITIONS
from autograder.pipeline.find_answers import FindAnswers
from autograder.pipeline.find_submissions import class_submission
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook


def _safe_id(student):
    """A student id that names a folder directly below the submissions folder."""
    return bool(student) and not student.startswith(".") and os.sep not in student \
        and (os.altsep is None or os.altsep not in student) and "\0" not in student


def answers_of(root, student, notebooks=None):
    """{function: answer text} of one student (functions whose cells were found)."""
    sub = class_submission(root, student, notebooks or functions.NOTEBOOKS,
                           assignment=EDITIONS)             # either edition's folder (#25)
    reader, finder, cells = ReadNotebook(), FindAnswers(), []
    for nb, path in sorted(sub.notebooks.items()):
        if path is None:
            continue
        try:
            parsed = reader.read(path, root)
        except (InvalidNotebook, OSError, ValueError, RecursionError, MemoryError):
            continue
        cells += finder.find(parsed, [f.name for f in functions.functions_in(nb)])
    return answer_texts(cells)


def read_answers(root, students):
    """{student: {function: text}} for every student whose folder is below ``root``."""
    if not root or not os.path.isdir(root):
        return {}
    return {s: answers_of(root, s) for s in students if _safe_id(s)}
