"""The operator rule's static check, run where the student works: in a notebook kernel or on a module.

The grader reads a notebook's answer cells -- the cells that define its graded
functions -- with ``course.source_rules`` before it runs anything
(``autograder/pipeline/check_source.py``). ``course.check()`` asks the same
question of the same rules here, before the grade, on the code the kernel ran:

* **the cells**: the source of every graded function of the notebook that is
  defined in the caller's namespace, one cell per file its code came from. In a
  Jupyter kernel that file is the cell IPython compiled (its text is in
  ``linecache``, as tracebacks use it), ordered by execution count; in a plain
  module it is the module's file. A function whose source cannot be found is
  named in ``RuleSource.unknown``: check() then says the rule was not checked,
  never that it holds.
* **the cell numbers**: the grader's are the notebook file's (1-based, every
  cell counted). Where the kernel knows its notebook (``__session__``, which
  Jupyter Server sets, or ``JPY_SESSION_NAME``), a cell whose text is one of the
  file's code cells gets that number; elsewhere a place is a line alone.

Nothing here changes the student's code or namespace; the text is parsed with
``ast`` and never run.
"""
import ast
import contextlib
from dataclasses import dataclass, field
import functools
import inspect
import json
import linecache
import os
import stat
import sys

from course.source_rules import Finding, Notebook

UNKNOWN_SOURCE = "unknown_source"
MAX_NOTEBOOK_BYTES = 64 << 20          # a notebook file larger than this is not read for cell numbers
GRADER_RECURSION = 1000                # the grader's checker: a fresh interpreter's recursion limit


@dataclass
class RuleSource:
    """What the static check found for one function (``findings``: the grader's ``Finding``s),
    and the cell number of each answer cell it read (None: unknown). ``unknown``: the graded
    functions whose source could not be found (the rule was not checked for them)."""
    findings: list = field(default_factory=list)
    numbers: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    error: str = ""                    # the check itself failed (a bug, or a cell over its means)
    name: str = ""                     # the function checked

    @property
    def unknown_self(self):
        """Whether the checked function's own source could not be read (its rule is then unchecked
        in the source; other functions' unknown sources only narrow what reach can follow)."""
        return self.name in self.unknown

    @property
    def automatic(self):
        """The findings that alone give the function 0 points (an operator named plainly)."""
        return [f for f in self.findings if f.automatic]

    @property
    def reviews(self):
        """The findings a person will look at (the points stand)."""
        return [f for f in self.findings if not f.automatic]

    def number(self, finding):
        return self.numbers[finding.cell] if finding.cell < len(self.numbers) else None


def _code(obj):
    """The code object behind a function (through ``functools.wraps`` decorators), or None."""
    try:
        obj = inspect.unwrap(obj)
    except Exception:            # a broken __wrapped__ chain: the object itself
        pass
    code = getattr(obj, "__code__", None)
    return code if isinstance(code, type(_code.__code__)) else None


def _execution_counts():
    """{IPython cell file name: execution count} in a running IPython, else {}."""
    try:
        shell = sys.modules["IPython"].get_ipython()
        return dict(shell.compile._filename_map)
    except Exception:            # no IPython, or one whose compiler keeps no map
        return {}


