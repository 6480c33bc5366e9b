"""Which edition a student's notebook is (``pooling`` or ``pooling_en``), from its cells.

The editions share their code cells (issue #25) and differ in their prose, their translated comments
and the English edition's language cell. A cell whose text exactly one edition's release or source
notebooks hold is that edition's print (``edition_prints``); a notebook votes for the edition whose
prints it holds unchanged (``detect_edition``), and the edition with strictly the most votes wins
(``leader``; a tie or no vote: None, for the caller's rule). ``autograder intake`` places notebooks
by it, and the Gradescope run picks the feedback's language by it. A wrong guess can change only a
language or a folder, never a score: the editions' code, points and hidden tests are the same.

Every byte read here may be a student's: malformed JSON or cells are no vote, never an error.
"""
from __future__ import annotations

import collections
import hashlib
import json
from typing import Iterable

from autograder.core import course_dir as course_dirs


def _cell_key(cell) -> "str | None":
    """A cell's type and text (trailing spaces and blank edges ignored: an editor may add them), hashed;
    None for an empty or malformed cell."""
    if not isinstance(cell, dict):
        return None
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(x, str) for x in src):
        src = "".join(src)
    if not isinstance(src, str) or not isinstance(cell.get("cell_type"), str):
        return None
    text = "\n".join(line.rstrip() for line in src.strip().splitlines())
    if not text:
        return None
    return hashlib.sha256(f"{cell['cell_type']}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


def notebook_cells(data: bytes) -> list:
    """The cells of a notebook's bytes, or [] when they are not a notebook (nothing here trusts them)."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError):
        return []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return cells if isinstance(cells, list) else []


def edition_prints(course_dir) -> "dict[str, str]":
    """{cell key: edition} for every cell that exactly one edition's release or source notebooks hold:
    what tells the editions apart (a course with one edition: all its cells are that edition's)."""
    seen: "dict[str, set[str]]" = {}
    for edition in course_dirs.editions(course_dir):
        for folder in (course_dirs.release_dir(course_dir, edition), course_dirs.source_dir(course_dir, edition)):
            for path in sorted(folder.glob("*.ipynb")):
                for cell in notebook_cells(path.read_bytes()):
                    key = _cell_key(cell)
                    if key:
                        seen.setdefault(key, set()).add(edition)
    return {key: next(iter(eds)) for key, eds in seen.items() if len(eds) == 1}


def detect_edition(data: bytes, prints: "dict[str, str]") -> collections.Counter:
    """How many distinct cells of each edition (``edition_prints``) a notebook holds unchanged."""
    keys = {_cell_key(cell) for cell in notebook_cells(data)}
    return collections.Counter(prints[k] for k in keys if k in prints)


def leader(votes: collections.Counter) -> "str | None":
    """The edition with strictly the most votes, or None (no votes, or a tie)."""
    top = votes.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def edition_of_notebooks(datas: Iterable[bytes], prints: "dict[str, str]", default: str) -> str:
    """The edition a set of notebooks (one student's hand-in) votes for, else `default`."""
    votes: collections.Counter = collections.Counter()
    for data in datas:
        votes.update(detect_edition(data, prints))
    return leader(votes) or default
