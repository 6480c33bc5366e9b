"""``autograder export``: final scores per student, for an LMS (Canvas) or as a generic CSV.

::

    autograder export DIR --to canvas [--out FILE] [--roster CANVAS_EXPORT.csv] [--gradebook gradebook.db]
                          [--assignment-name NAME] [--assignment-id ID] [--match-by "SIS Login ID"]
    autograder export DIR --to csv    [--out FILE] [--gradebook gradebook.db]

``DIR`` is the output folder of ``autograder grade`` (its ``grades.csv``). A
student's final score is

* the autograded points of ``grades.csv`` (the kit's hardened grading), plus
* the points a person gave in nbgrader's gradebook (the formgrader), when the
  gradebook is there: written answers (manual cells), manual overrides of an
  autograded cell, extra credit, minus the late penalty.

The late penalty is ``autograder.core.deadlines``' one definition: when ``autograder grade`` assessed
lateness (``DIR/late.csv``: due date, extensions, submission time, the policy's percentage), that
percentage is taken once off the student's final total (after a person's grading), never below 0;
without late.csv, nbgrader's stored penalty (``KitAssignLatePenalties``, the same percentage of
each notebook's autograded score) is used.

What counts and out of what is ``autograder.core.totals`` (the same for every output of the
kit): the maximum (``max_total``, Canvas's ``Points Possible``) is the *required*
points, autograded and written; optional work (``optional`` / ``optional_max``) is
earned above it, so a student who skips it can still reach 100%. In nbgrader's
gradebook an optional cell is worth 0 and its points are extra credit
(``nbgrader_gradebook``): they are counted here as optional, once.

Written answers nobody has graded yet count 0 and are counted in
``manual_pending`` (generic CSV) and on stderr.

Canvas's gradebook import format (Canvas: Grades > Import): a header row
``Student, ID, SIS User ID, SIS Login ID, Section, <assignment columns>``, an
assignment column named ``Name (assignment id)`` for an existing assignment
(just ``Name`` creates a new one), then a ``Points Possible`` row, then one
row per student. Canvas matches students by ``ID``, ``SIS User ID`` or ``SIS
Login ID``: pass ``--roster`` with the course's own gradebook export to fill
them (kit ids are matched to ``--match-by``, default ``SIS Login ID``);
without a roster, the nbgrader id goes to ``SIS Login ID`` and the gradebook's
``lms_user_id`` (if any) to ``ID``.

Students are keyed by the id exactly as grades.csv holds it: ``course.safe_text.display_id``,
injective, so two folders are two students. A grades.csv with two rows for one
(student, notebook, test) is refused (two students' points are never summed into one), and
ids a person cannot tell apart are named in a warning. Every message goes through
``autograder.core.terminal`` (escaped).

Every cell goes through ``write_results.csv_cell`` (formula-safe); rows end
in CRLF; the file is written atomically. Only the standard library is
imported unless a gradebook is read (then nbgrader's API).
"""
import csv
import dataclasses
import pathlib

from autograder.core import terminal, totals
from autograder.core.csv_cells import read_table
from autograder.core.course_dir import ASSIGNMENT, EDITIONS, default_course_dir
from autograder.core.deadlines import GRADES_LATE_COLUMNS
from autograder.core.totals import Totals
from autograder.run.write import atomic_write, csv_text, csv_uncell
from autograder.core.results import Row
from course.language import Text, in_language, say
from course.safe_text import display_id, exact_id, lookalike_groups, lookalike_warning

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"          # as Canvas's own export writes it (Canvas strips it)
GENERIC_COLUMNS = ["student_id", "last_name", "first_name", "email", "lms_user_id", "assignment",
                   "autograded", "autograded_max", "manual", "manual_max", "optional", "optional_max",
                   "manual_pending", "adjustment",
                   "extra_credit", *GRADES_LATE_COLUMNS, "late_penalty",
                   "total", "max_total", "notebooks_graded", "flags"]
MATCH_COLUMNS = ["SIS Login ID", "SIS User ID", "ID"]
# Canvas's column for the assignment when --assignment-name is not given: a name people read.
DEFAULT_ASSIGNMENT_NAME = Text("汇聚层", "Pooling", "Pooling 汇聚层")


def _warn(message):
    terminal.say(f"autograder export: {message}")


