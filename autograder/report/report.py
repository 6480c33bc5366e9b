"""The instructor's class report: the files ``autograder report DIR`` writes.

From what ``autograder grade SUBMISSIONS --out DIR`` wrote:

- ``DIR/report.html``: one self-contained page (plots inline as base64 PNG), rendered from
  ``autograder/report/templates/report.html.j2``;
- ``DIR/report_students.csv``: one row per student, for an LMS;
- ``DIR/report_tests.csv``: one row per student per graded test;
- ``DIR/integrity.csv``: the integrity section's pairs (unless it is left out).

The numbers are computed apart, in :mod:`autograder.report.data` (:func:`build`), so tests
check them without parsing HTML. The command line is ``autograder.cli.commands``.
"""
import pathlib
from collections import Counter, defaultdict

from autograder.report import plots
from autograder.core.course_dir import ASSIGNMENT
from autograder.report.integrity import render as integrity_section
from autograder.run.write import atomic_write, csv_text
from autograder.report.data import build, load, read_csv, read_grades, registry_order  # noqa: F401  (load)
from autograder.report.environment import ENV
from course.safe_text import display_id
from course.language import say
from course.messages import group_title

TEST_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "function",
                "points", "max_points", "status", "misconception",
                "groups_failed", "seconds", "message"]

# The problems section lists at most this many tests that raised (the rest: report_tests.csv).
ERROR_ROWS_SHOWN = 200


# ---------------------------------------------------------------- CSV exports

def _num(x) -> str:
    """Points without a trailing .0 (2.0 -> '2', 1.5 -> '1.5')."""
    return f"{x:.4f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def students_csv(rep) -> str:
    """student_id,total,max, then one points column per notebook (required tests); a ``bonus``
    column when the class has optional bonus tests."""
    nbs = sorted(rep.notebooks)
    bonus = any(t.bonus_max for t in rep.totals.values())
    rows = []
    for s in rep.students:
        t = rep.totals[s]
        rows.append([s, _num(t.total), _num(t.max)] + [_num(t.points_in(nb)) for nb in nbs]
                    + ([_num(t.bonus)] if bonus else []))
    return csv_text(["student_id", "total", "max"] + nbs + (["bonus"] if bonus else []), rows)


def tests_csv(rep) -> str:
    """One row per student per graded test."""
    rows = []
    for r in sorted(rep.grades, key=lambda r: (r.student_id, r.notebook, registry_order(r.function))):
        rows.append([r.student_id, r.assignment or ASSIGNMENT, r.notebook, r.grade_id, r.function,
                     _num(r.points), _num(r.max_points), r.status.value, r.misconception,
                     ";".join(r.groups_failed), r.seconds, r.message])
    return csv_text(TEST_COLUMNS, rows)


# ---------------------------------------------------------------- the page

def _figure_data(rep):
    per_nb = [(nb, [rep.totals[s].notebooks[nb].points for s in rep.students if nb in rep.totals[s].notebooks],
               v.max, v.stats) for nb, v in sorted(rep.notebooks.items())]
    rates = rep.pass_rates
    groups = list(dict.fromkeys(g.name for r in rates for g in r.groups))
    shares = [[r.share] + [next((g.share for g in r.groups if g.name == name), None) for name in groups]
              for r in rates]
    columns = [say("整题", "whole function", both="整题 whole function")] + [group_title(g) for g in groups]
    return per_nb, [r.function for r in rates], columns, shares


def figures(rep) -> dict:
    """The page's plots as base64 PNGs: total histogram, per-notebook histograms, pass-rate heat map."""
    per_nb, functions, columns, shares = _figure_data(rep)
    heatmap = plots.pass_heatmap(functions, columns, shares) if functions else ""
    return {"total": plots.total_histogram([rep.totals[s].total for s in rep.students], rep.max_total, rep.stats),
            "notebooks": plots.notebook_histograms(per_nb), "heatmap": heatmap}


def _g(x) -> str:
    return f"{x:g}"


def _stats_words(st) -> str:
    return (f"{say('平均', 'mean')} {st.mean:.1f}, {say('中位数', 'median')} {st.median:.1f}, "
            f"{say('四分位', 'quartiles')} {st.q1:.1f}–{st.q3:.1f}, {say('最低', 'min')} {_g(st.min)}, "
            f"{say('最高', 'max')} {_g(st.max)}") if st.n else say("无", "none")


