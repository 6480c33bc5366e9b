#!/usr/bin/env python3
"""Move ``autograder/`` into the tree of issue #21 point 3, and rewrite every reference to it.

Run at the repository root, on a clean work tree (after merging every branch)::

    python scripts/relayout.py            # moves, rewrites, writes the shims, prints a summary
    python scripts/relayout.py --check    # says what it would do, changes nothing (exit 1 if anything)

Idempotent: a file already at its new place is skipped, a module that does not exist is
skipped, a second run changes nothing. What it does, in order:

1. ``git mv`` every file of :data:`MOVES` still at its old place (a folder is moved file by
   file, so a module someone added to an old folder moves with it);
2. ``git rm`` the leftover shims of :data:`DELETED` (their callers are pointed at what they
   re-exported);
3. writes each new package's ``__init__.py`` (a docstring only, :data:`PACKAGES`) where missing;
4. rewrites every reference to an old dotted name or file path in the tracked text files
   (``import`` statements with their relative forms, dotted names in code, strings and docs,
   file paths), token-safe: ``autograder.results`` never matches ``autograder.results_log``;
5. writes the thin shims of :data:`SHIMS` at old paths that deployed files name;
6. prints a summary, and every ``.py`` of ``autograder/`` it has no rule for (a module someone
   added at an old place: place it by adding a line to :data:`MOVES` and run again).

The layers, lowest first (``tests/test_import_structure.py`` holds every import to them):
``core < sandbox < exercises < grading < pipeline < run < report < adapters < cli``.
"""
from __future__ import annotations

import argparse
import ast
import pathlib
import re
import subprocess
import sys
import textwrap

ROOT = pathlib.Path.cwd()

# ------------------------------------------------------------------ the table: old -> new
# Files and folders, paths from the repository root. A folder entry moves every file in it; an
# entry for a file inside a folder that also moves comes first (it wins: longest prefix).
MOVES: list[tuple[str, str]] = [
    # core/: the typed core and the leaves every layer may use
    ("autograder/results.py", "autograder/core/results.py"),
    ("autograder/totals.py", "autograder/core/totals.py"),
    ("autograder/course_dir.py", "autograder/core/course_dir.py"),
    ("autograder/deadlines.py", "autograder/core/deadlines.py"),
    ("autograder/csv_cells.py", "autograder/core/csv_cells.py"),
    ("autograder/terminal.py", "autograder/core/terminal.py"),
    # the jail's limits are configuration (core/config.py's GradingConfig holds them)
    ("autograder/sandbox/limits.py", "autograder/core/limits.py"),
    # exercises/: one record per graded function, with its reference
    ("autograder/references.py", "autograder/exercises/references.py"),
    # grading/: one function's grade (suites, witnesses, mistake models, evidence, public cases)
    ("autograder/suites.py", "autograder/grading/suites.py"),
    ("autograder/witness.py", "autograder/grading/witness.py"),
    # the generated tables read the suites (grading), so they sit with them
    ("autograder/exercises/tables.py", "autograder/grading/tables.py"),
    ("autograder/mistakes.py", "autograder/grading/mistakes.py"),
    ("autograder/hidden.py", "autograder/grading/hidden.py"),
    ("autograder/make_public_cases.py", "autograder/grading/make_public_cases.py"),
    ("autograder/integrity/normalise.py", "autograder/grading/normalise.py"),
    # pipeline/: the grader and its steps
    ("autograder/grader.py", "autograder/pipeline/grader.py"),
    # run/: a class's run (batch, backends, collect, write, the pages' templates)
    ("autograder/batch.py", "autograder/run/batch.py"),
    ("autograder/backends", "autograder/run/backends"),
    ("autograder/pipeline/collect_results.py", "autograder/run/collect.py"),
    ("autograder/pipeline/write_results.py", "autograder/run/write.py"),
    ("autograder/templates/pages", "autograder/run/templates"),
    # report/: the report, its data, plots, templates and the integrity analysis
    ("autograder/report.py", "autograder/report/report.py"),
    ("autograder/report_data.py", "autograder/report/data.py"),
    ("autograder/report_plots.py", "autograder/report/plots.py"),
    ("autograder/report_templates.py", "autograder/report/environment.py"),
    ("autograder/templates/report", "autograder/report/templates"),
    ("autograder/integrity", "autograder/report/integrity"),
    # adapters/: nbgrader, Gradescope, LMS exports and intake
    ("autograder/nbgrader_checksums.py", "autograder/adapters/nbgrader/checksums.py"),
    ("autograder/nbgrader_converters.py", "autograder/adapters/nbgrader/converters.py"),
    ("autograder/nbgrader_execute.py", "autograder/adapters/nbgrader/execute.py"),
    ("autograder/nbgrader_feedback.py", "autograder/adapters/nbgrader/feedback.py"),
    ("autograder/nbgrader_gradebook.py", "autograder/adapters/nbgrader/gradebook.py"),
    ("autograder/nbgrader_late.py", "autograder/adapters/nbgrader/late.py"),
    ("autograder/templates/kit_feedback", "autograder/adapters/nbgrader/templates/kit_feedback"),
    ("autograder/gradescope.py", "autograder/adapters/gradescope.py"),
    ("autograder/export.py", "autograder/adapters/export.py"),
    ("autograder/intake.py", "autograder/adapters/intake.py"),
    ("autograder/written_pdf.py", "autograder/adapters/written_pdf.py"),
    # cli/: the command tree and the progress bar
    ("autograder/cli.py", "autograder/cli/commands.py"),
    ("autograder/progress.py", "autograder/cli/progress.py"),
]

