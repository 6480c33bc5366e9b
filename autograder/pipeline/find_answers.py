"""Step 2: pick the student's answer cells -- the only code that will run, in the jail.

A cell is an answer to graded function ``f`` when its nbgrader ``grade_id`` is
``answer_f`` or, if the student stripped or broke the metadata, when it
defines ``f`` at top level (``def f(`` or ``f = ...``). Test cells never run.
Candidates keep notebook order, so the last definition wins, as when the
notebook is run top to bottom; duplicated cells are therefore harmless.
IPython magics and shell escapes are turned into calls of a do-nothing
``get_ipython()``.

A cell's label, ``cell <n> (<f>, <g>)``, names the notebook cell and the
functions it answers (``label_cell`` / ``label_functions`` read it back).
"""
import re

_LABEL = re.compile(r"^cell (\d+) \((.*)\)$")


def label_cell(label: str) -> int | None:
    """The notebook cell number (1-based) of an answer cell's label, or None."""
    m = _LABEL.match(label)
    return int(m.group(1)) if m else None


def label_functions(label: str) -> list[str]:
    """The graded functions an answer cell's label names."""
    m = _LABEL.match(label)
    return m.group(2).split(", ") if m else []


def _neutralise(code):
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(code)
    except Exception:
        return "\n".join("pass  # " + line if line.lstrip()[:1] in ("%", "!") else line
                         for line in code.splitlines())


class FindAnswers:
    """``find(nb, function_names) -> [(label, code)]`` in notebook order."""

    def find(self, nb: dict, names: list[str]) -> list[tuple[str, str]]:
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
                cells.append((f"cell {i + 1} ({', '.join(hit)})", _neutralise(src)))
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
