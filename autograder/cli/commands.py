"""``autograder`` command line: one argparse tree (:func:`_parser`), one function per subcommand:
``grade`` and ``report`` here (the work in autograder.run.batch and autograder.report.report), ``export``
(autograder.adapters.export.run) and ``gradescope-bundle`` (autograder.adapters.gradescope.cli).

::

    autograder grade SUBMISSIONS --out DIR [--workers N] [--scheduler ADDRESS] [--timeout S] [--memory MIB] [--force] [--quiet]
                     [--allow-weak-sandbox] [--due WHEN] [--late-policy SPEC] [--extensions CSV] [--gradebook DB]
    autograder grade path/to/01_basics.ipynb          # self-study: prints a score table
    autograder report DIR [--no-integrity] [--nbgrader-export CSV]
    autograder export DIR --to canvas|csv [--out FILE] [--gradebook gradebook.db] [--roster CANVAS.csv]
                      [--match-by COLUMN] [--id-map CSV]
    autograder gradescope-bundle OUT.zip [--allow-weak-sandbox]
    autograder intake DOWNLOAD --to SUBMISSIONS [--roster CANVAS.csv] [--id-column "SIS Login ID"] [--times CSV [--times-zone ZONE]]
    autograder written-pdf SUBMISSIONS --out DIR

Exit status: 0 once every submission has its rows, whatever the students'
code did; 2 for bad arguments or missing files; 3 when the sandbox cannot run
student code at all (the grader's failure: no class of zeros is written), or
cannot confine its file system or network here (nothing graded; the message says
how to fix it; --allow-weak-sandbox grades anyway and says so in run.json and
the report); 1 when ``report --nbgrader-export`` finds totals that differ.
"""
import argparse
import math
import os
import pathlib
import sys
import tempfile
from typing import TYPE_CHECKING

# Every line this module writes goes through say(): student text (folder names, ids, error
# messages, paths) is escaped, so no control or bidi character of theirs reaches the terminal.
from autograder.core.terminal import say, say_lines
# The kit's words in them: course.language's choice (--language, $COURSE_LANGUAGE), read when said.
from course.language import LANGUAGES, in_language
from course.language import say as words
from course.safe_text import display_id, lookalike_warning

if TYPE_CHECKING:
    from autograder.core.config import GradingConfig