class ExportError(Exception):
    """A reason the export cannot be written (bad input files or arguments)."""


@dataclasses.dataclass
class StudentScore:
    student_id: str
    rows: list = dataclasses.field(default_factory=list)       # grades.csv's Rows
    written: dict = dataclasses.field(default_factory=dict)    # (notebook, grade_id) -> a person's points
    totals: Totals = Totals()           # ``autograder.core.totals`` of rows and written (``collect``)
    manual_pending: int = 0
    extra_credit: float = 0.0
    late_penalty: float = 0.0
    late: object = None                 # autograder.core.deadlines.Lateness from DIR/late.csv, if assessed
    override: float = 0.0               # "adjustment": a person's score minus the kit's, on autograded cells
    notebooks: set = dataclasses.field(default_factory=set)
    flags: set = dataclasses.field(default_factory=set)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    assignment: str = ASSIGNMENT        # the edition the student did (autograder.core.course_dir.EDITIONS)

    @property
    def autograded(self):
        """Required autograded points."""
        return self.totals.auto

    @property
    def manual(self):
        """Required written points a person gave."""
        return self.totals.written

    @property
    def before_penalty(self):
        """Everything earned (required and optional) with a person's changes, before any late penalty."""
        return max(0.0, self.totals.earned + self.override + self.extra_credit)

    @property
    def total(self):
        """Everything earned, a person's changes, less the late penalty (once, never below 0)."""
        return _round(max(0.0, self.before_penalty - self.late_penalty))

    @property
    def display_name(self):
        if self.last_name or self.first_name:
            return ", ".join(p for p in [self.last_name, self.first_name] if p)
        return self.student_id


def _round(x):
    return round(float(x) + 0.0, 2)