def figure_alts(rep) -> dict:
    """What each plot shows, in words (the <img> alt text): the numbers a reader would take from
    it, not only what kind of plot it is."""
    per_nb, functions, columns, shares = _figure_data(rep)
    totals = [rep.totals[s].total for s in rep.students]
    counts = sorted(Counter(totals).items(), reverse=True)
    spread = (f"; {say('分数（人数）', 'scores (students)', both='分数（人数）/ scores (students)')}: "
              + ", ".join(f"{_g(v)} ({n})" for v, n in counts) if len(counts) <= 15 else "")
    total = (f"{say('总分直方图', 'Histogram of total scores')}: {len(totals)} {say('名学生', 'students')}, "
             f"{say('满分', 'out of')} {_g(rep.max_total)}; {_stats_words(rep.stats)}{spread}")
    notebooks = say("每个笔记本的分数直方图", "Histograms of each notebook's points") + ": " + "; ".join(
        f"{nb} ({say('满分', 'out of')} {_g(mx)}): {_stats_words(st)}" for nb, _, mx, st in per_nb)
    cells = sorted((v, f, c) for f, row in zip(functions, shares) for c, v in zip(columns, row) if v is not None)
    low = ", ".join(f"{f} · {c} {v:.0%}" for v, f, c in cells[:3])
    n, c = len(functions), len(columns)
    heatmap = say(f"通过率热图：{n} 个函数（行）× {c} 列（整个函数，然后是它的各性质组），每格写着通过的学生比例，"
                  f"函数没有的性质组画斜线；最低：{low}。每个函数的通过率见下表",
                  f"Pass-rate heat map: {n} functions (rows) × {c} columns (the whole function, then its property "
                  f"groups), the share of students passing printed in each cell, hatched where a function has no "
                  f"such group; lowest: {low}. The table below gives each function's pass rate",
                  both=f"通过率热图 / Pass-rate heat map: {n} 个函数 / functions (rows) × {c} 列 / "
                  f"columns (the whole function, then its property groups), the share of students passing printed "
                  f"in each cell, hatched where a function has no such group; 最低 / lowest: {low}. "
                  f"每个函数的通过率见下表 / the table below gives each function's pass rate") if cells else ""
    return {"total": total, "notebooks": notebooks, "heatmap": heatmap}


def render_html(rep) -> str:
    """The whole report page; every image is inline, nothing is fetched."""
    integrity = None if rep.integrity is None else integrity_section.context(rep.integrity)
    return ENV.get_template("report.html.j2").render(rep=rep, plots=figures(rep), alts=figure_alts(rep),
                                                     integrity=integrity,
                                                     error_rows_shown=ERROR_ROWS_SHOWN)


def report_language(out_dir, language=None) -> str:
    """The report's language: ``language`` (``--language``), else the grading run's (run.json), else
    $COURSE_LANGUAGE, else zh+en (``autograder.core.run_language``)."""
    from autograder.core.run_language import run_language
    return run_language(out_dir, language)


def write_report(out_dir, integrity=True, language=None):
    """Build the report of a grading directory and write report.html and the two CSVs
    (and integrity.csv, unless ``integrity`` is off); returns the numbers (``report_data.Report``).
    ``report_data.ResultsMissing`` (nothing written) when DIR has no results.jsonl.
    Its words are in :func:`report_language` (``language``, else the run's); the CSVs' column
    names stay as they are (other programs read them)."""
    from course.language import in_language
    with in_language(report_language(out_dir, language)):
        return _write_report(pathlib.Path(out_dir), integrity)


def _write_report(out_dir, integrity):
    rep = build(out_dir, integrity=integrity)
    if rep.integrity is not None:
        from autograder.report.integrity.analyse import integrity_csv
        atomic_write(out_dir / "integrity.csv", integrity_csv(rep.integrity))
    else:                                          # no stale evidence beside a report without the section
        (out_dir / "integrity.csv").unlink(missing_ok=True)
    atomic_write(out_dir / "report_students.csv", students_csv(rep))
    atomic_write(out_dir / "report_tests.csv", tests_csv(rep))
    atomic_write(out_dir / "report.html", render_html(rep))
    return rep


# ---------------------------------------------------------------- nbgrader export

def compare_with_nbgrader_export(grades_csv, export_csv, assignment=ASSIGNMENT, tol=1e-6) -> list:
    """Students whose grades.csv total differs from ``nbgrader export``'s score.

    ``nbgrader export`` writes one row per (assignment, student) with ``score``
    (autograded plus any manual grades so far). Returns a list of
    (student_id, ours, theirs) with theirs None when nbgrader has no row; [] means they agree.
    """
    from autograder.core import totals
    scheme, rows = totals.scheme(), defaultdict(list)
    for r in read_grades(grades_csv):
        if (r.assignment or assignment) == assignment:
            rows[r.student_id].append(r)
    # nbgrader's score: autograded points plus extra credit, which is where optional points go;
    # nbgrader's export has the exact ids, grades.csv their display forms (course.safe_text.display_id)
    ours = {s: totals.Totals.of(mine, scheme).autograded for s, mine in rows.items()}
    theirs = {display_id(r["student_id"] or ""): _number(r.get("score") or r.get("raw_score"))
              for r in read_csv(export_csv, ours=False) if r.get("assignment") == assignment}
    diffs = []
    for s in sorted(set(ours) | set(theirs)):
        a, b = ours.get(s), theirs.get(s)
        if a is None or b is None or abs(a - b) > tol:
            diffs.append((s, a, b))
    return diffs


def _number(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0
