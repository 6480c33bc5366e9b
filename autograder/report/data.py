"""The class report's numbers, apart from its HTML.

Reads what ``autograder grade SUBMISSIONS --out DIR`` wrote (grades.csv, manual.csv,
run.json, and the kit's own results.jsonl: each submission's ``SubmissionResult``, with the
suites' results and the answer cells) into plain dataclasses: the key figures,
totals per student, pass rates per function and per property group, misconception
counts, written answers awaiting a person, problem submissions (grader errors
included), the slowest submissions and the integrity section's input.
Gradescope's results.json is an output only, never read here; nor is the submissions folder.
No HTML here: ``autograder.report.report`` renders :class:`Report` through templates.
"""
import csv
import datetime as _dt
import json
import pathlib
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Optional

import numpy as np

from autograder import __version__
from autograder.core import totals as totals_module
from autograder.core.deadlines import read_late_csv
from autograder.core.manifest import ENTRIES as FUNCTIONS   # names and notebooks only: no torch
from autograder.core.cells import answer_texts
from autograder.run.write import RESULTS_JSONL, STUDENTS, csv_uncell, display_id, safe_name, student_folder
from autograder.core.results import GRADES_COLUMNS, ManualRow, Row, Status, SubmissionResult
from course.messages import CATALOG
from course.safe_text import exact_id, lookalike_groups

# Ids of the catalog that are about the rules of an exercise (operators used or
# not used), reported with the problem submissions.
RULE_BREAKS = {"forbidden_op", "conv_not_used", "conv_relu_only", "tampering"}
# Ids that say what happened rather than what was misunderstood: listed, but
# not among the summary's top misconceptions.
GENERAL = {"not_implemented", "raises", "timeout", "wrong_type", "wrong_values"} | RULE_BREAKS


# ---------------------------------------------------------------- reading

def read_csv(path, ours=True) -> list:
    """Rows of a CSV file as dicts; [] when the file is missing.

    ``ours``: a CSV the kit wrote, whose formula-proof cells are turned back into the values.
    """
    path = pathlib.Path(path)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if ours:
        rows = [{k: csv_uncell(v) for k, v in r.items()} for r in rows]
    return rows


def read_grades(path) -> list:
    """grades.csv as ``results.Row``s ([] when missing)."""
    return [Row.from_csv(cells) for cells in read_csv(path)]


def read_manual(path) -> list:
    """manual.csv as ``results.ManualRow``s ([] when missing)."""
    return [ManualRow.from_csv(cells) for cells in read_csv(path)]


def row_dicts(grades) -> list:
    """Rows as grades.csv's cells by column name, for ``autograder.report.integrity`` (which reads dicts)."""
    return [dict(zip(GRADES_COLUMNS, r.to_csv())) for r in grades]


def _inside(rel) -> bool:
    """A path run.json may name: relative, below students/, no way up."""
    parts = pathlib.PurePosixPath(rel).parts
    return len(parts) == 2 and parts[0] == STUDENTS and parts[1] not in ("..", ".") and "\\" not in rel


def student_folders(students, run) -> dict:
    """student -> its folder (relative to DIR), from run.json's map, else computed as the grader does."""
    mapped = run.get("students") if isinstance(run.get("students"), dict) else {}
    # grades.csv holds display forms (course.safe_text.display_id); run.json keeps the exact ids.
    mapped = {display_id(k): v for k, v in mapped.items() if isinstance(v, str) and _inside(v)}
    return {s: mapped.get(s, f"{STUDENTS}/{student_folder(exact_id(s))}") for s in students}


class ResultsMissing(Exception):
    """The grading directory has no usable results.jsonl (made by an older kit, or a run that did not
    finish): the report needs a new ``autograder grade`` run; never a traceback."""

    def __init__(self, out_dir, why=""):
        path = pathlib.Path(out_dir) / RESULTS_JSONL
        super().__init__(f"{path}: 找不到评分结果{('（' + why + '）') if why else ''}，请重新运行 autograder grade "
                         f"/ no grading results{(' (' + why + ')') if why else ''}: re-run autograder grade "
                         f"SUBMISSIONS --out {out_dir}")


