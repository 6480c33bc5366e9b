"""A student's answer cell, typed: which notebook cell, which graded functions it answers, its text.

::

    AnswerCell(index, functions, code)   index: 0-based position in the notebook's cells;
                                         functions: the graded functions it answers, in order;
                                         code: the cell's source exactly as the student wrote it
    cell.label                           "cell 3 (pool2d, pool2d_padded)": made here, for output only
    bounded(cells)                       the cells kept in records (results.jsonl, cache, Dask):
                                         at most MAX_ANSWER_CHARS of text per function

Student text is hostile: the code is kept as text (never run from here, escaped where shown) and
bounded before it is stored. A leaf: the standard library only.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping

# Of one function's answer cells together: one character more than the integrity normaliser reads
# (``integrity.normalise.MAX_INPUT_CHARS``), so an answer this long still gets its budget flag.
MAX_ANSWER_CHARS = (1 << 20) + 1


@dataclasses.dataclass(frozen=True)
class AnswerCell:
    """One code cell of a submitted notebook that answers some graded functions."""
    index: int                          # 0-based position among the notebook's cells
    functions: tuple[str, ...]          # the graded functions it answers, in the order asked
    code: str                           # the source as written (magics not rewritten)

    def __post_init__(self) -> None:
        if isinstance(self.functions, str):
            raise TypeError("AnswerCell.functions is a sequence of names, not a string")
        object.__setattr__(self, "functions", tuple(str(f) for f in self.functions))
        object.__setattr__(self, "index", int(self.index))

    @property
    def number(self) -> int:
        """The notebook cell's number as a person counts (1-based)."""
        return self.index + 1

    @property
    def label(self) -> str:
        """``cell <n> (<f>, <g>)``: how messages and the sandbox's cell errors name this cell."""
        return f"cell {self.number} ({', '.join(self.functions)})"

    def answers(self, function: str) -> bool:
        return function in self.functions

    def to_dict(self) -> dict:
        return {"index": self.index, "functions": list(self.functions), "code": self.code}

    @classmethod
    def from_dict(cls, d: Mapping) -> "AnswerCell":
        """The cell ``to_dict`` gave; TypeError / KeyError / ValueError when `d` is not one."""
        if not isinstance(d["code"], str) or isinstance(d["index"], bool):
            raise TypeError("not an answer cell")
        return cls(int(d["index"]), tuple(d["functions"]), d["code"])


def bounded(cells: Iterable[AnswerCell], limit: int = MAX_ANSWER_CHARS) -> tuple[AnswerCell, ...]:
    """The cells as records keep them: each function's cells together hold at most `limit`
    characters (as the integrity analysis reads them, joined by newlines); a cell none of whose
    functions has room left is dropped, a longer one is cut. What the analysis reads is unchanged."""
    used: dict[str, int] = {}
    out = []
    for cell in cells:
        room = max((limit - used.get(f, -1) - 1 for f in cell.functions), default=0)
        if room <= 0:
            continue
        code = cell.code[:room]
        for f in cell.functions:
            used[f] = used.get(f, -1) + 1 + len(code)
        out.append(dataclasses.replace(cell, code=code))
    return tuple(out)


def answer_texts(cells: Iterable[AnswerCell], limit: int = MAX_ANSWER_CHARS) -> dict[str, str]:
    """{function: its answer cells' text joined by newlines, cut at `limit`}: what the integrity
    analysis compares."""
    out: dict[str, str] = {}
    for cell in cells:
        for fn in cell.functions:
            text = (out[fn] + "\n" + cell.code) if fn in out else cell.code
            out[fn] = text[:limit]
    return out