def read_grades(path):
    """``{student_id: StudentScore}`` from a ``grades.csv`` the kit wrote (cells un-neutralised)."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ExportError(f"{path} not found: run `autograder grade SUBMISSIONS --out DIR` first")
    scores, seen = {}, {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        need = {"student_id", "assignment", "notebook", "grade_id", "points", "max_points"}
        if not need <= set(reader.fieldnames or []):
            raise ExportError(f"{path} is not a grades.csv of the kit (columns {sorted(need)})")
        for i, raw in enumerate(reader, start=2):
            cells = {k: csv_uncell(v) for k, v in raw.items()}
            if cells["assignment"] not in EDITIONS:      # the editions share their cells and points
                continue
            try:
                row = Row.from_csv(cells)
            except ValueError as e:
                raise ExportError(f"{path}:{i} {e}") from None
            key = (row.student_id, row.notebook, row.grade_id)
            if key in seen:
                raise ExportError(
                    f"{path}:{i}: " + say(
                        f"同一学生同一测试有两行（学生 '{row.student_id}'，{row.notebook} {row.grade_id}，"
                        f"第 {seen[key]} 行；两个文件夹被当成一个学号？），拒绝导出：请用本工具重新评分",
                        f"a second row for student '{row.student_id}', {row.notebook} {row.grade_id} "
                        f"(line {seen[key]}): two students taken for one? Not exported: re-grade with this kit",
                        both=f"同一学生同一测试有两行（两个文件夹被当成一个学号？），拒绝导出 / a second row "
                        f"for student '{row.student_id}', {row.notebook} {row.grade_id} (line {seen[key]}): "
                        f"two students taken for one? Not exported: re-grade with this kit"))
            seen[key] = i
            s = scores.setdefault(row.student_id, StudentScore(row.student_id, assignment=row.assignment))
            s.rows.append(row)
            s.notebooks.add(row.notebook)
            s.flags.update(row.flags)
    return scores


def manual_cells(scheme):
    """The written-answer cells, (notebook, grade_id), of the assignment."""
    return {(c.notebook, c.grade_id) for c in scheme.cells if c.written}


def gradebook_url(gradebook):
    if gradebook is None:
        return None
    text = str(gradebook)
    if "://" in text:
        return text
    path = pathlib.Path(text)
    if not path.is_file():
        raise ExportError(f"--gradebook {text!r}: no such file")
    return "sqlite:///" + str(path.resolve())


def add_gradebook(scores, url, scheme, warn):
    """Add what people graded in nbgrader's gradebook (manual cells, overrides, extra credit, names).

    An optional cell is worth 0 there and holds its points as extra credit (the kit's autograde
    writes them, ``nbgrader_gradebook``; a person grades an optional written answer so): its
    whole score is the student's optional points, counted once. For an optional autograded cell,
    what differs from grades.csv is a person's change (``adjustment``)."""
    manual = manual_cells(scheme)
    from nbgrader.api import MissingEntry
    from autograder.core.gradebook import open_gradebook   # alembic found without changing $PATH for good
    with open_gradebook(url) as gb:
        present = []
        for edition in EDITIONS:                     # a class may mix the editions (issue #25)
            try:
                gb.find_assignment(edition)
                present.append(edition)
            except MissingEntry:
                pass
        if not present:
            warn(f"the gradebook has no assignment {ASSIGNMENT!r}: manual points are 0")
            return
        for student in gb.students:
            sid = display_id(student.id)             # as grades.csv holds ids
            s = scores.get(sid)
            sub = None
            mine = [s.assignment] if s is not None and s.assignment in present else []
            for edition in mine + [e for e in present if e not in mine]:    # the graded edition first
                try:
                    sub = gb.find_submission(edition, student.id)
                    break
                except MissingEntry:
                    continue
            if s is None:
                s = scores.setdefault(sid, StudentScore(sid))    # enrolled, nothing graded
                if sub is not None:
                    warn(f"'{sid}': in the gradebook but not in grades.csv (not graded by the kit?)")
            s.first_name, s.last_name = student.first_name or "", student.last_name or ""
            s.email, s.lms_user_id = student.email or "", student.lms_user_id or ""
            if sub is None:
                continue
            s.late_penalty = float(sub.late_submission_penalty or 0.0)
            s.manual_pending = len(manual) - sum(1 for nb in sub.notebooks for g in nb.grades
                                                 if (nb.name, g.name) in manual)  # cells the gradebook lacks
            kit = {(r.notebook, r.grade_id): r.points for r in s.rows}
            for nb in sub.notebooks:
                for g in nb.grades:
                    if scheme.is_optional(nb.name, g.name):
                        _add_optional(s, (nb.name, g.name), g, (nb.name, g.name) in manual, kit)
                        continue
                    s.extra_credit += float(g.extra_credit or 0.0)
                    if (nb.name, g.name) in manual:
                        if g.manual_score is None:
                            s.manual_pending += 1
                        else:
                            s.written[nb.name, g.name] = float(g.manual_score)
                    elif g.manual_score is not None and g.auto_score is not None:
                        s.override += float(g.manual_score) - float(g.auto_score)
            s.extra_credit, s.override = _round(s.extra_credit), _round(s.override)


def _add_optional(s, key, g, written, kit):
    """One optional cell of the gradebook: worth 0 there; its score, as nbgrader's ``Grade.score``
    counts it (a person's score, else the autograder's, plus extra credit; nothing while neither
    is set), is the student's optional points."""
    base = g.manual_score if g.manual_score is not None else g.auto_score
    if base is None:                        # an answer nobody has graded yet (nbgrader: 0)
        s.manual_pending += written
        return
    score = float(base) + float(g.extra_credit or 0.0)
    if written:
        s.written[key] = score
    elif key in kit:
        s.override += score - kit[key]      # a person's change to what grades.csv says