# Leftover shims, deleted: module -> (where its callers go, {name it re-exported: (module, real name)}).
DELETED: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "autograder.functions": ("autograder.exercises", {
        "FUNCTIONS": ("autograder.exercises", "EXERCISES"),
        "GradedFunction": ("autograder.exercises", "Exercise"),
        **{n: ("autograder.exercises", n) for n in
           ("ASSIGNMENT", "BY_NAME", "EXERCISES", "NOTEBOOKS", "PREAMBLE", "Exercise", "functions_in")}}),
    "autograder.cases": ("autograder.exercises", {
        "make_cases": ("autograder.exercises", "make_cases"),
        "Gen": ("autograder.exercises.draw", "Gen"),
        "noncontiguous": ("autograder.exercises.draw", "noncontiguous"),
        "Case": ("autograder.exercises.record", "Case")}),
}

# The packages of the new tree, lowest layer first, with the docstring of a missing __init__.py.
PACKAGES: dict[str, str] = {
    "autograder/core": "The kit's typed core: results, totals, the course directory, deadlines, CSV cells, "
                       "terminal lines.",
    "autograder/sandbox": None,
    "autograder/exercises": None,
    "autograder/grading": "Grading one function: the hidden suites, witnesses, mistake models, evidence "
                          "hashes, public cases.",
    "autograder/pipeline": None,
    "autograder/run": "A class's run: batch, backends (local, Dask), collecting and writing the results, "
                      "the pages' templates.",
    "autograder/run/backends": "Where a batch is graded: this machine's processes (local) or a Dask cluster.",
    "autograder/report": "The class report: its data, plots, templates, and the integrity analysis.",
    "autograder/report/integrity": "Integrity analysis (winnowing, behaviour hashes, clusters): fills a "
                                   "section of the report, never changes a score.",
    "autograder/adapters": "The kit seen by other tools: nbgrader, Gradescope, LMS exports and intake, "
                           "written answers as PDF.",
    "autograder/adapters/nbgrader": "nbgrader's autograde, feedback and gradebook, run by the kit's engine "
                                    "(named in nbgrader_config.py).",
    "autograder/cli": None,                                   # written whole below (FILES)
}
LAYERS = ("core", "sandbox", "exercises", "grading", "pipeline", "run", "report", "adapters", "cli")

# Files of the new tree the script writes (when missing), beside the moved ones.
FILES: dict[str, str] = {
    "autograder/cli/__init__.py": '''"""The command line: ``autograder grade | report | export | ...`` (``commands``), and its progress bar.

``main`` is the console script's entry point (``autograder = "autograder.cli:main"``, as installed
environments name it); it is imported on first use, so ``autograder.cli.progress`` stays light.
"""


def __getattr__(name):
    if name == "main":
        from autograder.cli.commands import main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
''',
    "autograder/cli/__main__.py": '''"""``python -m autograder.cli ...``: the command line."""
import sys

from autograder.cli.commands import main

sys.exit(main())
''',
}