def _parser():
    """The whole command tree: every subcommand and its options, each subcommand run by one function."""
    from autograder.core.limits import Limits   # a leaf: the standard library only
    ap = argparse.ArgumentParser(prog="autograder", description="汇聚层练习的防篡改评分器 / tamper-proof grader of the pooling exercises",
                                 epilog=__doc__.split("::", 1)[1],     # every subcommand's usage and the exit codes
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="评分 / grade submissions or a learner's notebooks")
    g.add_argument("submissions", help="SUBMISSIONS/<student>/pooling/*.ipynb, or one notebook, "
                                       "or a folder of a learner's notebooks")
    g.add_argument("--out", help="输出目录 / output directory (required for a class)")
    g.add_argument("--workers", type=int, default=None, help="并行进程数 / parallel workers (default: cores)")
    g.add_argument("--scheduler", default=None,
                   help="Dask 调度器 / Dask scheduler address, tcp://HOST:PORT (with no worker for 60 s, "
                        "or $AUTOGRADER_DASK_NO_WORKERS_TIMEOUT, the rest get error rows)")
    g.add_argument("--timeout", type=float, default=None,
                   help=f"每次调用的时限（秒）/ wall-clock seconds per call (default {Limits.call_timeout:g}); "
                        f"a notebook gets {Limits.NOTEBOOK_CALLS}x that in all")
    g.add_argument("--memory", type=int, metavar="MIB", default=None,
                   help=f"每个学生子进程的内存上限（MiB）/ memory limit of each student's child process, in MiB "
                        f"(default {Limits.memory >> 20}; {Limits.MEMORY_MIB[0]}-{Limits.MEMORY_MIB[1]})")
    g.add_argument("--force", action="store_true", help="重新评分未改动的提交 / re-grade unchanged submissions")
    g.add_argument("--quiet", action="store_true", help="不显示进度 / no progress output")
    g.add_argument("--language", choices=LANGUAGES, default=None,
                   help="反馈的语言 / the language of the feedback: zh+en, en or zh (default: $COURSE_LANGUAGE, "
                        "else zh+en; recorded in run.json)")
    g.add_argument("--allow-weak-sandbox", action="store_true",
                   help="沙箱无法隔离文件系统或网络时仍然评分（记入 run.json 与报告）/ grade even where the "
                        "sandbox cannot confine student code's file system or network (recorded in run.json "
                        "and shown in the report); without it the kit refuses with exit status 3")
    g.add_argument("--due", metavar="WHEN",
                   help="截止时间 / due date, e.g. 2027-03-01T23:59:00+08:00 (default: the course's "
                        "deadlines.toml, else the gradebook's duedate; none: no lateness is assessed)")
    g.add_argument("--late-policy", metavar="SPEC",
                   help="迟交规则 / late policy: none, zero[,grace=1h], 10%%/day[,cap=50%%][,grace=15m] or "
                        "5%%/hour[,cap=...]: a share of the score per started day or hour (default: deadlines.toml, "
                        "else none)")
    g.add_argument("--extensions", metavar="CSV",
                   help="延期名单 / per-student extensions: columns student_id and due or extra_hours")
    g.add_argument("--gradebook", metavar="DB",
                   help="nbgrader 成绩册 / nbgrader's gradebook.db for the assignment's due date "
                        "(default: ./gradebook.db when present)")
    g.set_defaults(run=grade)
    r = sub.add_parser("report", help="班级报告（含学术诚信，--no-integrity 关闭）/ class report with the "
                                      "integrity section (--no-integrity: without it)",
                       description="班级报告 / class report of a grading directory: DIR/report.html, "
                                   "report_students.csv, report_tests.csv and integrity.csv")
    r.add_argument("dir", metavar="DIR", help="the --out directory of `autograder grade`")
    r.add_argument("--nbgrader-export", metavar="CSV",
                   help="also compare totals with this `nbgrader export` CSV")
    r.add_argument("--no-integrity", action="store_true",
                   help="不做学术诚信分析 / leave out the integrity section and integrity.csv")
    r.add_argument("--language", choices=LANGUAGES, default=None,
                   help="报告的语言 / the language of the report: zh+en, en or zh (default: the grading run's, "
                        "from run.json, else $COURSE_LANGUAGE, else zh+en)")
    r.set_defaults(run=report)
    from autograder.adapters import export, gradescope   # light modules: no torch at import
    e = sub.add_parser("export", help="成绩导出 / final scores for Canvas or as a generic CSV")
    e.add_argument("out_dir", metavar="DIR", help="autograder grade 的输出目录 / the output of `autograder grade` "
                                                  "(its grades.csv)")
    e.add_argument("--to", choices=["canvas", "csv"], required=True,
                   help="canvas: Canvas 成绩册导入文件 / Canvas gradebook import; csv: 每个学生一行 / one row per student")
    e.add_argument("--out", help="输出文件 / file to write (default: DIR/canvas.csv or DIR/scores.csv)")
    e.add_argument("--gradebook", help="nbgrader 成绩册 / nbgrader's gradebook.db (or a database URL) for the "
                                       "points people gave (default: ./gradebook.db when present)")
    e.add_argument("--roster", help="Canvas 导出的成绩册 / the course's Canvas gradebook export, for the "
                                    "students' ID, SIS User ID, SIS Login ID and Section")
    e.add_argument("--match-by", default="SIS Login ID", choices=export.MATCH_COLUMNS,
                   help="与学生编号对应的 Canvas 列 / the roster column holding the nbgrader student id")
    e.add_argument("--id-map", metavar="CSV",
                   help="学号对照表 / a CSV with columns student_id and the --match-by column, when the hub's "
                        "user names (e.g. s001) are not Canvas's")
    e.add_argument("--language", choices=LANGUAGES, default=None,
                   help="导出文件中说明文字的语言 / the language of the export's words (notes, not the LMS's "
                        "column names): zh+en, en or zh (default: the grading run's, from run.json, else "
                        "$COURSE_LANGUAGE, else zh+en)")
    e.add_argument("--assignment-name", default=None,
                   help="Canvas 作业名 / the Canvas assignment's name (default: \"Pooling 汇聚层\"; "
                        "\"Pooling\" in English, \"汇聚层\" in Chinese)")
    e.add_argument("--assignment-id", help="Canvas 作业编号 / the Canvas assignment id (column \"Name (id)\"); "
                                           "without it Canvas creates a new assignment")
    e.set_defaults(run=export.run)
    b = sub.add_parser("gradescope-bundle", help="Gradescope 自动评分包 / write a Gradescope autograder zip")
    b.add_argument("out_zip", metavar="OUT.zip", help="要写的 zip / the zip to write")
    b.add_argument("--allow-weak-sandbox", action="store_true",
                   help="容器无法隔离学生代码时仍然评分 / run_autograder grades even where Gradescope's "
                        "container cannot confine student code's file system or network (else exit 3)")
    b.add_argument("--language", choices=LANGUAGES, default=None,
                   help="反馈的语言 / the language of the feedback Gradescope shows: zh+en, en or zh "
                        "(run_autograder sets $COURSE_LANGUAGE; default: zh+en)")
    b.set_defaults(run=gradescope.cli)
    n = sub.add_parser("intake", help="导入 LMS 下载的提交 / submissions downloaded from Canvas or Moodle, "
                                      "into nbgrader's layout for `grade`",
                       description="Canvas 的 Download Submissions zip、Moodle 的每人一个文件夹，或按学号分的文件夹 / "
                                   "Canvas's Download Submissions zip, Moodle's folder per student, or a folder per "
                                   "student id -> SUBMISSIONS/<student>/pooling/<notebook>.ipynb; unsafe members are "
                                   "refused, nothing is overwritten, the input is never modified")
    n.add_argument("download", metavar="DOWNLOAD", help="LMS 下载的 zip 或文件夹 / the LMS's zip or its folder")
    n.add_argument("--to", required=True, metavar="SUBMISSIONS", help="提交目录 / where to write nbgrader's layout")
    n.add_argument("--roster", metavar="CSV", help="Canvas 导出的成绩册 / Canvas's gradebook export: maps the "
                                                   "LMS user id (its ID column) to the student id")
    n.add_argument("--id-column", default="SIS Login ID", choices=export.MATCH_COLUMNS,
                   help="名单中作为学号的列 / the roster column that holds the student id (the hub user name)")
    n.add_argument("--times", metavar="CSV", help="提交时间表 / the LMS's submission times (Canvas: ID + Submitted At; "
                                                  "Moodle's grading worksheet: Identifier + Last modified (submission)) "
                                                  "-> timestamp.txt; default: the roster, if it has such a column")
    n.add_argument("--times-zone", metavar="ZONE", default="",
                   help="无时区的时间所在时区 / the IANA zone of times written without one (Moodle's site zone)")
    n.add_argument("--language", choices=LANGUAGES, default=None,
                   help="说明文字的语言 / the language of the command's words (lines, intake.csv's reasons): "
                        "zh+en, en or zh (default: $COURSE_LANGUAGE, else zh+en)")
    n.set_defaults(run=_intake)
    w = sub.add_parser("written-pdf", help="书面回答导出为 PDF / each student's written answers as a PDF for a "
                                           "manually graded Gradescope assignment",
                       description="每名学生一个 PDF，每道书面题一页，顺序固定 / one PDF per student, one page per "
                                   "written question in a fixed order (DIR/outline.csv), printed by Chromium")
    w.add_argument("submissions", metavar="SUBMISSIONS", help="SUBMISSIONS/<student>/pooling/*.ipynb")
    w.add_argument("--out", required=True, metavar="DIR", help="PDF 的输出目录 / where to write the PDFs")
    w.add_argument("--language", choices=LANGUAGES, default=None,
                   help="PDF 与说明文字的语言 / the language of the pages' and the command's words: zh+en, en or zh "
                        "(default: $COURSE_LANGUAGE, else each student's edition's: pooling zh+en, pooling_en en)")
    w.set_defaults(run=_written_pdf)
    return ap


