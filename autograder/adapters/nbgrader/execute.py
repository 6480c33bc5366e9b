"""Plain ``nbgrader autograde`` through the tamper-proof engine (enabled in ``nbgrader_config.py``).

Three pieces, each replacing or preceding one stock step:

* ``HardenedExporter`` (``Autograde.exporter_class``): reads a submission the
  way ``autograder grade`` does, through ``open_submission`` (no links, no hard
  links, no FIFOs). An unreadable or refused notebook becomes a placeholder
  marked invalid (0 points, a reason) instead of failing the student's whole
  submission; UTF-16/GBK files and old nbformat are converted. The copy nbgrader
  works on is made writable (``encodable``: a lone surrogate such as the JSON
  escape ``\\ud800`` becomes U+FFFD, in any string, key or cell id; invalid or
  duplicate cell ids are replaced), so no student's text can stop nbformat, the
  gradebook or the HTML exporter. The grading pass gets the notebook as read,
  unchanged, as ``autograder grade`` does (same points).
* ``RepairGradeCells`` (first sanitize step): remembers the notebook as
  submitted, for the answer cells; then makes every cell's nbgrader metadata
  the instructor's (unknown ids removed, broken metadata dropped, points and
  flags from ``source/``) and puts back deleted grade cells, so nbgrader's own
  DeduplicateIds / OverwriteCells / CheckCellMetadata never trip.
* ``HardenedExecute`` (replaces ``Execute``): no kernel. Student answer cells
  run only in the jailed child; each test cell gets a stdout stream with the
  feedback and an ``execute_result`` with the points (nbgrader's partial
  credit), never stderr. The points are those ``autograder grade`` gives.
"""
import contextlib
import copy
import json
import os
import pathlib
import re
import secrets
from typing import TYPE_CHECKING

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Int, Unicode, default

from autograder.pipeline.open_submission import printable, under
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook
from autograder.core import course_dir
from autograder.core.limits import Limits

if TYPE_CHECKING:
    from autograder.core.config import GradingConfig
    from autograder.pipeline.grader import Grader

INVALID_KEY = "autograder_invalid"
SUBMITTED_KEY = "autograder_submitted"     # resources: the notebook as read (ReadNotebook), for grading

# Code points UTF-8 cannot encode: lone surrogates (a JSON escape such as \ud800, or an undecodable
# byte of a file name decoded with surrogateescape). Every other code point has a UTF-8 form.
_UNENCODABLE = re.compile("[\ud800-\udfff]")
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")          # nbformat 4.5's schema for cell ids