def _neutralised(code):
    """``code`` as IPython runs it (magics and shell escapes turned into calls), as the grader reads it."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(code)
    except Exception:
        return code


def _notebook_numbers(namespace):
    """{a code cell's text, stripped: its 1-based number in the notebook file} of the notebook the
    kernel runs, when it is known and readable; else {}."""
    session = namespace.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if not isinstance(session, str) or not session.endswith(".ipynb"):
        return {}
    for path in (session, os.path.basename(session)):
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_NOTEBOOK_BYTES:     # never a FIFO or a device
            return _numbers_in(os.path.abspath(path), st.st_mtime_ns, st.st_size)
    return {}


@functools.lru_cache(maxsize=8)
def _numbers_in(path, _mtime_ns, _size):
    """``_notebook_numbers`` of one saved version of a notebook file (read again when it changes)."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError):
        return {}
    out = {}
    try:
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else str(src)
            for text in (src, _neutralised(src)):
                out[text.strip()] = i + 1            # the last cell with a text wins, as in the grader
    except (AttributeError, TypeError):              # a notebook file not shaped as nbformat says
        return {}
    return out


def _definition_lines(text):
    """{(code name, first line)} of the functions ``text`` defines, parsed with the limits the
    kernel ran it under; empty where it does not parse. A function counts as found only where
    its code's name and first line are among these: the file a code object names need not hold
    it (``exec(compile(code, 'x.ipynb', 'exec'))``, a file edited since it was imported)."""
    try:
        tree = compile(text, "<answer>", "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return set()
    out = set()
    try:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.add((node.name, min([node.lineno] + [d.lineno for d in node.decorator_list])))
            elif isinstance(node, ast.Lambda):
                out.add(("<lambda>", node.lineno))
    except RecursionError:
        return set()
    return out


def answer_cells(namespace, names, own=None):
    """``(cells, numbers, functions, unknown)``: the answer cells of the graded functions ``names``
    found in ``namespace`` (``own``: ``(name, function)`` to use for one of them instead), as
    ``[(label, code)]`` in execution order, their notebook cell numbers (or None), the functions
    each cell defines, and the functions whose source could not be found."""
    objects = {n: namespace.get(n) for n in names}
    if own is not None:
        objects[own[0]] = own[1]
    files, unknown = {}, []
    for n, obj in objects.items():
        if obj is None:
            continue
        code = _code(obj)
        if code is None:
            unknown.append(n)
            continue
        files.setdefault(code.co_filename, []).append((n, code))
    counts = _execution_counts()
    ordered = sorted(files, key=lambda name: counts.get(name, 0))      # stable: unknown counts keep order
    numbers_of = None
    cells, numbers, functions = [], [], []
    for filename in ordered:
        text = "".join(linecache.getlines(filename))
        starts = _definition_lines(text)
        fns = []
        for n, code in files[filename]:
            if (code.co_name, code.co_firstlineno) in starts:
                fns.append(n)
            else:                             # not the code that ran (a notebook file, a fake name)
                unknown.append(n)
        if not fns:
            continue
        if numbers_of is None:
            numbers_of = _notebook_numbers(namespace) if filename in counts else {}
        n = numbers_of.get(text.strip())
        label = f"cell {n} ({', '.join(fns)})" if n else f"({', '.join(fns)})"
        cells.append((label, text))
        numbers.append(n)
        functions.append(fns)
    return cells, numbers, functions, sorted(unknown)


@contextlib.contextmanager
def _as_the_grader_reads():
    """The interpreter's default limits while the check reads the cells: the grader parses in a
    process of its own, so a cell that lifted a limit in the kernel (``sys.setrecursionlimit``,
    ``sys.set_int_max_str_digits``) is read here as the grader reads it (unparsed: for review)."""
    depth, digits = sys.getrecursionlimit(), getattr(sys, "get_int_max_str_digits", lambda: None)()
    frames, f = 0, sys._getframe()                 # the kernel's own frames above check()
    while f is not None:
        frames, f = frames + 1, f.f_back
    try:
        sys.setrecursionlimit(GRADER_RECURSION + frames)
        if digits is not None:
            sys.set_int_max_str_digits(sys.int_info.default_max_str_digits)
        yield
    finally:
        sys.setrecursionlimit(depth)
        if digits is not None:
            sys.set_int_max_str_digits(digits)


def _parse_limits():
    """The interpreter limits that decide what parses (``_as_the_grader_reads`` sets them)."""
    return sys.getrecursionlimit(), getattr(sys, "get_int_max_str_digits", lambda: None)()


@functools.lru_cache(maxsize=2)
def _parsed(codes, limits):
    """The answer cells ``codes`` as one ``Notebook``, parsed once for each text and limits: check()
    on each graded function of a notebook reads the same cells, and a ``Notebook`` keeps what it
    has parsed and scanned (``limits`` is in the key: a cell may parse under one and not another)."""
    return Notebook([(None, code) for code in codes])


def rule_source(name, fn, namespace, policy, names):
    """The static check of ``fn`` (graded function ``name``, rule ``policy``) on the answer cells
    of ``names`` (its notebook's graded functions) as ``namespace`` holds them: the grader's
    ``Notebook.findings``, on the cells the kernel ran. Never raises."""
    try:
        cells, numbers, functions, unknown = answer_cells(namespace, names, own=(name, fn))
    except Exception as e:       # finding the source must never hide the public checks
        return RuleSource(unknown=[name], error=f"{type(e).__name__}: {e}"[:200], name=name)
    out = RuleSource(numbers=numbers, unknown=unknown, name=name)
    if name in unknown:
        return out
    try:
        with _as_the_grader_reads():
            nb = _parsed(tuple(code for _label, code in cells), _parse_limits())
            own = tuple(i for i, fns in enumerate(functions) if name in fns)
            found = set(nb.findings(name, policy, own))
        # A cell Python ran but the parser cannot read (an earlier cell lifted an interpreter
        # limit): unverifiable, as in the grader (``review:unparsed_cell``).
        found |= {Finding(i, 0, "review", "unparsed_cell") for i in nb.unparsed}
        out.findings = sorted(found)
    except (RecursionError, MemoryError):      # the grader's budget would say the same
        out.findings = [Finding(0, 0, "review", "check_budget")]
    except Exception as e:                     # a bug of the check: say so, accuse nobody
        out.unknown = sorted(set(unknown) | {name})
        out.error = f"{type(e).__name__}: {e}"[:200]
    return out
