"""Step 0b: find the submissions -- by ``lstat`` only, never looking through a link.

``SUBMISSIONS/<student_id>/pooling/<notebook>.ipynb`` (nbgrader's layout) is a
class; one notebook or a folder of notebooks is a self-study learner. A link
where a student folder, the assignment folder or a notebook should be is kept
as that notebook's path, so the reader (``open_submission``) refuses it and
the student is graded ``invalid`` with the reason, never skipped. Whatever
does not follow the layout (``Pooling/``, ``pooling2/``, notebooks directly in
the student folder, an unknown notebook name) is named in a warning on stderr, and so
is every group of student ids a person cannot tell apart (``course.safe_text.lookalike_groups``:
a zero-width character, a Cyrillic letter for a Latin one, another normal form). Ids are the
exact folder names (undecodable bytes kept as surrogateescape): two folders are never one id.
Every name in a message is in its display form (``display_id``); the warnings go through
``autograder.core.terminal``, which escapes whatever is left.
"""
from typing import Callable, Iterable, Optional
import dataclasses
import json
import os
import stat

from autograder.core import terminal
from autograder.core import manifest
from autograder.pipeline.open_submission import RefusedPath, printable, read_bytes
from autograder.core.course_dir import ASSIGNMENT, EDITIONS, default_course_dir, editions
from autograder.pipeline.source_tests import SourceTests
from course.safe_text import display_id, lookalike_groups, lookalike_warning

HEAD_BYTES = 4 << 20          # how much of an unknown file is read to tell which notebook it is


@dataclasses.dataclass
class Submission:
    """One student's notebooks: notebook name -> path (None: not submitted).

    ``root``: the folder every path is checked below (the submissions folder);
    ``note``: why notebooks are missing, when the layout is wrong;
    ``assignment``: the edition the student did (``autograder.core.course_dir.EDITIONS``): its folder's name.
    """
    student_id: str
    notebooks: dict
    root: Optional[str] = None
    note: str = ""
    assignment: str = ASSIGNMENT

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Submission":
        return cls(d["student_id"], dict(d["notebooks"]), d.get("root"), d.get("note") or "",
                   d.get("assignment") or ASSIGNMENT)


def _names(assignment: "str | Iterable[str]") -> tuple[str, ...]:
    """The assignment folders accepted: one name, or several (the editions) -> a tuple, default first."""
    return (assignment,) if isinstance(assignment, str) else tuple(assignment)


def warn_stderr(message: str) -> None:
    terminal.warn(message)


def _lstat(path):
    try:
        return os.lstat(path)
    except OSError:
        return None


def _entries(folder):
    """[(name, lstat)] of a real folder, sorted; [] when it cannot be listed."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [(n, st) for n in names if (st := _lstat(os.path.join(folder, n))) is not None]


def _is_dir(st):
    return st is not None and stat.S_ISDIR(st.st_mode)


def _is_link(st):
    return st is not None and stat.S_ISLNK(st.st_mode)


def match_notebook(path: str, known: Iterable[str], root: str | None = None) -> str | None:
    """Which graded notebook a learner's file is: by name (01_basics, 01_basics-Copy1), else by content.

    The content is read through ``open_submission`` (a link or FIFO is not read: None).
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem in known:
        return stem
    for name in sorted(known, key=len, reverse=True):
        if stem.startswith(name):
            return name
    try:
        text = read_bytes(path, root, limit=HEAD_BYTES)[:HEAD_BYTES].decode("utf-8", "replace")
    except (OSError, RefusedPath):
        return None
    best = None
    for f in manifest.ENTRIES:
        if f.notebook in known and (f"answer_{f.name}" in text or f"def {f.name}(" in text):
            best = best or f.notebook
    return best


def _unmatched(path, root):
    """Why a learner's file is not graded: not valid JSON (a corrupt file), or not one of the notebooks."""
    name = printable(os.path.basename(path))
    limit = HEAD_BYTES * 16
    try:
        data = read_bytes(path, root, limit=limit)
        if len(data) <= limit:
            json.loads(data.decode("utf-8", "replace"))
    except ValueError as e:
        where = f" (line {e.lineno}, column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        return f"不是有效的 JSON，无法读取 / not valid JSON, cannot be read: {name}{where}"
    except (OSError, RefusedPath):
        pass
    return f"认不出是哪个练习 / cannot tell which notebook this is: {name}"


