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

Code cells carry words too: comments and docstrings. Those are translated, and nothing else in a
code cell is: ``editions/en/code.md`` is a declared table of Chinese text -> English text::

    <!-- zh -->
    最大汇聚用 -inf 填充（永远不会胜出），平均汇聚用 0 填充（计入分母）
    <!-- en -->
    max pooling pads with -inf (it never wins), average pooling with 0 (counted in the divisor)

A comment (its text after ``#``) is looked up whole; a docstring paragraph by paragraph (paragraphs
are separated by blank lines; the shared bilingual paragraph is translated once). Only tokens that
``tokenize`` calls COMMENT, and the string tokens ``ast`` calls docstrings, are rewritten, so what
runs is the Chinese cell's code: the build checks that the two cells' tokens, comments and
docstrings aside, are the same (``code_tokens``), and so does the test, independently (``ast``).
A comment or docstring with Chinese in it and no English, or an entry no cell uses, stops the
build. String literals are code: labels printed by shared code go through ``course.language.say``.

The one declared difference in executable code: the English edition chooses its language once, in
one code cell inserted right after the cell that makes ``import course`` work (``LANGUAGE_CELL``).
No other code cell is ever edited for the language. ``tests/test_english_edition.py`` proves both.

The student wheel beside the Chinese notebooks is copied beside the English ones, as
``nbgrader generate_assignment`` copies it into release/ with the notebooks.

Usage: .venv/bin/python scripts/build_english_edition.py [--check]
(``--check``: build in memory and exit 1 if source/pooling_en/ is not what the build makes.)
"""
import argparse
import ast
import copy
import inspect
import io
import pathlib
import re
import shutil
import sys
import tokenize

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
CODE_TABLE = "code.md"                            # comments' and docstrings' English (editions/en/code.md)
ENTRY = re.compile(r"^<!-- (zh|en) -->[ \t]*$", re.MULTILINE)
# Chinese: CJK ideographs, CJK punctuation, full-width forms ("，", "："): what must not stay in English words
HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
DOCSTRING = "<docstring>"                         # what a docstring is in code_tokens


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


def read_code_table(path: pathlib.Path) -> dict:
    """``{Chinese text: English text}`` of the comments' and docstrings' table (``<!-- zh -->`` then
    ``<!-- en -->``, in pairs; text before the first marker: a comment)."""
    parts = ENTRY.split(path.read_text(encoding="utf-8"))[1:]
    table, problems = {}, []
    for i in range(0, len(parts), 4):
        pair = parts[i:i + 4]
        if len(pair) != 4 or pair[0] != "zh" or pair[2] != "en":
            problems.append(f"entry {i // 4 + 1}: expected <!-- zh --> then <!-- en -->")
            break
        zh, en = pair[1].strip("\n"), pair[3].strip("\n")
        if zh in table:
            problems.append(f"given twice: {zh[:60]!r}")
        if not en.strip() or HAN.search(en):
            problems.append(f"no English for {zh[:60]!r}")
        if '"""' in en or "\\" in en:
            problems.append(f'English with \'"""\' or a backslash (it goes into a docstring): {en[:60]!r}')
        table[zh] = en
    if problems:
        raise ProseError(f"{path.name}: " + "; ".join(problems))
    return table


def _docstring_starts(source: str) -> set:
    """``(row, column)`` of each docstring's string token (module, class, function)."""
    starts = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                # the indentation before a docstring is ASCII, so ast's byte column is tokenize's column
                starts.add((first.value.lineno, first.value.col_offset))
    return starts


def code_tokens(source: str) -> list:
    """What runs: the cell's tokens as ``(type, text)``, comments and line breaks inside brackets
    dropped, each docstring one ``DOCSTRING`` token. Equal for two cells exactly when they differ at
    most in comments, docstrings and spacing (an identifier, a literal, an operator all count)."""
    docs = _docstring_starts(source)
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL):
            continue
        if tok.type == tokenize.STRING and tok.start in docs:
            out.append((tok.type, DOCSTRING))
        elif tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE, tokenize.ENDMARKER):
            out.append((tok.type, ""))
        else:
            out.append((tok.type, tok.string))
    return out