def encodable(value: object) -> object:
    """A copy of JSON-like `value` whose strings (dict keys included) UTF-8 can encode: each lone
    surrogate becomes U+FFFD. Iterative, so a nesting depth the JSON reader accepted never overflows."""
    def fix(v):
        return _UNENCODABLE.sub("\ufffd", v) if isinstance(v, str) else v
    if not isinstance(value, (dict, list)):
        return fix(value)
    top = {} if isinstance(value, dict) else []
    stack = [(value, top)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in items:
            if isinstance(v, (dict, list)):
                new = {} if isinstance(v, dict) else []
                stack.append((v, new))
            else:
                new = fix(v)
            if isinstance(dst, dict):
                dst[fix(k)] = new
            else:
                dst.append(new)
    return top


def is_encodable(text: object) -> bool:
    """True when `text` (a name, an id) can be written as UTF-8, e.g. stored in the gradebook."""
    return not _UNENCODABLE.search(str(text))


def repair_cell_ids(nb: dict) -> None:
    """Give every cell of an nbformat >= 4.5 notebook a valid, unique id (nbformat's schema): a
    missing, malformed or repeated id (student-controlled) is replaced by a fresh one."""
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        return
    seen = set()
    for cell in nb.get("cells", []):
        cid = cell.get("id")
        if not isinstance(cid, str) or not _CELL_ID.fullmatch(cid) or cid in seen:
            cid = secrets.token_hex(8)
            while cid in seen:
                cid = secrets.token_hex(8)
            cell["id"] = cid
        seen.add(cid)


def step_root(coursedir, step):
    """The folder of one nbgrader step (``submitted``, ``autograded``): links are checked below it."""
    return os.path.normpath(coursedir.format_path(step, ".", "."))


class KitRun:
    """What the kit's preprocessors share during one ``nbgrader autograde`` run, owned by the run
    (``nbgrader_converters.HardenedAutograde``): a Grader per set of limits (its zygote serves every
    notebook) and each notebook as submitted, from the sanitize pass to the grading pass."""

    def __init__(self):
        self.graders, self.submitted = {}, {}

    def grader(self, config: "GradingConfig") -> "Grader":
        """The run's Grader for `config` (one per configuration, made on first use)."""
        from autograder.pipeline.grader import Grader
        key = json.dumps(config.to_dict(), sort_keys=True)
        if key not in self.graders:
            self.graders[key] = Grader(config)
        return self.graders[key]

    def close(self):
        for g in self.graders.values():
            g.close()
        self.graders.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def kit_run(preprocessor):
    """The run a preprocessor works for (its exporter's converter); None outside ``nbgrader autograde``."""
    exporter = getattr(preprocessor, "parent", None)
    return getattr(getattr(exporter, "parent", None), "kit_run", None)


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


class HardenedExporter(NotebookExporter):
    """NotebookExporter whose reader never fails on a student's file."""

    def from_filename(self, filename, resources=None, **kw):
        resources = dict(resources or {})
        path = pathlib.Path(filename)
        meta = dict(resources.get("metadata") or {})
        meta.setdefault("name", path.stem)
        meta.setdefault("path", str(path.parent))
        resources["metadata"] = meta
        try:
            data = ReadNotebook().read_path(filename, self._root_of(filename))
        except InvalidNotebook as e:
            data, why = None, str(e)
            self.log.warning("%s: %s", printable(filename), why)
        nb = None
        if data is not None:
            try:
                norm = ReadNotebook().read(data)
            except InvalidNotebook as e:
                why = str(e)
            else:
                resources[SUBMITTED_KEY] = norm             # graded as read, like `autograder grade`
                nb = self._full(data, norm)
        if nb is None:
            why = encodable(why)
            nb = nbformat.v4.new_notebook()
            nb.cells.append(nbformat.v4.new_markdown_cell(f"无法读取此 notebook / unreadable notebook: {why}"))
            nb.metadata[INVALID_KEY] = why
        return self.from_notebook_node(nb, resources, **kw)

    def _root_of(self, filename):
        """The nbgrader step folder (submitted/, autograded/) links are checked below; else the file's folder."""
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is not None:
            for step in (coursedir.submitted_directory, coursedir.autograded_directory):
                root = step_root(coursedir, step)
                if under(filename, root):
                    return root
        return None

    @staticmethod
    def _full(data, norm):
        """The notebook with all its metadata when nbformat can read it, else rebuilt from `norm`;
        either way a valid notebook whose every string UTF-8 can encode (``encodable``)."""
        try:
            raw = encodable(ReadNotebook().parse(data))
            repair_cell_ids(raw)                # before nbformat sees them: no "invalid" error logged
            nb = nbformat.reads(json.dumps(raw), as_version=4)
            repair_cell_ids(nb)
            nbformat.validate(nb)
            return nb
        except Exception:                       # anything nbformat refuses: the cells, rebuilt
            pass
        norm = encodable(norm)
        nb = nbformat.v4.new_notebook()
        for c in norm["cells"]:
            make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
                c["cell_type"], nbformat.v4.new_raw_cell)
            cell = make(c["source"])
            cell.metadata.update(copy.deepcopy(c["metadata"]))
            nb.cells.append(cell)
        return nb


class _SourceCells:
    """The instructor's nbgrader cells of a notebook (source/ for metadata, release/ for what students see)."""

    def __init__(self, source_dir, release_dir):
        self.source_dir, self.release_dir = pathlib.Path(source_dir), pathlib.Path(release_dir)

    def cells(self, notebook):
        src = json.loads((self.source_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))
        rel = {}
        rpath = self.release_dir / f"{notebook}.ipynb"
        if rpath.is_file():
            for c in json.loads(rpath.read_text(encoding="utf-8")).get("cells", []):
                gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if gid:
                    rel[gid] = c
        out = []
        for c in src.get("cells", []):
            meta = c.get("metadata", {}).get("nbgrader")
            if meta and meta.get("grade_id"):
                out.append((meta["grade_id"], c, rel.get(meta["grade_id"])))
        return out


