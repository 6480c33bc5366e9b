"""Step 4: write what the grader found -- every file atomically (temp file + fsync + os.replace).

``DIR/grades.csv``, ``DIR/manual.csv`` and ``DIR/run.json`` are the class
tables; ``DIR/results.jsonl`` is the kit's own record of the run (one
``SubmissionResult.to_dict()`` per line, the answer cells' text included,
sorted by student id, ASCII JSON so no byte of a student's breaks a line):
what ``autograder report`` and the integrity analysis read. Each student's ``results.json`` (Gradescope) and ``<notebook>.html``
(feedback) live in ``DIR/students/<folder>/``, where ``<folder>`` is
:func:`student_folder` of the id, so no student id can land on a file the kit
writes. Feedback shows only what the suite chose to show: the property groups
and at most one failing case per function. Submissions are never written to.

What is written comes from the typed results (``autograder.core.results``): the
tables from ``Row`` / ``ManualRow``, results.json from
``SubmissionResult.to_gradescope(scheme)`` (``autograder.core.totals``), the pages from the Jinja2 template
``autograder/run/templates/feedback_page.html.j2`` (autoescaped).

Student ids: grades.csv, manual.csv and the pages hold ``course.safe_text.display_id`` of the
exact id (a folder name, undecodable bytes kept): injective, so the report and the export,
which key students by it, never take two folders for one student; and look-alike or
invisible characters are visible escapes. run.json and the cache keep the exact ids (JSON).
"""
import dataclasses
import functools
import hashlib
import json
import os
import pathlib
import re
import secrets

from autograder.core.results import GRADES_COLUMNS, MANUAL_COLUMNS, sort_key
from course.safe_text import display_id  # noqa: F401  (the id as every table, page and export shows it)
from autograder.core import totals

STUDENTS = "students"          # DIR/students/<folder>/: per-student files, never beside the tables
RESULTS_JSONL = "results.jsonl"  # DIR/results.jsonl: the kit's own results, one SubmissionResult a line


def atomic_write(path: "str | os.PathLike[str]", data: str | bytes) -> None:
    """Write `data` (str or bytes) to `path` so readers see the old file or the new one, never half.

    The file gets the user's umask (0644 under umask 022, like nbgrader's), not mkstemp's 0600.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        # A lone surrogate (a non-UTF-8 byte in a folder name) must not crash a write:
        # it becomes a visible \udcXX escape, which JSON reads back as the same character.
        data = data.encode("utf-8", "backslashreplace")
    atomic_write_chunks(path, (data,))


def record_line(res):
    """One line of results.jsonl: ``res.to_dict()`` as ASCII JSON (a lone surrogate of a folder name
    is a ``\\udcXX`` escape that reads back as itself; no line separator of any kind inside)."""
    return json.dumps(res.to_dict(), ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def atomic_write_chunks(path, chunks):
    """``atomic_write`` of the bytes `chunks` yields, streamed (a class's results.jsonl is never
    held in memory whole)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _create_temp(path):
    """(fd, name) of a new temp file beside `path`; mode 0666 so the kernel applies the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name[:64]}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp name beside {path}")


def safe_name(s: str) -> str:
    """A file-name-safe version of a notebook name (lossy: never use it for a student id)."""
    s = re.sub(r"[^\w.\-@+]", "_", str(s))[:120]
    return s if s.strip(".") else "_"


def _id_bytes(student_id):
    """The exact bytes of an id, including the undecodable ones of a folder name."""
    return str(student_id).encode("utf-8", "surrogateescape")


def student_folder(student_id: str) -> str:
    """A folder name that is distinct for distinct ids: a readable prefix plus a hash of the exact id.

    The prefix keeps word characters only, never starts with '.' or '-', and stays
    short in bytes (file names are limited to 255 bytes); the 16-hex-digit SHA-256
    suffix is what makes it collision-proof, also on case-insensitive file systems.
    """
    prefix = re.sub(r"[^\w.-]", "_", str(student_id)[:40]).lstrip(".-")
    while len(prefix.encode("utf-8", "surrogateescape")) > 60:
        prefix = prefix[:-1]
    digest = hashlib.sha256(_id_bytes(student_id)).hexdigest()[:16]
    return f"{prefix}-{digest}" if prefix else digest


def student_dir(out_dir: "str | os.PathLike[str]", student_id: str) -> pathlib.Path:
    """``DIR/students/<folder>``: where one student's results.json and feedback pages go."""
    return pathlib.Path(out_dir) / STUDENTS / student_folder(student_id)




from autograder.core.kit import kit_file  # noqa: E402

# CSV cells (autograder/core/csv_cells.py), named here too for the modules that import them from here.
from autograder.core.csv_cells import csv_cell, csv_text, csv_uncell  # noqa: E402,F401


