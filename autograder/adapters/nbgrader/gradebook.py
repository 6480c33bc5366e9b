"""``KitSaveAutoGrades``: nbgrader's SaveAutoGrades, with optional work as extra credit.

What is optional, and its points, is ``autograder.core.totals`` (the one definition): an optional
grade cell is worth 0 to nbgrader (its ``points`` in source/, so ``generate_assignment`` records a
``max_score`` of 0 and every nbgrader maximum leaves it out), and the kit's metadata says its points.
nbgrader's gradebook has a field for points above the maximum, ``Grade.extra_credit``; nbgrader's
score of a cell is ``auto_score`` (or a person's ``manual_score``) plus ``extra_credit``. So for an
optional *autograded* cell this writes ``auto_score`` 0 and the points the kit gave as
``extra_credit``, rewritten at each autograde as ``auto_score`` is. An optional *written* answer is
left to a person, as every written answer is: its maximum is 0, so the formgrader's extra credit
is where its points go.

Every other grade cell is stock SaveAutoGrades.
"""
import copy

from nbgrader import utils
from nbgrader.preprocessors import SaveAutoGrades

from autograder.core import totals


class KitSaveAutoGrades(SaveAutoGrades):
    """SaveAutoGrades; an optional autograded cell's points go to ``extra_credit`` (``autograder.core.totals``)."""

    def preprocess(self, nb, resources):
        self._scheme = totals.scheme()
        return super().preprocess(nb, resources)

    def _add_score(self, cell, resources):
        gid = cell.metadata["nbgrader"]["grade_id"]
        spec = self._scheme.cell(resources["nbgrader"]["notebook"], gid)
        if spec is None or not spec.optional or spec.written:
            return super()._add_score(cell, resources)
        grade = self.gradebook.find_grade(gid, self.notebook_id, self.assignment_id, self.student_id)
        # nbgrader's own reading of the cell's outputs (error: 0; execute_result: partial credit),
        # against the kit's points rather than the 0 nbgrader holds for the cell.
        worth = copy.deepcopy(cell)
        worth.metadata["nbgrader"]["points"] = spec.points
        earned, _ = utils.determine_grade(worth, self.log)
        grade.auto_score = 0.0
        grade.extra_credit = float(earned or 0.0)
        grade.needs_manual_grade = grade.manual_score is not None     # as stock: a person's grade stands
        self.gradebook.db.commit()
