"""The README's and ``docs/contract.md``'s tables, written from the exercise records.

Each table sits between two markers, ``<!-- tables:NAME -->`` and ``<!-- /tables:NAME -->``;
this module rewrites what is between them and nothing else (``make regen`` runs it, and
``tests/test_manifest.py`` checks that the files are current):

* ``notebooks`` (README): each notebook's graded functions and written answers. The 内容 column
  is prose about the notebook, not about a record: it is kept as written (a new notebook's row
  starts empty);
* ``totals`` (README): required and optional points, autograded and written;
* ``suites`` (README): ``autograder.grading.suites.suites_table()``, each function's property groups;
* ``contract`` (docs/contract.md): each function's signature (its reference's), what it is and
  what it must equal (the record's ``contract``).

    python -m autograder.grading.tables          # rewrite the tables
    python -m autograder.grading.tables --check  # exit 1 if one is stale
"""
from __future__ import annotations

import inspect
import pathlib
import re
import sys
from typing import Dict, List, Tuple

from autograder.core import totals
from autograder.core.course_dir import default_course_dir
from autograder.exercises import EXERCISES, NOTEBOOKS, functions_in

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CONTRACT = ROOT / "docs" / "contract.md"
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _and(items: List[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _exercise_labels(grade_ids: List[str]) -> str:
    """``answer_ex4, answer_ex5, answer_ex6`` -> ``练习 4–6``; ``answer_ex3c`` -> ``练习 3c``."""
    labels = [re.sub(r"^answer_ex", "", g) for g in grade_ids]
    if len(labels) > 2 and all(x.isdigit() for x in labels):
        numbers = [int(x) for x in labels]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"练习 {numbers[0]}–{numbers[-1]}"
    return "练习 " + "、".join(labels)


def _scheme():
    return totals.scheme(default_course_dir())


def _old_rows(text: str, name: str) -> Dict[str, List[str]]:
    """The current table ``name``'s rows, by their first cell (to keep the prose columns)."""
    rows = {}
    for line in _section(text, name)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] and not cells[0].startswith("---"):
            rows[cells[0]] = cells
    return rows


def notebooks_table(old: Dict[str, List[str]]) -> str:
    scheme = _scheme()
    lines = ["| notebook | 内容 | graded functions |", "| --- | --- | --- |"]
    for nb in NOTEBOOKS:
        key = f"`{nb}`"
        about = old.get(key, [key, ""])[1]
        required = [f"`{e.name}`" for e in functions_in(nb) if not e.optional]
        optional = [f"`{e.name}`" for e in functions_in(nb) if e.optional]
        graded = ", ".join(required)
        if optional:
            graded += (", " if graded else "") + _and(optional) + " (附加题, optional)"
        written = [c for c in scheme.cells if c.notebook == nb and c.written]
        if written:
            n = len(written)
            graded += f" + {NUMBER_WORDS.get(n, n)} written answer{'s' if n > 1 else ''}"
        lines.append(f"| {key} | {about} | {graded} |")
    return "\n".join(lines) + "\n"


def totals_table() -> str:
    scheme = _scheme()
    required = [e for e in EXERCISES if not e.optional]
    optional = [e for e in EXERCISES if e.optional]
    written = [c for c in scheme.cells if c.written and not c.optional]
    written_optional = [c for c in scheme.cells if c.written and c.optional]
    lines = ["| part | points | in the maximum |", "| --- | ---: | --- |",
             f"| required, autograded ({len(required)} functions) | {sum(e.points for e in required):g} | yes |"]
    if written:
        lines.append(f"| required, written ({_exercise_labels([c.grade_id for c in written])}) | "
                     f"{sum(c.points for c in written):g} | yes (a person grades them) |")
    if optional:
        names = ", ".join(f"`{e.name}`" for e in optional)
        lines.append(f"| optional, autograded ({names}) | {sum(e.points for e in optional):g} | no: earned above it |")
    if written_optional:
        lines.append(f"| optional, written ({_exercise_labels([c.grade_id for c in written_optional])}) | "
                     f"{sum(c.points for c in written_optional):g} | no: earned above it |")
    return "\n".join(lines) + "\n"


def suites_table() -> str:
    from autograder.grading.suites import suites_table as table
    return table()


def contract_table() -> str:
    lines = ["| notebook | function | must equal |", "| --- | --- | --- |"]
    for e in EXERCISES:
        what, equal = e.contract
        signature = f"`{e.name}{inspect.signature(e.reference)}`"
        optional = ", 附加题 (optional)" if e.optional else ""
        lines.append(f"| {e.notebook.replace('_', ' ')}{optional} | {signature} {what} | {equal} |")
    return "\n".join(lines) + "\n"


def _section(text: str, name: str) -> Tuple[int, str, int]:
    """(start, body, end) of the text between table ``name``'s markers."""
    begin, end = f"<!-- tables:{name} -->\n", f"<!-- /tables:{name} -->"
    i = text.find(begin)
    j = text.find(end, i + len(begin)) if i >= 0 else -1
    if i < 0 or j < 0:
        raise ValueError(f"the markers of table {name!r} are missing ({begin.strip()} ... {end})")
    return i + len(begin), text[i + len(begin):j], j


def rendered() -> Dict[pathlib.Path, str]:
    """Each file's text with its tables written from the records."""
    out = {}
    for path, tables in ((README, ("notebooks", "totals", "suites")), (CONTRACT, ("contract",))):
        text = path.read_text(encoding="utf-8")
        for name in tables:
            start, _, end = _section(text, name)
            body = {"notebooks": lambda: notebooks_table(_old_rows(text, "notebooks")),
                    "totals": totals_table, "suites": suites_table, "contract": contract_table}[name]()
            text = text[:start] + body + text[end:]
        out[path] = text
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stale = 0
    for path, text in rendered().items():
        if path.read_text(encoding="utf-8") == text:
            continue
        if "--check" in argv:
            print(f"{path}: its tables differ from the records': run python -m autograder.grading.tables")
            stale = 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return stale


if __name__ == "__main__":
    sys.exit(main())