MAX_TIMEOUT = 86400.0     # a day per call; beyond that the timers' arithmetic is not worth trusting


def _bad_timeout(timeout):
    """Why --timeout is refused, or None (it must be a finite number of seconds above 0)."""
    if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        return f"--timeout must be seconds in (0, {MAX_TIMEOUT:g}], got {timeout} / 时限必须大于 0 秒"
    return None


def _bad_out(out):
    """Why --out cannot be the output directory, or None; creates it (as grading would) to find out."""
    path = pathlib.Path(out)
    if path.exists() and not path.is_dir():
        return f"--out {out!r} is a file, not a directory / 不是目录"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):      # the honest test: root ignores permission bits
            pass
    except OSError as e:
        return f"--out {out!r} is not a writable directory ({e.strerror or e}) / 无法写入"
    return None


def _bad_scheduler(address):
    """Why --scheduler cannot be used (malformed, no scheduler answers), or None; asked before any grading."""
    from autograder.run.backends.dask import SchedulerUnavailable, check_scheduler
    try:
        check_scheduler(address)
    except SchedulerUnavailable as e:
        return "--scheduler: " + " ".join(str(e).split())
    return None


def _bad_memory(mib):
    """Why --memory is refused, or None (``Limits.memory_from_mib``'s range)."""
    from autograder.core.limits import Limits   # a leaf: the standard library only
    try:
        Limits.memory_from_mib(mib)
    except ValueError as e:
        return str(e)
    return None


