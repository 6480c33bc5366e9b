"""Step 2: pick the student's answer cells -- the only code that will run, in the jail.

A cell is an answer to graded function ``f`` when its nbgrader ``grade_id`` is
``answer_f`` or, if the student stripped or broke the metadata, when it
defines ``f`` at top level (``def f(`` or ``f = ...``). Test cells never run.
Candidates keep notebook order, so the last definition wins, as when the
notebook is run top to bottom; duplicated cells are therefore harmless.
Each is an ``AnswerCell`` (``autograder.core.cells``): the notebook cell's
index, the functions it answers and its source as written; ``runnable(cells)``
gives what the jailed child runs and the parent's check reads, the same cells
with IPython magics and shell escapes turned into calls of a do-nothing
``get_ipython()``. The label (``cell <n> (<f>, <g>)``) is made there, for
output only: nothing parses it back.
"""
import dataclasses
import re

from autograder.core.cells import AnswerCell


def _neutralise(code):
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(code)
    except Exception:
        return "\n".join("pass  # " + line if line.lstrip()[:1] in ("%", "!") else line
                         for line in code.splitlines())


def runnable(cells):
    """The answer cells as the sandbox runs them and the source check reads them (magics neutralised)."""
    return [dataclasses.replace(c, code=_neutralise(c.code)) for c in cells]


class FindAnswers:
    """``find(nb, function_names) -> [AnswerCell]`` in notebook order."""

    def find(self, nb: dict, names: list[str]) -> list[AnswerCell]:
        defines = {n: re.compile(rf"^(?:async\s+)?(?:def\s+{re.escape(n)}\s*\(|{re.escape(n)}\s*=[^=])", re.M)
                   for n in names}
        cells = []
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            meta = cell["metadata"].get("nbgrader", {})
            gid = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else ""
            if gid.startswith("test_") or (meta.get("grade") and not meta.get("solution")):
                continue                                   # tests are the instructor's, never run
            src = cell["source"]
            hit = [n for n in names if gid == f"answer_{n}" or defines[n].search(src)]
            if hit:
                cells.append(AnswerCell(i, tuple(hit), src))
        return cells

    def manual(self, nb: dict, manual_cells: list) -> dict[str, bool]:
        """``{grade_id: answered}`` for the written answers (the last cell with the id counts, as in nbgrader)."""
        found = {}
        for cell in nb["cells"]:
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if isinstance(gid, str):
                found[gid] = cell["source"]
        out = {}
        for m in manual_cells:
            text = found.get(m.grade_id)
            norm = " ".join((text or "").split())
            stub = " ".join((m.stub or "").split())
            out[m.grade_id] = bool(norm) and norm != stub
        return out
