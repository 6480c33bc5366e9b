"""Build the English edition's source notebooks (source/pooling_en/) from the Chinese ones (issue #25).

One source of truth for code: every code cell of an English notebook -- solutions, test cells,
stubs, hints' code, demo code -- IS the Chinese notebook's cell, byte for byte, with its id and its
metadata (nbgrader's included). Only the prose differs: each markdown cell is replaced by its
English text from ``editions/en/<notebook>.md``, keyed by the cell's id::

    <!-- cell: 01-000 -->
    # Pooling (1): Maximum Pooling and Average Pooling
    ...

A markdown cell with no English text, English text for a cell that does not exist (or is code), a
cell given twice: the build stops and names them. Markdown cells keep their metadata too (a
written-answer cell stays the same nbgrader grade cell, with the same points).

The one declared difference in code: the English edition chooses its language once, in one code
cell inserted right after the cell that makes ``import course`` work (``LANGUAGE_CELL``). No other
code cell is ever edited for the language. ``tests/test_english_edition.py`` proves both.

The student wheel beside the Chinese notebooks is copied beside the English ones, as
``nbgrader generate_assignment`` copies it into release/ with the notebooks.

Usage: .venv/bin/python scripts/build_english_edition.py [--check]
(``--check``: build in memory and exit 1 if source/pooling_en/ is not what the build makes.)
"""
import argparse
import copy
import pathlib
import re
import shutil
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
ZH, EN = "pooling", "pooling_en"                 # the two nbgrader assignments (autograder.core.course_dir.EDITIONS)
PROSE = ROOT / "editions" / "en"                 # not under source/: generate_assignment copies everything there
AFTER_CELL = "use-course-wheel"                  # the language cell comes right after this one
LANGUAGE_CELL = {
    "id": "use-language",
    "source": 'course.use_language("en")  # English only; "zh+en": Chinese with English beside, "zh": Chinese',
}
MARKER = re.compile(r"^<!-- cell: (?P<id>[A-Za-z0-9_-]+) -->[ \t]*$", re.MULTILINE)


class ProseError(ValueError):
    """The English prose does not match the Chinese notebook's markdown cells."""


def read_prose(path: pathlib.Path) -> dict:
    """``{cell id: English markdown}`` of one prose file (text before the first marker: a comment)."""
    text = path.read_text(encoding="utf-8")
    parts = MARKER.split(text)
    prose, twice = {}, []
    for cell_id, body in zip(parts[1::2], parts[2::2]):
        if cell_id in prose:
            twice.append(cell_id)
        prose[cell_id] = body.strip("\n")
    if twice:
        raise ProseError(f"{path.name}: cells given twice: {', '.join(twice)}")
    return prose


def language_cell() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(LANGUAGE_CELL["source"])
    cell.id = LANGUAGE_CELL["id"]
    return cell


def build_notebook(zh: nbformat.NotebookNode, prose: dict, name: str) -> nbformat.NotebookNode:
    """The English notebook: ``zh``'s cells, markdown replaced by ``prose``, the language cell added."""
    en = copy.deepcopy(zh)
    markdown = {c.id for c in zh.cells if c.cell_type == "markdown"}
    missing = [c.id for c in zh.cells if c.cell_type == "markdown" and c.id not in prose]
    extra = sorted(set(prose) - markdown)
    problems = []
    if missing:
        problems.append("Chinese markdown cells with no English text: " + ", ".join(missing))
    if extra:
        problems.append("English text for no markdown cell: " + ", ".join(extra))
    if not any(c.id == AFTER_CELL for c in zh.cells):
        problems.append(f"no cell {AFTER_CELL!r} to put the language cell after")
    if problems:
        raise ProseError(f"{name}: " + "; ".join(problems))
    cells = []
    for cell in en.cells:
        if cell.cell_type == "markdown":
            cell.source = prose[cell.id]
        cells.append(cell)
        if cell.id == AFTER_CELL:
            cells.append(language_cell())
    en.cells = cells
    nbformat.validate(en)
    return en


def notebook_text(nb) -> str:
    """As the repository writes a notebook (nbformat's JSON, one final newline)."""
    return nbformat.writes(nb) + "\n"


def build(root: pathlib.Path = ROOT) -> dict:
    """``{file name: bytes}`` of source/pooling_en/: the notebooks and the wheel(s)."""
    zh_dir, prose_dir = root / "source" / ZH, root / "editions" / "en"
    out = {}
    stems = sorted(p.stem for p in zh_dir.glob("*.ipynb"))
    orphans = sorted(p.name for p in prose_dir.glob("*.md") if p.stem not in stems and p.stem != "README")
    if orphans:
        raise ProseError(f"prose for no Chinese notebook: {', '.join(orphans)}")
    for stem in stems:
        prose_file = prose_dir / f"{stem}.md"
        if not prose_file.is_file():
            raise ProseError(f"{stem}: no English prose ({prose_file.relative_to(root)})")
        zh = nbformat.read(zh_dir / f"{stem}.ipynb", as_version=4)
        out[f"{stem}.ipynb"] = notebook_text(build_notebook(zh, read_prose(prose_file), stem)).encode("utf-8")
    for wheel in sorted(zh_dir.glob("*.whl")):
        out[wheel.name] = wheel.read_bytes()
    return out


def stale(root: pathlib.Path = ROOT) -> list:
    """The files of source/pooling_en/ that differ from the build (or are missing, or are extra)."""
    want, en_dir = build(root), root / "source" / EN
    have = {p.name for p in en_dir.iterdir() if p.is_file()} if en_dir.is_dir() else set()
    return sorted(n for n in set(want) | have
                  if n not in want or n not in have or (en_dir / n).read_bytes() != want[n])


def write(root: pathlib.Path = ROOT) -> list:
    """Write source/pooling_en/ (files no longer built are removed); return the files written."""
    files, en_dir = build(root), root / "source" / EN
    en_dir.mkdir(parents=True, exist_ok=True)
    for p in en_dir.iterdir():
        if p.name not in files:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    for name, data in sorted(files.items()):
        tmp = en_dir / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(en_dir / name)
    return sorted(files)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether source/pooling_en/ is current")
    args = parser.parse_args(argv)
    try:
        if args.check:
            differ = stale()
            if differ:
                print("source/pooling_en/ is stale: " + ", ".join(differ)
                      + " (run scripts/build_english_edition.py)", file=sys.stderr)
                return 1
            return 0
        for name in write():
            print(f"source/{EN}/{name}")
    except ProseError as e:
        print(f"build_english_edition: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