# Thin shims at old paths that deployed files name: old module -> why it is kept.
_DEPLOYED = ("deployed nbgrader_config.py files import it by this name (nbgrader_config.py, "
             "docs/deploy.md, tests/test_hub.py, scripts/make_lab.py)")
SHIMS: dict[str, tuple[str, str]] = {
    "autograder.nbgrader_checksums": (_DEPLOYED, "deprecated"),
    "autograder.nbgrader_converters": (_DEPLOYED, "deprecated"),
    "autograder.nbgrader_execute": (_DEPLOYED, "deprecated"),
    "autograder.nbgrader_feedback": (_DEPLOYED, "deprecated"),
    "autograder.nbgrader_gradebook": (_DEPLOYED, "deprecated"),
    "autograder.nbgrader_late": (_DEPLOYED, "deprecated"),
    "autograder.hidden": ("the notebooks' hidden test cells import ``from autograder.hidden import grade`` "
                          "(source/, and every gradebook made from it) and the student wheel's "
                          "``course.selfcheck`` recognises the name", "public"),
}
# Dotted names never rewritten: the public names of SHIMS that notebooks and the student wheel use.
KEEP_NAMES = {"autograder.hidden"}

# Files never rewritten: golden outputs (byte-identical), student submissions and released
# notebooks (generated), the student wheel's data, this script, and the page written for the new tree.
EXCLUDE = re.compile(r"^(tests/golden/|examples/submitted/|release/|course/public_cases\.json$|"
                     r"scripts/relayout\.py$|docs/architecture\.md$|tests/test_relayout\.py$)")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".cfg", ".sh", ".j2", ".json", ".yml", ".yaml", ".txt", ".ini", ".in",
                 ".html", ".css", ".rst"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run_autograder", "setup.sh"}


# ------------------------------------------------------------------ helpers

def _module_of(path: str) -> str | None:
    """``autograder/a/b.py`` -> ``autograder.a.b``; a folder -> its package; None for data."""
    p = pathlib.PurePosixPath(path)
    if p.suffix == ".py":
        parts = p.with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    if "templates" in p.parts or p.suffix:
        return None
    return ".".join(p.parts)


def _git(*args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=check, capture_output=True, text=True).stdout


def tracked() -> list[str]:
    return [f for f in _git("ls-files", "-z").split("\0") if f]


class Plan:
    """The maps derived from the tables, and what this run did."""

    def __init__(self) -> None:
        self.path_map = dict(MOVES)                           # old path -> new path (files and folders)
        self.text_paths = dict(self.path_map)                 # ... and, in text, the deleted shims' files
        self.text_paths.update({old.replace(".", "/") + ".py": target.replace(".", "/") + "/__init__.py"
                                for old, (target, _names) in DELETED.items()})
        self.dotted: dict[str, str] = {}                      # old module -> new module
        for old, new in MOVES:
            o, n = _module_of(old), _module_of(new)
            if o and n:
                self.dotted[o] = n
        for old, (target, _names) in DELETED.items():
            self.dotted[old] = target
        self.new_names: set[str] = set()                      # every module and package of the new tree
        for _o, n in MOVES:
            m = _module_of(n)
            while m:
                self.new_names.add(m)
                m = m.rpartition(".")[0]
        self.new_names |= {_module_of(p) for p in PACKAGES}
        # Old names that are also names in the new tree (``autograder.report``: a module, then a
        # package): rewritten only in the run that moves them, never again.
        self.ambiguous = {o for o in self.dotted if o in self.new_names}
        self.moved_now: set[str] = set()                      # old modules moved (or deleted) by this run
        self.log: list[str] = []
        self.changed_files: list[str] = []

    # -- dotted names
    def map_dotted(self, name: str) -> str:
        """The new dotted name for ``name`` (a module, or an attribute path through one); else ``name``."""
        parts = name.split(".")
        old_len = next((k for k in range(len(parts), 0, -1) if ".".join(parts[:k]) in self.dotted), 0)
        if not old_len:
            return name
        new_len = next((k for k in range(len(parts), 0, -1) if ".".join(parts[:k]) in self.new_names), 0)
        old = ".".join(parts[:old_len])
        if new_len > old_len or old in KEEP_NAMES:
            return name                                       # already a name of the new tree
        if old in self.ambiguous and old not in self.moved_now:
            return name
        rest = parts[old_len:]
        if old in DELETED and rest:
            module, real = DELETED[old][1].get(rest[0], (DELETED[old][0], rest[0]))
            return ".".join([module, real] + rest[1:])
        return ".".join([self.dotted[old]] + rest)

    def map_path(self, path: str, table: dict[str, str] | None = None) -> str:
        table = self.path_map if table is None else table
        parts = path.split("/")
        for k in range(len(parts), 0, -1):
            head = "/".join(parts[:k])
            if head in table:
                return "/".join([table[head]] + parts[k:])
        return path