def _english_docstring(token: str, column: int, text: str) -> str:
    """The docstring token for `text`, in the original's quotes, indented at `column`."""
    quote = re.match(r"[rRuU]*(\"\"\"|\'\'\'|\"|\')", token)
    assert quote, token
    prefix, q = token[:quote.start(1)], quote.group(1)
    lines = text.split("\n")
    if len(lines) == 1:
        return f"{prefix}{q}{text}{q}"
    indent = " " * column
    body = "\n".join([lines[0]] + [indent + line if line.strip() else "" for line in lines[1:]])
    return f"{prefix}{q}{body}\n{indent}{q}"


def translate_code(source: str, table: dict, used: set, missing: list) -> str:
    """`source` with every comment and docstring that has Chinese in it replaced by its English from
    `table` (keys found go into `used`, texts not found into `missing`); nothing else is touched."""
    if not HAN.search(source):
        return source
    docs = _docstring_starts(source)
    edits = []                                    # (start, end, text): tokenize's (row, column) positions

    def english(zh: str):
        if zh in table:
            used.add(zh)
            return table[zh]
        missing.append(zh)
        return None

    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and HAN.search(tok.string):
            en = english(tok.string[1:].strip())
            if en is not None:
                if "\n" in en:
                    raise ProseError(f"a comment's English is one line: {en[:60]!r}")
                edits.append((tok.start, tok.end, "# " + en))
        elif tok.type == tokenize.STRING and tok.start in docs:
            doc = inspect.cleandoc(ast.literal_eval(tok.string))
            if not HAN.search(doc):
                continue
            paragraphs = re.split(r"\n[ \t]*\n", doc)
            new = [english(p) if HAN.search(p) else p for p in paragraphs]
            if None not in new:
                edits.append((tok.start, tok.end, _english_docstring(tok.string, tok.start[1], "\n\n".join(new))))
    lines = source.splitlines(keepends=True)
    for (r0, c0), (r1, c1), text in sorted(edits, reverse=True):
        head, tail = lines[r0 - 1][:c0], lines[r1 - 1][c1:]
        lines[r0 - 1:r1] = [head + text + tail]
    out = "".join(lines)
    if code_tokens(out) != code_tokens(source):          # belt and braces: only words changed
        raise ProseError("translating comments and docstrings changed the code")
    return out


def language_cell() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(LANGUAGE_CELL["source"])
    cell.id = LANGUAGE_CELL["id"]
    return cell


def build_notebook(zh: nbformat.NotebookNode, prose: dict, name: str, code: dict | None = None,
                   used: set | None = None) -> nbformat.NotebookNode:
    """The English notebook: ``zh``'s cells, markdown replaced by ``prose``, code cells' comments and
    docstrings by their English from ``code`` (keys used go into ``used``), the language cell added."""
    code = {} if code is None else code
    used = set() if used is None else used
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
    cells, untranslated = [], []
    for cell in en.cells:
        if cell.cell_type == "markdown":
            cell.source = prose[cell.id]
        elif cell.cell_type == "code":
            missing: list = []
            cell.source = translate_code(cell.source, code, used, missing)
            untranslated += [f"{cell.id}: {m[:60]!r}" for m in missing]
        cells.append(cell)
        if cell.id == AFTER_CELL:
            cells.append(language_cell())
    if untranslated:
        raise ProseError(f"{name}: comments or docstrings with no English in {CODE_TABLE}: " + "; ".join(untranslated))
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
    orphans = sorted(p.name for p in prose_dir.glob("*.md")
                     if p.stem not in stems and p.name not in ("README.md", CODE_TABLE))
    if orphans:
        raise ProseError(f"prose for no Chinese notebook: {', '.join(orphans)}")
    code, used = read_code_table(prose_dir / CODE_TABLE), set()
    for stem in stems:
        prose_file = prose_dir / f"{stem}.md"
        if not prose_file.is_file():
            raise ProseError(f"{stem}: no English prose ({prose_file.relative_to(root)})")
        zh = nbformat.read(zh_dir / f"{stem}.ipynb", as_version=4)
        en = build_notebook(zh, read_prose(prose_file), stem, code, used)
        out[f"{stem}.ipynb"] = notebook_text(en).encode("utf-8")
    unused = [k for k in code if k not in used]
    if unused:
        raise ProseError(f"{CODE_TABLE}: English for text no code cell has: " + "; ".join(repr(k[:60]) for k in unused))
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