def _scheduler_unavailable(scheduler):
    """What a Dask run raises when its scheduler is gone before grading starts (nothing, run locally)."""
    if not scheduler:
        return ()
    from autograder.run.backends.dask import SchedulerUnavailable
    return SchedulerUnavailable


def grading_config(args: argparse.Namespace) -> "GradingConfig":
    """The run's one ``GradingConfig``, from the options and the environment, read now
    ($COURSE_LANGUAGE, $AUTOGRADER_SOURCE_CHECK, ...: ``GradingConfig.build``)."""
    from autograder.core.config import GradingConfig     # a leaf: no torch
    return GradingConfig.build(timeout=args.timeout, workers=getattr(args, "workers", None),
                               scheduler=getattr(args, "scheduler", None), language=getattr(args, "language", None),
                               allow_weak_sandbox=bool(getattr(args, "allow_weak_sandbox", False)),
                               memory_mib=getattr(args, "memory", None),
                               warn=lambda text: say(f"autograder: WARNING: {text}", sys.stderr))


def weak_note(unconfined, where="run.json"):
    """The line saying a run was graded with a weak sandbox (--allow-weak-sandbox), or "" when it was not."""
    if not unconfined:
        return ""
    from autograder.sandbox.confinement import describe     # a leaf: the standard library only
    return (f"autograder: {words('注意', 'NOTE')}: {words('以弱沙箱评分', 'graded with a weak sandbox')} "
            f"(--allow-weak-sandbox): {words('未隔离', 'not confined')}: {describe(unconfined)}; "
            f"{words('见', 'see')} {where}")