# ------------------------------------------------------------------ 1-3: moves, deletions, packages

def _expand(plan: Plan, files: list[str]) -> list[tuple[str, str]]:
    """Every tracked file still at an old place, with its new path (longest old prefix wins)."""
    out = []
    for f in files:
        new = plan.map_path(f)
        if new != f:
            out.append((f, new))
    return out


SHIM_MARK = "sys.modules[__name__] = _module"


def _is_shim(path: str) -> bool:
    p = ROOT / path
    return path.endswith(".py") and _module_of(path) in SHIMS and p.is_file() and \
        SHIM_MARK in p.read_text(encoding="utf-8")


def move(plan: Plan, dry: bool) -> None:
    files = tracked()
    present = set(files)
    for old, new in _expand(plan, files):
        if _is_shim(old):
            continue                                          # the shim this script wrote at the old path
        if new in present or (ROOT / new).exists():
            plan.log.append(f"CONFLICT {old}: {new} exists already (merge them by hand, then run again)")
            continue
        m = _module_of(old)
        for o in plan.dotted:
            if m and (m == o or m.startswith(o + ".")):
                plan.moved_now.add(o)
        if old.endswith("/__init__.py"):                      # a moved package: its folder's name is moved
            plan.moved_now.add(_module_of(old))
        plan.log.append(f"git mv {old} {new}")
        if not dry:
            (ROOT / new).parent.mkdir(parents=True, exist_ok=True)
            _git("mv", old, new)
    for old in DELETED:
        path = old.replace(".", "/") + ".py"
        if path in present:
            plan.moved_now.add(old)
            plan.log.append(f"git rm {path} (a leftover shim: callers now import {DELETED[old][0]})")
            if not dry:
                _git("rm", "-q", path)
    # The ambiguous names moved now: old module file gone this run.
    for o in plan.ambiguous:
        if o.replace(".", "/") + ".py" in present:
            plan.moved_now.add(o)
    for pkg, doc in PACKAGES.items():
        init = f"{pkg}/__init__.py"
        if f"{pkg}/__init__.py" in FILES or (ROOT / init).exists() or doc is None:
            continue
        plan.log.append(f"write {init}")
        if not dry:
            (ROOT / init).parent.mkdir(parents=True, exist_ok=True)
            (ROOT / init).write_text(f'"""{doc}"""\n', encoding="utf-8")
            _git("add", init)
    for path, text in FILES.items():
        if not (ROOT / path).exists():
            plan.log.append(f"write {path}")
            if not dry:
                (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
                (ROOT / path).write_text(text, encoding="utf-8")
                _git("add", path)
    if not dry:                                               # old folders left empty
        for old, _new in MOVES:
            d = ROOT / old
            if d.is_dir():
                for sub in sorted(d.rglob("*"), key=lambda p: -len(p.parts)):
                    if sub.is_dir() and sub.name == "__pycache__":
                        for f in sub.iterdir():
                            f.unlink()
                        sub.rmdir()
                for sub in sorted([d, *d.rglob("*")], key=lambda p: -len(p.parts)):
                    if sub.is_dir() and not any(sub.iterdir()):
                        sub.rmdir()
        tpl = ROOT / "autograder" / "templates"
        if tpl.is_dir() and not any(tpl.iterdir()):
            tpl.rmdir()


# ------------------------------------------------------------------ 4: rewriting

DOTTED = re.compile(r"(?<![\w.])autograder(?:\.\w+)+")
PATH = re.compile(r"(?<![\w/.-])autograder(?:/[\w.-]+)+")


def rewrite_text(plan: Plan, text: str, renames: list[tuple[str, str, str]] | None = None) -> str:
    """Dotted names and file paths in any text (code outside import statements, strings, docs)."""
    def dotted(m: re.Match) -> str:
        return plan.map_dotted(m.group(0))

    def path(m: re.Match) -> str:
        s = m.group(0)
        core = s.rstrip(".")
        return plan.map_path(core, plan.text_paths) + s[len(core):]

    text = DOTTED.sub(dotted, text)
    text = PATH.sub(path, text)
    for alias, old_attr, new_attr in renames or ():
        text = re.sub(rf"(?<![\w.]){re.escape(alias)}\.{old_attr}\b", f"{alias}.{new_attr}", text)
    return text


def _absolute(module: str | None, level: int, here: str, is_pkg: bool) -> str:
    if not level:
        return module or ""
    base = here.split(".") if is_pkg else here.split(".")[:-1]
    base = base[:len(base) - level + 1]
    return ".".join(base + ([module] if module else []))


def _format_import(indent: str, module: str, names: list[str], width: int = 110) -> str:
    line = f"{indent}from {module} import {', '.join(names)}"
    if len(line) <= width:
        return line
    out, cur = [], f"{indent}from {module} import ("
    for i, n in enumerate(names):
        piece = n + (", " if i < len(names) - 1 else ")")
        if len(cur) + len(piece.rstrip()) > width:
            out.append(cur.rstrip())
            cur = indent + "    "
        cur += piece
    out.append(cur)
    return "\n".join(out)


def rewrite_python(plan: Plan, text: str, old_module: str, new_module: str, is_pkg: bool) -> str:
    """A .py file: its ``from ... import`` statements (absolute and relative, names that are
    modules, re-exports of deleted shims), then everything else as text. ``old_module``: the
    file's module before this run's move (relative imports are resolved there); ``new_module``
    after it."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return rewrite_text(plan, text)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))

    def at(lineno: int, col: int) -> int:                    # ast columns are UTF-8 byte offsets
        line = lines[lineno - 1]
        return offsets[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "replace"))

    edits: list[tuple[int, int, str]] = []
    renames: list[tuple[str, str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = _absolute(node.module, node.level, old_module, is_pkg)
        if not (module == "autograder" or module.startswith("autograder.")):
            continue
        out: list[tuple[str, str, str | None]] = []
        for a in node.names:
            full = f"{module}.{a.name}"
            if a.name != "*" and full in plan.dotted and plan.map_dotted(full) != full:
                new_full = plan.map_dotted(full)
                parent, _, leaf = new_full.rpartition(".")
                alias = a.asname or (a.name if leaf != a.name else None)
                out.append((parent, leaf, alias))
                if full in DELETED:                          # the module object of a deleted shim
                    for old_name, (mod, real) in DELETED[full][1].items():
                        if mod == DELETED[full][0] and real != old_name:
                            renames.append((a.asname or a.name, old_name, real))
            elif module in DELETED and (module in plan.moved_now or not (ROOT / (module.replace(".", "/") + ".py")).exists()):
                mod, real = DELETED[module][1].get(a.name, (DELETED[module][0], a.name))
                alias = a.asname or (a.name if real != a.name else None)
                out.append((mod, real, alias))
            else:
                out.append((plan.map_dotted(module), a.name, a.asname))
        if node.level:                                        # relative: what it means where the file is now
            here_now = _absolute(node.module, node.level, new_module, is_pkg)
            if out == [(here_now, a.name, a.asname) for a in node.names]:
                continue
        elif out == [(module, a.name, a.asname) for a in node.names]:
            continue
        groups: dict[str, list[str]] = {}
        for mod, name, alias in out:
            groups.setdefault(mod, []).append(name if alias in (None, name) else f"{name} as {alias}")
        start, end = at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)
        first = lines[node.lineno - 1]
        indent = first[:len(first) - len(first.lstrip())]
        if text[offsets[node.lineno - 1]:start].strip():      # `x; from a import b`: the groups joined by ;
            stmt = "; ".join(f"from {m} import {', '.join(ns)}" for m, ns in groups.items())
        else:
            stmt = "\n".join(_format_import(indent, m, ns) for m, ns in groups.items())[len(indent):]
        edits.append((start, end, stmt))
    if not edits and not renames:
        return rewrite_text(plan, text)
    edits.sort()
    pieces, pos = [], 0
    for start, end, stmt in edits:
        pieces.append(rewrite_text(plan, text[pos:start], renames))
        pieces.append(stmt)
        pos = end
    pieces.append(rewrite_text(plan, text[pos:], renames))
    return "".join(pieces)


def _is_text(path: str) -> bool:
    p = pathlib.PurePosixPath(path)
    return p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES or path.startswith("source/") and p.suffix == ".ipynb"


def rewrite_all(plan: Plan, dry: bool, origin: dict[str, str]) -> None:
    written = {m.replace(".", "/") + ".py" for m in SHIMS} | set(FILES)     # written for the new tree
    for f in tracked():
        if EXCLUDE.match(f) or f in written or not _is_text(f) or not (ROOT / f).is_file():
            continue
        p = ROOT / f
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "autograder" not in text:
            continue
        if f.endswith(".py"):
            old = origin.get(f, f)
            inside = old.startswith(("autograder/", "course/"))
            new = rewrite_python(plan, text, _module_of(old) if inside else "__main__",
                                 _module_of(f) if inside else "__main__", old.endswith("__init__.py"))
        else:
            new = rewrite_text(plan, text)
        if new != text:
            plan.changed_files.append(f)
            if not dry:
                p.write_text(new, encoding="utf-8")


# ------------------------------------------------------------------ 5: shims

def write_shims(plan: Plan, dry: bool) -> None:
    for old, (why, kind) in SHIMS.items():
        path = ROOT / (old.replace(".", "/") + ".py")
        new = plan.dotted[old]
        if not (ROOT / (new.replace(".", "/") + ".py")).exists() and not dry:
            continue                                          # not moved (yet): nothing to point at
        if path.exists():
            continue
        parent, _, leaf = new.rpartition(".")
        status = ("Deprecated, removed in the next release" if kind == "deprecated"
                  else "A public name, kept")
        body = textwrap.fill(f"Kept at its old name because {why}. The name is bound to the module itself, "
                             f"so configuration keyed by its classes and ``from {old} import ...`` work "
                             "unchanged.", width=100)
        text = (f'"""{status}: this module is ``{new}``.\n\n{body}\n'
                f'"""\nimport sys\n\nfrom {parent} import {leaf} as _module\n\n{SHIM_MARK}\n')
        plan.log.append(f"write {path.relative_to(ROOT)} (shim: {kind})")
        if not dry:
            path.write_text(text, encoding="utf-8")
            _git("add", str(path.relative_to(ROOT)))


