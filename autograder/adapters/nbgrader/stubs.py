"""``EditionClearSolutions``: nbgrader's ClearSolutions with each edition's own answer stub (issue #25).

``nbgrader generate_assignment`` puts one stub in place of every solution: ``ClearSolutions.code_stub``
in a code cell, ``ClearSolutions.text_stub`` in a written answer. Those are one setting per course
directory, but the two editions live in one course directory and their students read different
languages: the Chinese edition's stub is "在这里写你的答案 / YOUR ANSWER HERE", the English edition's
"YOUR ANSWER HERE". This preprocessor takes the stubs of the assignment being generated (nbgrader
names it in ``resources``) from ``edition_stubs``; an assignment not named there keeps
``ClearSolutions``' own stubs. So the instructor's ``generate_assignment pooling_en`` -- from the
command line or the formgrader's button -- gives English stubs with no other switch.

The kit reads whatever stub each edition's release/ holds (a written cell still holding either
edition's stub is not "answered"), so a stub changed here needs only ``make release``.
"""
from typing import Any

from nbgrader.preprocessors import ClearSolutions
from traitlets import Dict


class EditionClearSolutions(ClearSolutions):
    """ClearSolutions whose stubs follow the edition (the nbgrader assignment) being generated."""

    edition_stubs = Dict(
        {},
        help='{assignment: {"code_stub": {language: stub}, "text_stub": stub}}: stubs for one edition',
    ).tag(config=True)

    def preprocess(self, nb: Any, resources: Any) -> Any:
        assignment = (resources.get("nbgrader") or {}).get("assignment")
        own = self.edition_stubs.get(assignment) or {}
        saved = self.code_stub, self.text_stub
        try:
            if "code_stub" in own:
                self.code_stub = dict(self.code_stub, **own["code_stub"])
            if "text_stub" in own:
                self.text_stub = own["text_stub"]
            return super().preprocess(nb, resources)
        finally:
            self.code_stub, self.text_stub = saved