def _print_table(results, stream, scheme=None):
    """Self-study: a score table, then the feedback of everything not passed. The optional bonus
    is labelled, kept out of the required total (its own line; ``autograder.core.totals``), and an
    untouched bonus stub is "not attempted", not an error."""
    from autograder.core import totals
    from autograder.core.results import SubmissionResult
    from course import language as lang
    scheme = scheme or totals.scheme()
    for res in results:
        res = res if isinstance(res, SubmissionResult) else SubmissionResult.from_dict(res)
        t = totals.Totals.of(res.rows, scheme.only(res.notebooks()))
        w = max([len(r.grade_id) for r in res.rows] + [10])
        say("", stream)
        say(f"{'notebook':<20} {'test':<{w}} {lang.say('得分', 'points', both='得分 points'):>12}  "
            + lang.say("状态", "status", both="状态 status"), stream)
        untried = set()
        for r in res.rows:
            status, message = r.status.value, r.message
            if scheme.is_optional(r.notebook, r.grade_id):
                if r.misconception == "not_implemented":        # the stub: not attempted, not an error
                    untried.add(r.grade_id)
                    status, message = "-", lang.say("未作答（附加题，可选）", "not attempted (optional bonus)",
                                                    both="未作答（附加题，可选）/ not attempted (optional bonus)")
                else:
                    message = lang.say("（附加题，可选）", "(optional bonus) ",
                                       both="（附加题，可选 / optional bonus）") + message
            say(f"{r.notebook:<20} {r.grade_id:<{w}} {r.points:>5g} / {r.max_points:<4g}  "
                  f"{status:<8} {message}", stream)
        total = lang.say("合计", "total", both="合计 total")
        say(f"{'':<20} {total:<{w}} {t.auto:>5g} / {t.auto_max:<4g}  "
            + lang.say("（不含附加题）", "(bonus not included)", both="（不含附加题 / bonus not included）")
              if t.optional_auto_max else f"{'':<20} {total:<{w}} {t.auto:>5g} / {t.auto_max:<4g}",
              stream)
        if t.optional_auto_max:
            bonus = lang.say("附加题", "bonus", both="附加题 bonus")
            say(f"{'':<20} {bonus:<{w}} {t.optional_auto:>5g} / {t.optional_auto_max:<4g}  "
                + lang.say("（可选）", "(optional)", both="（可选 / optional）"), stream)
        for r in res.rows:
            if r.status.value != "passed" and r.feedback and r.grade_id not in untried:
                say("", stream)
                say(f"--- {r.notebook} / {r.grade_id} ---", stream)
                say_lines(r.feedback, stream)          # kit text of several lines, each escaped
        for m in res.manual:
            state = (lang.say("已作答，需人工评分", "answered, needs a person") if m.answered
                     else lang.say("未作答", "not answered"))
            say(lang.say("书面回答", "written answer", both="书面回答 written answer")
                + f" {m.notebook}/{m.grade_id}: {state}", stream)


def grade_self(subs: list, out: str | None, config: "GradingConfig") -> int:
    """Self-study: grade a learner's notebooks and print the table; keep files only with --out."""
    from autograder.run.backends.local import LocalBackend
    from autograder.run.batch import grade_submissions
    from autograder.run.write import student_dir
    limits = config.limits
    results = []
    with tempfile.TemporaryDirectory(prefix="autograder-self-") as scratch:
        meta = grade_submissions(subs, out or scratch, LocalBackend(1), force=True, config=config,
                                 on_result=lambda res: results.append(res.to_dict()))
    from course.language import in_language
    with in_language(limits.language):
        _print_table(results, sys.stdout)
    note = weak_note(meta.get("unconfined"), "run.json" if out else "--allow-weak-sandbox")
    if note:
        say("", sys.stdout)
        say(note, sys.stdout)
    if out:
        say("", sys.stdout)
        from course.language import say as in_words
        say(in_words("反馈页面", "feedback pages", language=limits.language)
            + f": {student_dir(out, subs[0].student_id)}", sys.stdout)
    return 0