def collect(out_dir, gradebook=None, warn=None, course_dir=None):
    """``(scores, maxima)`` for the export: grades.csv plus the gradebook when given; ``maxima`` is
    the assignment's ``autograder.core.totals.Totals`` (``possible``: the required points)."""
    warn = warn or _warn
    scores = read_grades(pathlib.Path(out_dir) / "grades.csv")
    for group in lookalike_groups(exact_id(s) for s in scores):   # grades.csv holds display forms
        warn(lookalike_warning(group))
    scheme = totals.scheme(course_dir if course_dir is not None else default_course_dir())
    url = gradebook_url(gradebook)
    manual = manual_cells(scheme)
    for s in scores.values():
        s.manual_pending = len(manual)           # until the gradebook says a person graded them
    if url:
        add_gradebook(scores, url, scheme, warn)
    maxima = Totals.maxima_of(scheme)
    from autograder.core.deadlines import penalty_points, read_late_csv
    late = read_late_csv(pathlib.Path(out_dir) / "late.csv")
    for s in scores.values():
        s.totals = Totals.of(s.rows, scheme, s.written)
        if late:                              # the kit's assessment replaces nbgrader's stored penalty
            s.late = late.get(s.student_id)
            s.late_penalty = penalty_points(s.before_penalty, s.late.penalty_percent) if s.late else 0.0
        if s.rows and (s.totals.auto_max, s.totals.optional_auto_max) != (maxima.auto_max, maxima.optional_auto_max):
            warn(f"'{s.student_id}': {s.totals.auto_max:g} (+{s.totals.optional_auto_max:g} optional) autograded "
                 f"points possible in grades.csv, {maxima.auto_max:g} (+{maxima.optional_auto_max:g}) in source/ "
                 "(graded with other notebooks?)")
    pending = sum(s.manual_pending for s in scores.values())
    if pending:
        warn(f"{pending} written answer(s) not graded by a person yet count 0 "
             + ("(grade them in the formgrader)" if url else "(no --gradebook given)"))
    return scores, maxima


# ------------------------------------------------------------------ generic CSV

def generic_rows(scores, maxima):
    """One row per student; ``maxima`` is the assignment's ``Totals`` (``collect``)."""
    from autograder.core.deadlines import late_cells          # grades.csv's lateness cells, the same way
    for sid in sorted(scores):
        s = scores[sid]
        yield [s.student_id, s.last_name, s.first_name, s.email, s.lms_user_id, s.assignment,
               s.autograded, maxima.auto_max, s.manual, maxima.written_max, s.totals.optional, maxima.optional_max,
               s.manual_pending, s.override, s.extra_credit,
               *late_cells(s.late),
               _round(s.late_penalty), s.total, maxima.possible, len(s.notebooks),
               ";".join(sorted(s.flags))]


def generic_csv(scores, maxima):
    return csv_text(GENERIC_COLUMNS, generic_rows(scores, maxima))


# ------------------------------------------------------------------ Canvas