def read_records(out_dir):
    """Each SubmissionResult of DIR/results.jsonl (the kit's own record, ``CollectResults``), one a
    line, streamed. ``ResultsMissing`` when there is none or a line is not a record."""
    path = pathlib.Path(out_dir) / RESULTS_JSONL
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise ResultsMissing(out_dir) from None
    except OSError as e:
        raise ResultsMissing(out_dir, type(e).__name__) from None
    with f:
        for n, line in enumerate(f, 1):
            try:
                yield SubmissionResult.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                raise ResultsMissing(out_dir, f"第 {n} 行无法读取 / line {n} unreadable") from None


def read_results(records) -> tuple:
    """({(student, function): FunctionResult}, {student: {function: answer text}}) of the records,
    students as grades.csv shows them (``display_id``); the answer text is what the integrity
    analysis compares (``core.cells.answer_texts``)."""
    results, answers = {}, {}
    for res in records:
        student = display_id(res.student_id)
        for r in res.rows:
            if r.result is not None:
                results[(student, r.result.name)] = r.result
        texts = answer_texts(c for nb in sorted(res.answers) for c in res.answers[nb])
        if texts:
            answers[student] = texts
    return results, answers


def read_run(out_dir) -> dict:
    """run.json as a dict; {} when it is missing or not an object."""
    try:
        run = json.loads((pathlib.Path(out_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


@dataclass
class Graded:
    """Everything the grader wrote that the report uses, as read."""
    grades: list           # Row
    manual: list           # ManualRow
    run: dict
    results: dict          # (student, function) -> FunctionResult
    students: list
    folders: dict          # student -> students/<folder>
    answers: dict = field(default_factory=dict)   # student -> {function: answer text} (results.jsonl)


def load(out_dir) -> Graded:
    """grades.csv, manual.csv, run.json and results.jsonl of a grading directory
    (``ResultsMissing`` without results.jsonl)."""
    out_dir = pathlib.Path(out_dir)
    results, answers = read_results(read_records(out_dir))
    grades, manual = read_grades(out_dir / "grades.csv"), read_manual(out_dir / "manual.csv")
    run = read_run(out_dir)
    students = sorted({r.student_id for r in grades})
    folders = student_folders(students, run)
    return Graded(grades, manual, run, results, students, folders, answers)


# ---------------------------------------------------------------- numbers

@dataclass
class Stats:
    n: int = 0
    mean: float = 0.0
    median: float = 0.0
    q1: float = 0.0
    q3: float = 0.0
    min: float = 0.0
    max: float = 0.0


def score_stats(values) -> Stats:
    """n, mean, median, quartiles (numpy's linear interpolation), min, max."""
    a = np.asarray(list(values), dtype=float)
    if not a.size:
        return Stats()
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return Stats(int(a.size), float(a.mean()), float(med), float(q1), float(q3), float(a.min()), float(a.max()))


@dataclass
class NotebookScore:
    points: float = 0.0
    max: float = 0.0
    bonus: float = 0.0


@dataclass
class StudentTotal:
    """A student's required total and maximum, the optional bonus beside them, and per notebook:
    the autograded part of ``autograder.core.totals.Totals`` (the report has no written grades)."""
    total: float = 0.0
    max: float = 0.0
    bonus: float = 0.0
    bonus_max: float = 0.0
    notebooks: dict = field(default_factory=dict)    # notebook -> NotebookScore

    def points_in(self, notebook) -> float:
        nb = self.notebooks.get(notebook)
        return nb.points if nb else 0.0


def student_totals(grades, scheme=None) -> dict:
    """student -> StudentTotal, from ``autograder.core.totals`` (the one definition). The optional bonus
    is kept out of the required total (and out of ``max``): it is counted in ``bonus`` /
    ``bonus_max`` beside it."""
    scheme = scheme or totals_module.scheme()
    by_student = defaultdict(list)
    for r in grades:
        by_student[r.student_id].append(r)
    out = {}
    for student, rows in by_student.items():
        t = totals_module.Totals.of(rows, scheme)
        s = out[student] = StudentTotal(t.auto, t.auto_max, t.optional_auto, t.optional_auto_max)
        for nb in sorted({r.notebook for r in rows}):
            n = totals_module.Totals.of((r for r in rows if r.notebook == nb), scheme.only([nb]))
            s.notebooks[nb] = NotebookScore(n.auto, n.auto_max, n.optional_auto)
    return out


def registry_order(name):
    """Registry order for functions, unknown ones last."""
    names = [f.name for f in FUNCTIONS]
    return (names.index(name) if name in names else len(names), name)


@dataclass
class GroupRate:
    name: str
    passed: int
    share: float


@dataclass
class PassRate:
    """A graded function: how many students passed it, and each property group."""
    function: str
    grade_id: str
    notebook: str
    n: int
    optional: bool
    passed: int
    share: float
    groups: list          # GroupRate, in the suite's group order

    @property
    def weakest_group(self):
        """The group fewest students passed (the first of them), or None without group detail."""
        return min(self.groups, key=lambda g: g.share, default=None)


def pass_rates(grades, results, scheme=None) -> list:
    """Per graded function: share passing, and per property group the share passing.

    Denominator: every student with a row for that test, so an invalid notebook
    or a crash counts as not passing. Groups come from the suites' results; a student
    without group results for a function (invalid, error, timeout) passed none.
    """
    scheme = scheme or totals_module.scheme()
    by_fn = defaultdict(list)
    for r in grades:
        by_fn[r.function].append(r)
    out = []
    for fn in sorted(by_fn, key=registry_order):
        rows = by_fn[fn]
        n = len({r.student_id for r in rows})
        passed = {r.student_id for r in rows if r.status == Status.PASSED}
        group_pass = Counter()  # insertion order: the suite's group order
        for r in rows:
            res = results.get((r.student_id, fn))
            for g in res.groups if res is not None else ():
                group_pass[g.name] += bool(g.passed)
        out.append(PassRate(fn, rows[0].grade_id, rows[0].notebook, n, scheme.is_optional(rows[0].notebook, rows[0].grade_id),
                            len(passed), len(passed) / n if n else 0.0,
                            [GroupRate(g, group_pass[g], group_pass[g] / n if n else 0.0) for g in group_pass]))
    return out


class WeakGroup(NamedTuple):
    share: float
    function: str
    group: str            # "" when the function has no group detail


def weakest_groups(rates, k=5) -> list:
    """The k weakest required functions, each by its weakest property group below 100% (one
    row per function: a function whose every group fails would otherwise fill the list); a
    function without group detail counts as a whole."""
    cells = []
    for r in rates:
        if r.optional:
            continue
        below = [(g.share, i, g.name) for i, g in enumerate(r.groups) if g.share < 1]
        if below:
            share, _, name = min(below)
            cells.append(WeakGroup(share, r.function, name))
        elif not r.groups and r.share < 1:
            cells.append(WeakGroup(r.share, r.function, ""))
    return sorted(cells, key=lambda c: (c.share, registry_order(c.function)))[:k]


@dataclass
class Misconception:
    """A misconception id, its wording as the students were told, and who showed it where."""
    id: str
    zh: str
    en: str
    students: list
    general: bool         # says what happened (GENERAL) rather than what was misunderstood
    count: int
    functions: list


def misconception_text(mid) -> tuple:
    """(zh, en) wording of a misconception id, as the students were told; the id if unknown."""
    zh, en, _ = CATALOG.get(mid, (mid, mid, ""))
    return zh, en


def misconceptions(grades) -> list:
    """Each misconception id with the students (and functions) it was seen in, most students first."""
    seen = defaultdict(lambda: defaultdict(list))
    for r in grades:
        mid = r.misconception.strip()
        if mid:
            seen[mid][r.student_id].append(r.function)
    out = []
    for mid, who in seen.items():
        zh, en = misconception_text(mid)
        out.append(Misconception(mid, zh, en, sorted(who), mid in GENERAL, len(who),
                                 sorted({f for fs in who.values() for f in fs}, key=registry_order)))
    return sorted(out, key=lambda m: (m.general, -m.count, m.id))


@dataclass
class ManualCell:
    """A written-answer cell: how many answered (awaiting a human) and how many left it blank."""
    notebook: str
    grade_id: str
    max_points: float
    answered: int
    blank: int
    students: list        # those who answered


def manual_summary(manual) -> list:
    by_cell = defaultdict(list)
    for r in manual:
        by_cell[(r.notebook, r.grade_id)].append(r)
    out = []
    for (nb, gid), rows in sorted(by_cell.items()):
        answered = sorted(r.student_id for r in rows if r.answered)
        out.append(ManualCell(nb, gid, rows[0].max_points, len(answered),
                              len(rows) - len(answered), answered))
    return out


@dataclass
class Problem:
    """One row worth a look: whose, which test, and why."""
    student_id: str
    notebook: str
    grade_id: str
    message: str


@dataclass
class Problems:
    invalid: list         # one per notebook
    timeout: list
    forbidden: list       # operators the exercise does not allow (or not the required one)
    integrity: list       # rows with integrity flags (``flags`` column, e.g. ``tampering:threading``)
    grader_errors: list   # the grader's failures, not the students'
    error_rows: list      # tests whose code raised

    @property
    def errors(self) -> int:
        return len(self.error_rows)


def is_forbidden(row) -> bool:
    """Whether the grader found an operator the exercise does not allow."""
    return row.misconception in RULE_BREAKS


def problems(grades) -> Problems:
    def problem(r, message=None):
        return Problem(r.student_id, r.notebook, r.grade_id, r.message if message is None else message)

    invalid, timeout, forbidden, integrity, grader_errors, error_rows = {}, [], [], [], [], []
    for r in grades:
        if r.flags:
            integrity.append(problem(r, ";".join(sorted(r.flags))))
        if r.status == Status.INVALID:
            invalid.setdefault((r.student_id, r.notebook), problem(r))
        elif r.status == Status.TIMEOUT:
            timeout.append(problem(r))
        elif is_forbidden(r):
            forbidden.append(problem(r))
        if r.grader_error:
            grader_errors.append(problem(r))
        elif r.status == Status.ERROR:
            error_rows.append(problem(r))
    return Problems(list(invalid.values()), timeout, forbidden, integrity, grader_errors, error_rows)


def _float(value, default=0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def slowest(grades, run, k=10) -> list:
    """The k slowest submissions, (student, seconds).

    run.json's per-submission seconds (reading and sandbox start included);
    else the per-test seconds column of grades.csv.
    """
    # run.json keeps the exact ids; grades.csv and the page show display forms
    secs = {display_id(s): _float(v) for s, v in (run.get("per_submission_seconds") or {}).items()}
    if not secs:  # e.g. run.json lost: the tests' own seconds, summed per student
        secs = defaultdict(float)
        for r in grades:
            secs[r.student_id] += r.seconds
    return sorted(secs.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def feedback_pages(out_dir, folders, notebooks) -> dict:
    """(student, notebook) -> the feedback page's URL relative to DIR, for the pages that exist."""
    pages = {}
    for s, folder in folders.items():
        for nb in notebooks:
            page = pathlib.PurePosixPath(folder) / f"{safe_name(nb)}.html"
            if (pathlib.Path(out_dir) / page).exists():
                pages[(s, nb)] = urllib.parse.quote(page.as_posix())   # a folder name is never markup or a URL
    return pages


def run_items(run, out_dir) -> list:
    """(item, value) rows of the grading metadata: run.json's (big maps left out), then the report's own."""
    rows = [(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
            for k, v in run.items() if not (isinstance(v, dict) and len(v) > 8)]
    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return rows + [("report", f"autograder {__version__}, {now}"), ("grades", str(out_dir))]


# ---------------------------------------------------------------- the whole report

@dataclass
class NotebookStats:
    stats: Stats
    max: float


@dataclass
class Kpis:
    """The figures at the top of the page."""
    students: int
    mean: float
    median: float
    max_total: float
    invalid: int
    timeouts: int
    rule_breaks: int
    grader_errors: int
    awaiting: int         # written answers to grade by hand


@dataclass
class Report:
    out_dir: str
    students: list
    totals: dict          # student -> StudentTotal
    max_total: float
    stats: Stats          # of the required totals
    notebooks: dict       # notebook -> NotebookStats
    pass_rates: list      # PassRate, registry order
    misconceptions: list  # Misconception, most students first
    manual: list          # ManualCell
    problems: Problems
    slowest: list         # (student, seconds)
    run: dict
    grades: list          # grades.csv's rows (Row)
    folders: dict         # student -> students/<folder>
    pages: dict           # (student, notebook) -> feedback page URL
    integrity: Optional[dict]   # autograder.report.integrity's result, None when left out
    late: dict = field(default_factory=dict)   # student -> deadlines.Lateness (DIR/late.csv), if assessed
    # rows whose message could not be rendered again in the report's language and seems to be in
    # another (``in_report_language``): the page says so
    messages_kept: int = 0

    @property
    def late_rows(self) -> list:
        """The students whose lateness a person should see: late, or with an unknown submission time."""
        return [self.late[s] for s in sorted(self.late) if self.late[s].status in ("late", "missing", "invalid")]

    @property
    def kpis(self) -> Kpis:
        pr = self.problems
        return Kpis(len(self.students), self.stats.mean, self.stats.median, self.max_total, len(pr.invalid),
                    len(pr.timeout), len(pr.forbidden), len(pr.grader_errors), sum(m.answered for m in self.manual))

    @property
    def top_misconceptions(self) -> list:
        return [m for m in self.misconceptions if not m.general][:5]

    @property
    def weakest(self) -> list:
        return weakest_groups(self.pass_rates)

    @property
    def needs_help(self) -> list:
        """The five lowest required totals."""
        return sorted(self.students, key=lambda s: (self.totals[s].total, s))[:5]

    @property
    def sandbox_warnings(self) -> list:
        """What the sandbox said once for the whole run (run.json), e.g. a weaker jail."""
        return list(self.run.get("sandbox_warnings") or [])

    @property
    def lookalikes(self) -> list:
        """Groups of exact ids a person cannot tell apart (``course.safe_text.lookalike_groups``)."""
        return lookalike_groups(exact_id(s) for s in self.students)

    @property
    def lookalikes_shown(self) -> list:
        """The same groups as the page shows the ids (display forms, as in grades.csv)."""
        return [[display_id(s) for s in g] for g in self.lookalikes]

    @property
    def weak_sandbox(self) -> Optional[dict]:
        """How weakly this run's sandbox confined student code (run.json), for the banner at the top;
        None when weak sandboxes were not allowed and none was used (the kit then refuses to grade)."""
        run = self.run
        unconfined = [str(r) for r in run.get("unconfined") or [] if isinstance(r, str)]
        allowed = run.get("allow_weak_sandbox") is True
        if not allowed and not unconfined:
            return None
        names = {"fs": ("文件系统", "file system"), "net": ("网络", "network")}
        n = run.get("weak_sandbox_students")
        return {"allowed": allowed, "unconfined": unconfined,
                "zh": "、".join(names.get(r, (r, r))[0] for r in unconfined),
                "en": " and ".join(names.get(r, (r, r))[1] for r in unconfined),
                "students": n if isinstance(n, int) and not isinstance(n, bool) else 0}

    def misconceptions_of(self, student) -> list:
        return [m.id for m in self.misconceptions if student in m.students]

    def meta(self) -> list:
        return run_items(self.run, self.out_dir)


def _other_language(message: str, language: str) -> bool:
    """Whether a kept message seems written in another language than ``language`` (an English one
    has no Chinese; a Chinese one has some)."""
    han = any("\u4e00" <= ch <= "\u9fff" for ch in message)
    return han if language == "en" else (not han and any(ch.isalpha() for ch in message))


def in_report_language(grades, results) -> tuple:
    """``(rows, kept)``: grades.csv's rows with each graded function's message rendered again in the
    current language from its typed result (results.jsonl: status, the faults named, the groups
    failed; ``autograder.grading.row_message``), whatever language it was graded in (issue #25),
    as is a row holding one of the kit's fixed messages ("notebook not submitted"); and the rows
    left as graded, because their message is not typed (the grader's errors, an invalid notebook,
    a function not defined: these may quote the student's own text)."""
    from autograder.grading.row_message import fixed_message, function_message
    out, kept = [], []
    for r in grades:
        res = results.get((r.student_id, r.function))
        if (res is not None and not r.grader_error and res.status == r.status
                and (res.misconception or "") == r.misconception):
            mids = res.misconceptions or ([res.misconception] if res.misconception else [])
            out.append(replace(r, message=function_message(res.status.value, mids, res.groups_failed)))
        elif (fixed := fixed_message(r.message)) is not None:   # the kit's fixed words (not submitted)
            out.append(replace(r, message=fixed))
        else:
            out.append(r)
            kept.append(r)
    return out, kept


def build(out_dir, integrity=True) -> Report:
    """All the report's numbers, from a grading output directory (``ResultsMissing`` without its
    results.jsonl).

    ``integrity``: also the integrity analysis (``autograder.report.integrity``; the answer cells are
    results.jsonl's); ``rep.integrity`` is None without it."""
    data = load(out_dir)
    from course.language import current_language
    grades, kept = in_report_language(data.grades, data.results)
    scheme = totals_module.scheme()
    totals = student_totals(grades, scheme)
    notebooks = sorted({r.notebook for r in grades})
    per_nb = {}
    for nb in notebooks:
        mine = [t.notebooks[nb] for t in totals.values() if nb in t.notebooks]
        per_nb[nb] = NotebookStats(score_stats(n.points for n in mine), max((n.max for n in mine), default=0.0))
    return Report(
        out_dir=str(out_dir), students=data.students, totals=totals,
        max_total=max((t.max for t in totals.values()), default=0.0),
        stats=score_stats(t.total for t in totals.values()), notebooks=per_nb,
        pass_rates=pass_rates(grades, data.results, scheme), misconceptions=misconceptions(grades),
        manual=manual_summary(data.manual), problems=problems(grades), slowest=slowest(grades, data.run),
        run=data.run, grades=grades, folders=data.folders,
        pages=feedback_pages(out_dir, data.folders, notebooks),
        integrity=integrity_result(data) if integrity else None,
        late=read_late_csv(pathlib.Path(out_dir) / "late.csv"),
        messages_kept=sum(_other_language(r.message, current_language()) for r in kept))


def integrity_result(data):
    """The integrity analysis (evidence for a person; it never changes a number above)."""
    from autograder.report.integrity.analyse import analyse, common_misconceptions, failed
    try:
        grades = row_dicts(data.grades)
        result = analyse(grades, data.run, data.results, data.answers)
        result["common"] = common_misconceptions(result, grades)
    except Exception as e:                 # the rest of the report still gets written; the section says why
        result = failed(f"{type(e).__name__}: {e}")
    return result