class RepairGradeCells(NbGraderPreprocessor):
    """Sanitize step: nbgrader metadata from source/, deleted grade cells restored; remembers the submission."""

    source_dir = Unicode(help="the assignment's source notebooks (default: the course directory's)").tag(config=True)
    release_dir = Unicode(help="the assignment's released notebooks (default: the course directory's)").tag(config=True)

    # Empty (the default): the edition being autograded (``nbgrader autograde pooling_en`` reads
    # source/pooling_en/), in the course directory.
    @default("source_dir")
    def _source_dir(self):
        return ""

    @default("release_dir")
    def _release_dir(self):
        return ""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        key = (info.get("student"), info.get("notebook"))
        run = kit_run(self)
        if run is not None:                     # else the grading pass reads the sanitized notebook
            if resources.get(SUBMITTED_KEY) is not None:   # as read: lone surrogates and all
                run.submitted[key] = resources[SUBMITTED_KEY]
            else:
                try:
                    run.submitted[key] = ReadNotebook().normalise(json.loads(nbformat.writes(nb)))
                except InvalidNotebook:
                    run.submitted[key] = {"nbformat": 4, "cells": []}
        try:
            assignment = course_dir.edition_of(info.get("assignment"))
            root = course_dir.default_course_dir()
            source = _SourceCells(self.source_dir or course_dir.source_dir(root, assignment),
                                  self.release_dir or course_dir.release_dir(root, assignment)
                                  ).cells(info.get("notebook"))
        except (OSError, ValueError):
            self.log.warning("no source notebook for %s: metadata left as submitted", key[1])
            return nb, resources
        by_id = {gid: c for gid, c, _ in source}
        present = set()
        # Duplicates: keep the last (as DeduplicateIds would) but drop the others' nbgrader key
        # entirely -- the empty dict DeduplicateIds leaves fails CheckCellMetadata.
        for cell in reversed(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(gid, str) or gid not in by_id:
                del cell.metadata["nbgrader"]              # unknown, forged or broken: a plain cell
                continue
            if gid in present:
                del cell.metadata["nbgrader"]
                continue
            cell.metadata["nbgrader"] = copy.deepcopy(by_id[gid]["metadata"]["nbgrader"])
            if cell.cell_type != by_id[gid]["cell_type"]:
                self._retype(cell, by_id[gid]["cell_type"])
            present.add(gid)
        for gid, scell, rcell in source:
            meta = scell["metadata"]["nbgrader"]
            if gid in present or not meta.get("grade"):
                continue
            self.log.warning("grade cell %s missing from %s: restored", gid, key)
            shown = rcell if rcell is not None else scell
            make = nbformat.v4.new_code_cell if scell["cell_type"] == "code" else nbformat.v4.new_markdown_cell
            cell = make(_src(shown))
            cell.metadata["nbgrader"] = copy.deepcopy(meta)
            nb.cells.append(cell)
        return nb, resources

    @staticmethod
    def _retype(cell, cell_type):
        cell.cell_type = cell_type
        if cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)


def _picture_png(picture):
    """The base64 PNG of a shown failing case (course.plots.case_png), or None."""
    if not picture:
        return None
    try:
        import base64
        from course import plots
        return base64.b64encode(plots.case_png(picture)).decode("ascii")
    except Exception:                       # a picture must never cost a grade
        return None