def read_roster(path):
    """Rows (dicts) of a Canvas gradebook export, without its Points Possible / posting-policy rows."""
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ExportError(f"--roster {str(path)!r}: {e.strerror or e}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in CANVAS_IDENTITY if c not in (reader.fieldnames or [])]
    if missing:
        raise ExportError(f"--roster {str(path)!r} is not a Canvas gradebook export (missing {missing})")
    rows = []
    for row in reader:
        name = (row.get("Student") or "").strip()
        if name in ("Points Possible", "Student, Test") or not any((row.get(c) or "").strip()
                                                                  for c in MATCH_COLUMNS):
            continue          # Canvas's points row, its "Manual Posting" row, the test student
        rows.append({c: (row.get(c) or "").strip() for c in CANVAS_IDENTITY})
    return rows


def canvas_column(name, assignment_id=None):
    name = " ".join(str(name).split())
    if not name:
        raise ExportError("--assignment-name must not be empty")
    if assignment_id is None or str(assignment_id).strip() == "":
        return name
    aid = str(assignment_id).strip()
    if not aid.isdigit():
        raise ExportError(f"--assignment-id must be Canvas's numeric assignment id, got {aid!r}")
    return f"{name} ({aid})"


def read_id_map(path, match_by):
    """{the roster's `match_by` value: the kit's student id} from a CSV with the columns ``student_id``
    and `match_by` (e.g. hub accounts s001 against Canvas's SIS Login ID jdoe)."""
    path = pathlib.Path(path)
    reader = read_table(path, "--id-map", ExportError)
    if not {"student_id", match_by} <= set(reader.fieldnames or []):
        raise ExportError(f"--id-map {str(path)!r}: "
                          + say(f"需要列 student_id 和 {match_by!r}", f"needs the columns student_id and {match_by!r}",
                                both=f"需要列 / needs the columns student_id and {match_by!r}"))
    out, kit_ids = {}, set()
    for i, row in enumerate(reader, start=2):
        lms, sid = (row.get(match_by) or "").strip(), csv_uncell((row.get("student_id") or "").strip())
        if not lms or not sid:
            continue
        if lms in out or sid in kit_ids:
            raise ExportError(f"--id-map {str(path)!r}:{i}: "
                              + say(f"重复：{lms!r} 或 {sid!r} 出现两次", f"{lms!r} or {sid!r} mapped twice",
                                    both=f"重复 / {lms!r} or {sid!r} mapped twice"))
        out[lms] = sid
        kit_ids.add(sid)
    return out


def canvas_rows(scores, maxima, column, roster=None, match_by="SIS Login ID", warn=None, id_map=None):
    """(header, rows) of Canvas's gradebook import file; `id_map` maps the roster's `match_by`
    values to the kit's student ids (``read_id_map``), when they differ."""
    warn = warn or _warn
    if match_by not in MATCH_COLUMNS:
        raise ExportError(f"--match-by must be one of {MATCH_COLUMNS}")
    header = CANVAS_IDENTITY + [column]
    rows = [[POINTS_POSSIBLE, "", "", "", "", maxima.possible]]    # required only: optional goes above it
    if roster is not None:
        seen = set()
        id_map = id_map or {}
        for r in roster:
            key = display_id(id_map.get(r[match_by], r[match_by]))   # exact ids; grades.csv: display forms
            s = scores.get(key)
            if s is None:
                rows.append([r[c] for c in CANVAS_IDENTITY] + [""])   # blank: Canvas leaves the grade alone
                continue
            seen.add(key)
            rows.append([r[c] for c in CANVAS_IDENTITY] + [s.total])
        unknown = sorted(set(scores) - seen)
        if unknown:
            warn(f"{len(unknown)} student(s) graded but not in the roster (by {match_by}), left out: "
                 + ", ".join(f"'{u}'" for u in unknown[:10]) + (" ..." if len(unknown) > 10 else ""))
        blank = [display_id(r[match_by]) for r in roster
                 if display_id(id_map.get(r[match_by], r[match_by])) not in scores]
        if blank:
            warn(f"{len(blank)} student(s) of the roster have no grade (left blank): "
                 + ", ".join(f"'{b}'" for b in blank[:10]) + (" ..." if len(blank) > 10 else ""))
    else:
        for sid in sorted(scores):
            s = scores[sid]
            rows.append([s.display_name, s.lms_user_id, "", s.student_id, "", s.total])
    return header, rows


def canvas_csv(scores, maxima, column, roster=None, match_by="SIS Login ID", warn=None, id_map=None):
    header, rows = canvas_rows(scores, maxima, column, roster, match_by, warn, id_map)
    return csv_text(header, rows)


# ------------------------------------------------------------------ command line

def run(args):
    """The ``export`` subcommand; returns the exit status. Its words (notes, messages, the default
    Canvas assignment name) are in the grading run's language, or ``--language``
    (``autograder.core.run_language``); the column names are what the LMS reads and never change."""
    from autograder.core.run_language import run_language
    with in_language(run_language(args.out_dir, getattr(args, "language", None))):
        return _run(args)


def _run(args):
    try:
        out_dir = pathlib.Path(args.out_dir)
        if not out_dir.is_dir():
            raise ExportError(f"{args.out_dir!r} is not a directory (the output of `autograder grade`)")
        gradebook = args.gradebook
        if gradebook is None and pathlib.Path("gradebook.db").is_file():
            gradebook = "gradebook.db"
        name = args.assignment_name if args.assignment_name is not None else DEFAULT_ASSIGNMENT_NAME.render()
        column = canvas_column(name, args.assignment_id) if args.to == "canvas" else None
        roster = read_roster(args.roster) if args.roster else None
        id_map = read_id_map(args.id_map, args.match_by) if getattr(args, "id_map", None) else None
        if id_map is not None and roster is None:
            raise ExportError(say("--id-map 需要 --roster", "--id-map needs --roster"))
        scores, maxima = collect(out_dir, gradebook)
        if args.to == "canvas":
            text = canvas_csv(scores, maxima, column, roster, args.match_by, id_map=id_map)
            dest = args.out or out_dir / "canvas.csv"
        else:
            text = generic_csv(scores, maxima)
            dest = args.out or out_dir / "scores.csv"
        atomic_write(dest, text)
    except ExportError as e:
        terminal.error(e)
        return 2
    except OSError as e:
        terminal.error(e)
        return 2
    terminal.say(say(f"{len(scores)} 名学生", f"{len(scores)} student(s)", both=f"{len(scores)} student(s)")
                 + f" -> {dest}")
    return 0