# ------------------------------------------------------------------ a class

def layout_problems(student_dir: str, known: Iterable[str], assignment: "str | Iterable[str]" = ASSIGNMENT) -> list[str]:
    """What in a real student folder does not follow ``<student>/pooling/<notebook>.ipynb`` -> [text].

    ``assignment``: a name or the accepted editions' names (the first is the one messages name).
    Another edition's folder is never a layout problem (``nbgrader autograde pooling`` leaves a
    ``pooling_en/`` to ``nbgrader autograde pooling_en``); two accepted editions at once are said."""
    names = _names(assignment)
    chosen = _chosen(student_dir, names)
    problems = []
    present = [n for n, st in _entries(student_dir) if n in names and (_is_dir(st) or _is_link(st))]
    if len(present) > 1:
        problems.append(f"{' + '.join(sorted(present))}: 只评分 / only {chosen}/ is graded")
    for name, st in _entries(student_dir):
        if name.startswith(".") or name in names or name in EDITIONS:
            continue
        if _is_dir(st) and name.casefold().startswith(names[0].casefold()):
            problems.append(f"{name}/ 不是 / is not {names[0]}/")
        elif name.endswith(".ipynb"):
            problems.append(f"{name} 应在 / belongs in {names[0]}/")
    adir = os.path.join(student_dir, chosen)
    ast = _lstat(adir)
    if ast is not None and not _is_dir(ast) and not _is_link(ast):
        problems.append(f"{chosen} 不是文件夹 / is not a folder")
    if _is_dir(ast):
        for name, _st in _entries(adir):
            stem, ext = os.path.splitext(name)
            if ext == ".ipynb" and stem not in known and not name.startswith("."):
                problems.append(f"{chosen}/{name}: 未知的 notebook 名称，未评分 / unknown notebook name, "
                                f"not graded (expected one of {', '.join(known)})")
    return problems


def _chosen(student_dir, names):
    """The edition a student folder holds: the first of `names` with an entry there (else the first)."""
    for name in names:
        if _lstat(os.path.join(student_dir, name)) is not None:
            return name
    return names[0]


def _student_kind(path, st, assignment):
    """'proper' (has an assignment entry, or is a link: refused when read), 'layout', 'other' (only
    another edition's folder: ``nbgrader autograde pooling`` leaves it to ``... pooling_en``), or None."""
    names = _names(assignment)
    if _is_link(st):
        return "proper"
    if not _is_dir(st):
        return None
    entries = _entries(path)
    if any(n in names for n, _ in entries):
        return "proper"
    if any(n in EDITIONS for n, _ in entries):
        return "other"                 # another edition's student: that edition's run grades them
    if any(n.endswith(".ipynb") or (_is_dir(s) and n.casefold().startswith(names[0].casefold())
                                    and n not in EDITIONS)
           for n, s in entries if not n.startswith(".")):
        return "layout"
    return None


def class_submission(root: str, student: str, known: Iterable[str], note: str = "",
                     assignment: "str | Iterable[str]" = ASSIGNMENT) -> Submission:
    """One student's Submission: a path for every notebook whose entry exists (of any kind), else None.

    A linked student or assignment folder is not listed: every notebook gets
    a path through the link, which the reader refuses, naming the link. ``assignment``: a name or
    the accepted editions' names; the student's is the first one their folder has.
    """
    sdir = os.path.join(root, student)
    sst = _lstat(sdir)
    assignment = _chosen(sdir, _names(assignment)) if _is_dir(sst) else _names(assignment)[0]
    adir = os.path.join(sdir, assignment)
    ast = _lstat(adir) if _is_dir(sst) else None          # never look through a linked student folder
    notebooks: dict[str, Optional[str]] = {}
    for nb in known:
        path = os.path.join(adir, f"{nb}.ipynb")
        if _is_link(sst) or _is_link(ast):
            notebooks[nb] = path                           # refused when read: the link is named
        elif _is_dir(ast) and _lstat(path) is not None:
            notebooks[nb] = path                           # a link, FIFO, ... is refused when read
        else:
            notebooks[nb] = None
    return Submission(student, notebooks, root, note, assignment)