class HardenedExecute(NbGraderPreprocessor):
    """Replaces nbgrader's Execute: grades through the sandboxed engine, writes points as outputs."""

    timeout = Float(Limits.call_timeout, help="wall-clock seconds per call of a student's function").tag(config=True)
    allow_weak_sandbox = Bool(False, help="grade even where the sandbox cannot confine student code's file "
                                          "system or network (no namespaces, no Landlock); without it "
                                          "`nbgrader autograde` refuses with exit status 3").tag(config=True)
    language = Unicode("", help="the language of the feedback: zh+en, en or zh (course.language; empty: "
                                "$COURSE_LANGUAGE, else zh+en)").tag(config=True)
    memory = Int(Limits.memory >> 20, help="memory limit of each student's child process, in MiB "
                                           f"({Limits.MEMORY_MIB[0]}-{Limits.MEMORY_MIB[1]}; "
                                           "`autograder grade --memory`)").tag(config=True)

    def preprocess(self, nb, resources):
        from course.language import in_language
        assignment = resources.get("nbgrader", {}).get("assignment")
        # every row's words and the cell outputs: the chosen language, else the edition's
        with in_language(self.grading_config().language_for(assignment)):
            return self._preprocess(nb, resources)

    def _preprocess(self, nb, resources):
        from autograder.pipeline.grader import Grader
        info = resources.get("nbgrader", {})
        student, notebook = info.get("student", "student"), info.get("notebook")
        run = kit_run(self)
        submitted = run.submitted.pop((student, notebook), None) if run is not None else None
        with contextlib.ExitStack() as stack:
            if run is not None:
                g = run.grader(self.grading_config())
            else:                               # outside `nbgrader autograde`: a grader for this notebook
                g = stack.enter_context(Grader(self.grading_config()))
            assignment = course_dir.edition_of(info.get("assignment"))
            if nb.metadata.get(INVALID_KEY):
                rows = g.runner.invalid(g.edition(assignment).tests(notebook), student, notebook,
                                        str(nb.metadata[INVALID_KEY]))
            else:
                src = submitted if submitted is not None else json.loads(nbformat.writes(nb))
                rows = g.grade_notebook_full(src, student, notebook, assignment=assignment)[0]
                self._say_sandbox_warnings(g)
            flags = ";".join(sorted(rows[0].flags)) if rows else ""
            if flags:                                      # for a person to decide; the points stand
                self.log.warning("integrity flag %s: %s / %s", flags, student, notebook)
        self._write_outputs(nb, {r.grade_id: r for r in rows}, student, notebook)
        return nb, resources

    @staticmethod
    def _write_outputs(nb, by_id, student, notebook):
        """Each autograded test cell's outputs from its Row: the feedback, the picture, the points."""
        from autograder.core import totals
        from autograder.pipeline.run_suites import unknown_test_row
        scheme = totals.scheme()
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            row = by_id.get(meta.get("grade_id"))
            if row is None:
                row = unknown_test_row(student, notebook, str(meta.get("grade_id")), meta.get("points", 0))
            cap = float(meta.get("points", row.max_points))
            if scheme.is_optional(notebook, meta.get("grade_id")):   # worth 0 to nbgrader: its points are
                cap = float(row.max_points)                          # extra credit (KitSaveAutoGrades)
            points = min(float(row.points), cap)
            text = encodable(row.feedback or f"{row.status}: {row.message}")   # may quote the student's text
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
            png = _picture_png(row.picture)
            if png:                                 # the shown failing case, drawn (course.plots)
                from course.language import say
                alt = say("最小的失败用例", "smallest failing case")
                cell.outputs.append(nbformat.v4.new_output(
                    "display_data", data={"image/png": png, "text/plain": f"<{alt}>"},
                    metadata={"image/png": {"alt": alt}}))
            cell.outputs.append(
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(points)}, execution_count=1))
            cell.execution_count = 1

    _said = set()

    def _say_sandbox_warnings(self, g):
        """What the sandbox could not set up here (e.g. no namespaces): once per process, in nbgrader's log."""
        for w in sorted(g.engine.warnings - HardenedExecute._said):
            HardenedExecute._said.add(w)
            self.log.warning("autograder: sandbox %s (limits and the protocol still apply)", w)

    def grading_config(self) -> "GradingConfig":
        """The ``GradingConfig`` this preprocessor grades under: built from its traitlets (timeout,
        weak-sandbox choice, language) and the environment, read now (``GradingConfig.build``)."""
        from autograder.core.config import GradingConfig
        return GradingConfig.build(timeout=self.timeout, allow_weak_sandbox=bool(self.allow_weak_sandbox),
                                   language=self.language or None, warn=self.log.warning,
                                   memory_mib=self.memory)

    def limits(self) -> Limits:
        """The limits this preprocessor grades under (``grading_config().limits``)."""
        return self.grading_config().limits