# ------------------------------------------------------------------ 6: what has no rule

def unplaced() -> list[str]:
    """Every .py of autograder/ outside the layers' packages that is not a shim the script wrote."""
    shims = {m.replace(".", "/") + ".py" for m in SHIMS}
    out = []
    for p in sorted((ROOT / "autograder").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if "__pycache__" in rel or rel == "autograder/__init__.py" or rel in shims:
            continue
        parts = rel.split("/")
        if len(parts) < 3 or parts[1] not in LAYERS:
            out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="say what would change; change nothing")
    args = ap.parse_args(argv)
    if not (ROOT / "autograder" / "__init__.py").is_file():
        print("relayout: run me at the repository root", file=sys.stderr)
        return 2
    plan = Plan()
    before = set(tracked())
    origin: dict[str, str] = {}                              # new path -> old path, for this run's moves
    for old, new in _expand(plan, sorted(before)):
        if not _is_shim(old):
            origin[new] = old
    move(plan, args.check)
    rewrite_all(plan, args.check, origin)
    write_shims(plan, args.check)
    left = unplaced()
    for line in plan.log:
        print(line)
    print(f"rewrote references in {len(plan.changed_files)} files" +
          (": " + ", ".join(plan.changed_files) if plan.changed_files else ""))
    if left:
        print("NO RULE for these modules (add them to MOVES in scripts/relayout.py and run again):")
        for f in left:
            print(f"  {f}")
    if not plan.log and not plan.changed_files:
        print("nothing to do: the tree is already laid out")
    if args.check:
        return 1 if (plan.log or plan.changed_files) else 0
    return 1 if left or any(line.startswith("CONFLICT") for line in plan.log) else 0


if __name__ == "__main__":
    sys.exit(main())