def find_class(root: str, known: Iterable[str], warn: Callable[[str], None] = warn_stderr,
               assignment: "str | Iterable[str]" = ASSIGNMENT) -> list[Submission] | None:
    """-> [Submission] of a SUBMISSIONS folder, or None when it is not a class. ``assignment``: a
    name or the editions' names accepted (``autograder grade`` accepts every edition of its course)."""
    names = _names(assignment)
    proper: list = []
    layout: list = []
    loose: list = []
    for name, st in _entries(root):
        kind = _student_kind(os.path.join(root, name), st, assignment)
        if name.startswith("."):
            # Hidden, as nbgrader's own globbing treats it; said aloud when it looks like a student.
            if kind != "loose":
                warn(f"隐藏文件夹，未评分 / hidden folder, not graded: {display_id(name)} "
                     f"(a student id may not start with '.')")
            continue
        if kind == "other":            # said, not guessed at: it is no layout mistake
            warn(f"另一版本的作业，本次未评分 / another edition of the assignment, not graded in this run: "
                 f"{display_id(name)} (expected {' or '.join(n + '/' for n in names)})")
            continue
        {"proper": proper, "layout": layout}.get(kind, loose).append((name, st))
    top_notebooks = [n for n, st in loose if n.endswith(".ipynb")]
    if not proper and (top_notebooks or not layout):
        return None                                        # a learner's folder (or nothing gradable)
    subs = []
    for name, st in proper + layout:
        problems = [] if _is_link(st) else layout_problems(os.path.join(root, name), known, assignment)
        problems = [printable(p) for p in problems]       # names are the student's: no control characters
        note = ""
        if problems:
            warn(f"布局不对 / layout: {display_id(name)}: " + "; ".join(problems)
                 + f" (expected {display_id(name)}/{names[0]}/<notebook>.ipynb)")
            if (name, st) in layout:
                note = f"布局不对，应为 {names[0]}/<notebook>.ipynb / wrong layout: " + "; ".join(problems)
        subs.append(class_submission(root, name, known, note, assignment))
    for name, st in loose:
        what = "文件 / a file" if not _is_dir(st) else f"没有 / no {names[0]}/ folder"
        warn(f"不是学生文件夹，未评分 / not a student folder, not graded: {display_id(name)} ({what})")
    for group in lookalike_groups(s.student_id for s in subs):
        warn(lookalike_warning(group))
    return sorted(subs, key=lambda s: s.student_id)


# ------------------------------------------------------------------ self-study

def find_self(path: str, known: Iterable[str], warn: Callable[[str], None] = warn_stderr) -> list[Submission]:
    """A learner's folder of notebooks -> [Submission], matched by name or content."""
    found = {}
    for name, st in _entries(path):
        if not name.endswith(".ipynb") or name.startswith("."):
            continue
        f = os.path.join(path, name)
        nb = match_notebook(f, known, root=path)
        if nb is None and not stat.S_ISREG(st.st_mode):
            warn(f"未读取 / not read (a link or special file): {printable(name)}")
        elif nb is None:
            warn(_unmatched(f, path) + "; 未评分 / not graded")
        elif nb and nb not in found:
            found[nb] = f
    if not found:
        raise ValueError(f"没有找到可评分的 notebook / no gradable notebooks in {path}")
    return [Submission("learner", found, path)]


def find_submissions(path: "str | os.PathLike[str]", source: SourceTests | None = None,
                     warn: Callable[[str], None] = warn_stderr) -> tuple[list[Submission], str]:
    """-> (submissions, mode). mode 'course': SUBMISSIONS/<student>/<assignment>/<nb>.ipynb;
    'self': one notebook file or a folder of one learner's notebooks."""
    path = os.path.abspath(os.fspath(path))
    if _lstat(path) is None:                               # answered before the course (and torch) loads
        raise FileNotFoundError(f"找不到 / not found: {path}")
    source = source or SourceTests(default_course_dir())
    known = source.notebooks()
    try:
        is_dir = stat.S_ISDIR(os.stat(path).st_mode)       # the instructor's own argument may be a link
    except OSError:
        is_dir = False
    if not is_dir:                                         # one file: a link or FIFO is refused when read
        root = os.path.dirname(path)
        nb = match_notebook(path, known, root=root)
        if nb is None:
            raise ValueError(_unmatched(path, root))
        return [Submission("learner", {nb: path}, root)], "self"
    subs = find_class(path, known, warn, editions(source.course_dir))
    if subs is not None:
        if not subs:
            raise ValueError(f"没有找到学生文件夹 / no student folders in {path}")
        return subs, "course"
    return find_self(path, known, warn), "self"