TEMPLATES = kit_file("autograder/run/templates")


@functools.lru_cache(maxsize=1)
def _templates():
    """The pages' Jinja2 environment (imported on first use: the tables need no Jinja2)."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["g"] = lambda x: f"{x:g}"
    from markupsafe import Markup
    from course.lang import mark
    env.filters["bi"] = lambda text: Markup(mark(text))   # escaped, the parts not in the page's language marked
    return env


def _picture_tag(picture):
    """The shown failing case drawn as an inline PNG (course.plots), or "" (no picture, or it failed)."""
    if not picture:
        return ""
    try:
        from course import plots
        return plots.case_img_tag(picture)
    except Exception:           # a picture must never cost a student their page
        return ""


class WriteResults:
    """Writes one submission's files as soon as it is graded, and the class tables."""

    def __init__(self, out_dir, scheme=None, language_for=None):
        self.out = pathlib.Path(out_dir)
        self._scheme = scheme
        # an edition -> the language of its pages (GradingConfig.language_for); None: the run's
        self.language_for = language_for
        self._late = None

    @property
    def late(self):
        """{display id: autograder.core.deadlines.Lateness} of DIR/late.csv, which ``autograder grade`` writes
        before grading when a due date is known ({} otherwise): one line on each feedback page."""
        if self._late is None:
            from autograder.core.deadlines import read_late_csv
            self._late = read_late_csv(self.out / "late.csv")
        return self._late

    @property
    def scheme(self):
        """What counts and what is optional (``autograder.core.totals``): the course directory's, read when
        first needed (a run that writes only the tables needs no source notebook)."""
        if self._scheme is None:
            self._scheme = totals.scheme()
        return self._scheme

    def submission(self, res):
        """results.json and the feedback pages of one graded submission (a SubmissionResult)."""
        sdir = student_dir(self.out, res.student_id)
        atomic_write(sdir / "results.json", json.dumps(res.to_gradescope(self.scheme), ensure_ascii=False, indent=1))
        for nb in res.notebooks():
            atomic_write(sdir / f"{safe_name(nb)}.html", self.feedback_page(res, nb))

    def feedback_page(self, res, notebook):
        """One notebook's feedback page: self-contained (inline style, pictures as base64 PNG, no
        script, no math to typeset), so it reads the same offline. The optional bonus is marked
        and kept out of the required total (``autograder.core.totals``)."""
        from markupsafe import Markup
        mine = [r for r in res.rows if r.notebook == notebook]
        rows = [dict(grade_id=r.grade_id, optional=self.scheme.is_optional(r.notebook, r.grade_id),
                     points=r.points, max_points=r.max_points,
                     status=r.status.value, message=r.message, feedback=r.feedback,
                     picture=Markup(_picture_tag(r.picture)) if r.feedback else "")   # the kit's own <img>
                for r in mine]
        from course.language import current_language, say
        language = current_language()           # the run's (batch.grade_submissions sets it)
        if self.language_for is not None and mine:  # or its edition's, when the course chose none
            language = self.language_for(mine[0].assignment)
        return _templates().get_template("feedback_page.html.j2").render(
            say=lambda zh, en, both=None: say(zh, en, both=both, language=language),
            page_lang="en" if language == "en" else "zh-CN",
            notebook=notebook, student_id=display_id(res.student_id), rows=rows,
            late=(lambda lt: lt.describe() if lt else "")(self.late.get(display_id(res.student_id))),
            totals=totals.Totals.of(mine, self.scheme.only([notebook])),
            manual=[m for m in res.manual if m.notebook == notebook])

    def tables(self, results):
        """grades.csv and manual.csv over every submission graded so far (SubmissionResults), sorted."""
        results = list(results)
        rows = sorted((dataclasses.replace(r, student_id=display_id(r.student_id))
                       for res in results for r in res.rows), key=sort_key)
        manual = sorted((dataclasses.replace(m, student_id=display_id(m.student_id))
                         for res in results for m in res.manual), key=sort_key)
        # each row ends with its student's lateness (DIR/late.csv; empty cells without a due date)
        from autograder.core.deadlines import GRADES_LATE_COLUMNS, late_cells
        late = self.late
        atomic_write(self.out / "grades.csv", csv_text(GRADES_COLUMNS + GRADES_LATE_COLUMNS,
                                                       (r.to_csv() + late_cells(late.get(r.student_id))
                                                        for r in rows)))
        atomic_write(self.out / "manual.csv", csv_text(MANUAL_COLUMNS, (m.to_csv() for m in manual)))

    def run(self, meta):
        atomic_write(self.out / "run.json", json.dumps(meta, ensure_ascii=False, indent=1))