def grade(args):
    """``autograder grade``: a class into --out DIR, or a learner's notebooks as a score table."""
    # Arguments first, with light modules only: a wrong path is answered at once, before torch loads.
    from autograder.pipeline.find_submissions import find_submissions
    from autograder.cli.progress import Progress
    bad = _bad_timeout(args.timeout) or _bad_memory(args.memory)
    if bad:
        say(f"autograder: {bad}", sys.stderr)
        return 2
    try:
        subs, mode = find_submissions(args.submissions)
    except (FileNotFoundError, ValueError, OSError) as e:
        say(f"autograder: {e}", sys.stderr)
        return 2
    if mode == "course" and not args.out:
        say("autograder: " + words("一个班级需要 --out DIR", "--out DIR is required for a class",
                                   both="--out DIR is required for a class / 需要 --out"), sys.stderr)
        return 2
    try:
        late_settings = _late_settings(args) if mode == "course" else None
    except ValueError as e:                         # deadlines.DeadlineError: a bad date, policy or file
        say(f"autograder: {e}", sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        say("autograder: " + words("--workers 至少为 1", "--workers must be >= 1", both="--workers must be >= 1"),
            sys.stderr)
        return 2
    bad = _bad_scheduler(args.scheduler) if args.scheduler is not None and mode != "self" else None
    if bad:
        say(f"autograder: {bad}", sys.stderr)
        return 2
    bad = _bad_out(args.out) if args.out else None
    if bad:
        say(f"autograder: {bad}", sys.stderr)
        return 2
    from autograder.run.batch import grade_submissions
    from autograder.sandbox.runner import SandboxTooWeak
    config = grading_config(args)
    if mode == "self":
        try:
            return grade_self(subs, args.out, config)
        except SandboxTooWeak as e:                  # nothing graded; the learner's own flag is named
            say_lines("autograder: " + e.message("self"), sys.stderr)
            return 3
    # lateness first: each feedback page says it (write_results reads DIR/late.csv)
    _write_lateness(args.submissions, args.out, [s.student_id for s in subs], late_settings,
                    {s.student_id: s.assignment for s in subs})
    progress = None if args.quiet else Progress(total=len(subs))
    try:
        # One route: the config; the backend (a Dask cluster or local processes) is chosen from it.
        meta = grade_submissions(subs, args.out, force=args.force, config=config, progress=progress)
    except _scheduler_unavailable(args.scheduler) as e:    # it went away since _bad_scheduler
        say(f"autograder: --scheduler: {' '.join(str(e).split())}", sys.stderr)
        return 2
    except SandboxTooWeak as e:                      # refuse rather than degrade: no table written
        if progress is not None:
            progress.close()
            progress = None
        say_lines("autograder: " + e.message("cli"), sys.stderr)
        return 3
    finally:
        if progress is not None:
            progress.close()
    errors = meta.get("grader_errors", 0)          # the grader's failures, never hidden in the rows
    with in_language(config.language):
        say(words(f"评分 {meta['graded']} 份，跳过 {meta['skipped']} 份未改动的，用时 {meta['seconds']:.1f} 秒",
                  f"graded {meta['graded']}, skipped {meta['skipped']} unchanged, in {meta['seconds']:.1f}s",
                  both=f"graded {meta['graded']}, skipped {meta['skipped']} unchanged, in {meta['seconds']:.1f}s")
            + (words(f"，{errors} 个评分器错误（状态为 error 的行；见 run.json）",
                     f", {errors} grader errors (rows with status error; see run.json)",
                     both=f", {errors} 评分器错误 / grader errors (rows with status error; see run.json)")
               if errors else "")
            + f" -> {os.path.join(args.out, 'grades.csv')}", sys.stderr)
        note = weak_note(meta.get("unconfined"), os.path.join(args.out, "run.json"))
    if note:
        say(note, sys.stderr)
    return 0


def _late_settings(args):
    """The deadlines of a class run (``autograder.core.deadlines``), or None when no due date is known."""
    from autograder.core import deadlines
    from autograder.core.course_dir import default_course_dir
    gradebook = args.gradebook or ("gradebook.db" if pathlib.Path("gradebook.db").is_file() else None)
    url = None
    if gradebook:
        from autograder.adapters.export import ExportError, gradebook_url
        try:
            url = gradebook_url(gradebook)
        except ExportError as e:
            raise deadlines.DeadlineError(str(e)) from None
    settings = deadlines.load_settings(default_course_dir(), due=args.due, policy=args.late_policy,
                                       extensions=args.extensions, gradebook_url=url)
    if settings.due is None:
        if args.late_policy or args.extensions:
            raise deadlines.DeadlineError("--late-policy / --extensions 需要截止时间 / need a due date: --due, "
                                          "deadlines.toml or the gradebook's duedate")
        return None
    return settings


def _write_lateness(root, out, student_ids, settings, editions=None):
    """DIR/late.csv: each student's submission time, due date, lateness and penalty (atomically);
    without a due date (`settings` None) an old late.csv is removed, so nothing stale is applied."""
    from autograder.core import deadlines
    from autograder.run.write import atomic_write, csv_text
    if settings is None:
        pathlib.Path(out, "late.csv").unlink(missing_ok=True)
        return
    rows = deadlines.assess(root, student_ids, settings, editions or deadlines.ASSIGNMENT)
    cells = [[display_id(r.student_id), *r.to_csv()[1:]] for r in rows]
    atomic_write(pathlib.Path(out) / "late.csv", csv_text(deadlines.LATE_COLUMNS, cells))
    counts = {k: sum(r.status == k for r in rows) for k in ("late", "missing", "invalid")}
    unknown = counts['missing'] + counts['invalid']
    say(f"{words('截止', 'due', both='截止 / due')} {deadlines.iso(settings.due)} ({settings.source}), "
        f"{settings.policy.describe()}: {counts['late']} {words('迟交', 'late', both='迟交 late')}, "
        f"{unknown} {words('时间未知', 'unknown time', both='时间未知 unknown time')} "
        f"-> {os.path.join(out, 'late.csv')}", sys.stderr)
    for r in rows:
        if r.status in ("missing", "invalid"):
            say(f"autograder: {display_id(r.student_id)}: {r.note}", sys.stderr)


def _intake(args):
    from autograder.adapters import intake
    return intake.run(args)


def _written_pdf(args):
    from autograder.adapters import written_pdf
    return written_pdf.run(args)


def report(args):
    """``autograder report DIR``: DIR/report.html and the CSV exports; 1 when nbgrader's totals differ."""
    try:
        from autograder.report.report import compare_with_nbgrader_export, write_report
    except ImportError as e:
        say(f"autograder: report is not available ({e})", sys.stderr)
        return 2
    out_dir = pathlib.Path(args.dir)
    if not (out_dir / "grades.csv").is_file():
        say(f"{words('找不到', 'not found')}: {out_dir / 'grades.csv'}", sys.stderr)
        return 2
    from autograder.report.report import report_language
    with in_language(report_language(out_dir, args.language)):
        return _report(args, out_dir, write_report, compare_with_nbgrader_export)


def _report(args, out_dir, write_report, compare_with_nbgrader_export):
    from autograder.report.data import ResultsMissing
    try:
        rep = write_report(out_dir, integrity=not args.no_integrity, language=args.language)
    except ResultsMissing as e:                    # an older run's DIR: say what to do, no traceback
        say(f"autograder: {e}", sys.stderr)
        return 2
    say(f"{out_dir / 'report.html'}: {len(rep.students)} {words('名学生', 'students', both='名学生 students')}, "
        f"{words('平均', 'mean', both='平均 mean')} {rep.stats.mean:.2f}/{rep.max_total:g}", sys.stdout)
    for group in rep.lookalikes:
        say(f"autograder: WARNING: {lookalike_warning(group)}", sys.stderr)
    weak = rep.weak_sandbox
    note = weak_note(weak["unconfined"] if weak else [], f"{out_dir / 'report.html'} (top)")
    if note:
        say(note, sys.stderr)
    if rep.integrity is not None:
        n = len(rep.integrity["clusters"])
        say(f"{out_dir / 'integrity.csv'}: {n} "
            + words("组需要人工复核", "groups need a person's review"), sys.stdout)
    if args.nbgrader_export:
        diffs = compare_with_nbgrader_export(out_dir / "grades.csv", args.nbgrader_export)
        for s, a, b in diffs:
            say(f"{words('不一致', 'mismatch', both='不一致 mismatch')} {display_id(s)}: grades.csv {a} vs nbgrader {b}",
                sys.stderr)
        if diffs:
            return 1
    return 0


def main(argv=None):
    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        with in_language(getattr(args, "language", None)):    # --language: every line of the command
            return args.run(args)
    except Exception as e:
        # The grader's own failure: say so and stop, rather than grade a class of zeros. (The sandbox
        # module is not imported to catch it: it loads torch, and a bad argument must be answered fast.)
        runner = sys.modules.get("autograder.sandbox.runner")
        if runner is None or not isinstance(e, runner.SandboxUnavailable):
            raise
        say(f"autograder: {words('评分器无法运行', 'the grader cannot run')}: {e}", sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
