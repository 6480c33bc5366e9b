"""``autograder written-pdf``: each student's written answers as a PDF, for a manually graded
Gradescope assignment (what otter-grader exports beside its autograder).

::

    autograder written-pdf SUBMISSIONS --out DIR

writes ``DIR/<student folder>.pdf`` per student and ``DIR/outline.csv`` (page -> question). Every
PDF has the same pages in the same order: one page per written-answer cell of the assignment
(``autograder.core.totals``: notebook, then cell order), its question heading (from the released
notebook: trusted text) and the student's answer (the student's cell, its released question text
taken off). So a Gradescope outline is set once (question N = page N) and every upload matches it.
A missing notebook or cell gives "未作答 / not answered" on its page; an answer too long for a page
is cut, and the page says so (the whole answer is in the notebook).

The student's text is hostile: it is shown as text (Jinja2 autoescape; no markdown, no HTML of
theirs), the page carries a Content-Security-Policy that loads and runs nothing (``default-src
'none'``: no script, not even inline), and Chromium prints it with every host name unresolvable.
(Chromium's ``scriptEnabled=false`` would stop headless printing itself.) The PDF is printed by Chromium itself
(``--print-to-pdf``; the kit's browser tests use the same Debian ``chromium``), with the CJK
fonts of ``fonts-noto-cjk``.

Either edition (issue #25): each student's pages come from their own edition's released notebook
(its question text, its answer stub -- read from release/ and source/, never a constant), and the
pages' words are in the language a run would write that student's feedback in: ``--language`` or
``$COURSE_LANGUAGE`` for everyone, else the edition's (``GradingConfig.language_for``: the English
edition English only, the Chinese edition Chinese with English beside). The command's own lines on
the terminal follow ``--language`` / ``$COURSE_LANGUAGE`` like every other command's.
"""
import dataclasses
import html
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

from autograder.core import terminal, totals
from autograder.core.course_dir import ASSIGNMENT, default_course_dir, release_dir, source_dir
from autograder.run.write import atomic_write, csv_text, student_folder
from course.lang import page_lang
from course.language import check_language
from course.language import say as words
from course.safe_text import display_id

MAX_ANSWER_CHARS = 2500          # what fits one A4 page at the page's font size
MAX_NOTEBOOK_BYTES = 32 << 20
CHROMIUM_TIMEOUT = 120
BEGIN_SOLUTION = "### BEGIN SOLUTION"

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 18mm 16mm; }}
body {{ font-family: 'Noto Sans CJK SC', 'Noto Sans', sans-serif; font-size: 11pt; margin: 0; }}
section {{ height: 255mm; overflow: hidden; break-after: page; page-break-after: always; }}
section:last-child {{ break-after: auto; page-break-after: auto; }}
h1 {{ font-size: 13pt; margin: 0 0 .4em; }}
.who {{ color: #333; font-size: 9pt; margin-bottom: .6em; }}
.question {{ background: #f2f2f2; padding: .5em .7em; white-space: pre-wrap; }}
.answer {{ white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid #555; padding: .3em .7em;
           margin-top: .8em; }}
.note {{ font-size: 9pt; color: #333; }}
</style></head><body>
{sections}
</body></html>
"""
SECTION = """<section>
<h1>{number}. {heading}</h1>
<div class="who">{who}</div>
<div class="question">{question}</div>
<div class="answer">{answer}</div>
{note}</section>"""


@dataclasses.dataclass(frozen=True)
class Question:
    notebook: str
    grade_id: str
    points: float
    text: str              # the released cell's question (trusted)
    stub: str = ""         # what nbgrader put in place of the answer (the edition's text stub)


def _cell(path: pathlib.Path, grade_id: str):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next((x for x in nb["cells"] if x.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id),
                None)


def question_and_stub(released: str, source: str) -> tuple:
    """``(question, stub)`` of a released written cell: nbgrader keeps the source cell's text up to
    ``### BEGIN SOLUTION`` and puts the edition's text stub in place of the rest, so the stub is
    what the release has beyond that shared text (no stub constant: each edition sets its own)."""
    if BEGIN_SOLUTION not in source:
        return released.strip(), ""
    asked = source.split(BEGIN_SOLUTION, 1)[0]
    shared = len(os.path.commonprefix([released, asked]))
    return released[:shared].strip(), released[shared:].strip()


def questions(course_dir=None, assignment: str = ASSIGNMENT) -> list:
    """The assignment's written-answer cells in a fixed order, with `assignment`'s (an edition's)
    released question text and answer stub. Both editions have the same cells in the same order."""
    course_dir = course_dir or default_course_dir()
    scheme = totals.scheme(course_dir)
    out = []
    for c in scheme.cells:
        if not c.written:
            continue
        cell = _cell(release_dir(course_dir, assignment) / f"{c.notebook}.ipynb", c.grade_id)
        src = _cell(source_dir(course_dir, assignment) / f"{c.notebook}.ipynb", c.grade_id)
        text, stub = question_and_stub(_source(cell), _source(src)) if cell else ("", "")
        out.append(Question(c.notebook, c.grade_id, c.points, text.replace("**", "").strip(), stub))
    return out


def _source(cell) -> str:
    """A cell's source as text, whatever the (hostile) JSON holds."""
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def answers(submission, qs) -> list:
    """The student's text for each question (None: no such notebook or cell), read as hostile."""
    from autograder.pipeline.open_submission import RefusedPath, read_bytes
    cache, out = {}, []
    for q in qs:
        if q.notebook not in cache:
            path = submission.notebooks.get(q.notebook)
            nb = None
            if path:
                try:
                    data = read_bytes(path, submission.root, limit=MAX_NOTEBOOK_BYTES)
                    if len(data) <= MAX_NOTEBOOK_BYTES:
                        nb = json.loads(data.decode("utf-8", "replace"))
                except (OSError, RefusedPath, ValueError, RecursionError):
                    nb = None
            cache[q.notebook] = nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None
        nb = cache[q.notebook]
        cell = None
        if nb is not None:
            cell = next((c for c in nb["cells"] if isinstance(c, dict) and isinstance(c.get("metadata"), dict)
                         and isinstance(c["metadata"].get("nbgrader"), dict)
                         and c["metadata"]["nbgrader"].get("grade_id") == q.grade_id), None)
        if cell is None:
            out.append(None)
            continue
        text = _source(cell).replace("**", "") if q.text else _source(cell)
        if q.text and text.strip().startswith(q.text):
            text = text.strip()[len(q.text):]
        text = text.strip()
        out.append(None if text in ("", q.stub) else text)
    return out


def page_html(student_id, qs, texts, language=None) -> str:
    """The student's pages in `language` (None: the current one): every value escaped (the
    student's text is only ever text)."""
    def w(zh, en, both=None):
        return words(zh, en, both=both, language=language)
    sections = []
    for i, (q, text) in enumerate(zip(qs, texts), start=1):
        note = ""
        if text is None:
            shown = w("未作答", "not answered")
        elif len(text) > MAX_ANSWER_CHARS:
            shown = text[:MAX_ANSWER_CHARS] + " …"
            note = '<p class="note">' + html.escape(w(
                "（过长，已截断；全文见 notebook）", "(too long for the page, cut: the whole answer is in the notebook)",
                both="（过长，已截断；全文见 notebook / too long for the page, cut: the whole answer is in the notebook）")) + "</p>"
        else:
            shown = text
        sections.append(SECTION.format(
            number=i, heading=html.escape(f"{q.notebook} · {q.grade_id} ({q.points:g} {w('分', 'points')})"),
            who=html.escape(f"{w('学生', 'student')}: {display_id(student_id)}"), question=html.escape(q.text),
            answer=html.escape(shown), note=note))
    lang = page_lang(check_language(language) if language else None)
    return PAGE.format(title=html.escape(display_id(student_id)), sections="\n".join(sections), lang=lang)


def chromium() -> str:
    found = os.environ.get("AUTOGRADER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise FileNotFoundError(words("需要 Chromium", "Chromium is needed") + " (Debian: apt-get install chromium)")
    return found


def print_pdf(html_text, dest, browser=None):
    """Chromium prints `html_text` to `dest` (atomically): no script (CSP), no network, no profile kept."""
    with tempfile.TemporaryDirectory(prefix="autograder-pdf-") as tmp:
        src, out = pathlib.Path(tmp) / "page.html", pathlib.Path(tmp) / "page.pdf"
        src.write_text(html_text, encoding="utf-8")
        cmd = [browser or chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking",   # scripts: the page's CSP (default-src 'none') runs none
               "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp}/profile",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            raise RuntimeError(f"{words('Chromium 打印失败', 'Chromium could not print the PDF')}: {proc.stderr[-500:]}")
        atomic_write(dest, out.read_bytes())


def outline_csv(qs) -> str:
    return csv_text(["page", "notebook", "grade_id", "points"],
                    ([i, q.notebook, q.grade_id, q.points] for i, q in enumerate(qs, start=1)))


def run(args):
    """The ``written-pdf`` subcommand: exit 0, 2 for bad input, 3 when Chromium cannot print."""
    from autograder.pipeline.find_submissions import find_submissions
    try:
        subs, mode = find_submissions(args.submissions)
    except (FileNotFoundError, ValueError, OSError) as e:
        terminal.error(e)
        return 2
    if mode != "course":
        terminal.error(words("需要 SUBMISSIONS/<student>/pooling/ 的目录", "a class folder is needed"))
        return 2
    from autograder.core.config import GradingConfig
    # the pages' words: --language / $COURSE_LANGUAGE for everyone, else each student's edition's
    config = GradingConfig.build(language=getattr(args, "language", None))
    qs, by_edition = questions(), {}
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "outline.csv", outline_csv(qs))
    try:
        for sub in subs:
            edition = getattr(sub, "assignment", ASSIGNMENT)
            if edition not in by_edition:
                by_edition[edition] = qs if edition == ASSIGNMENT else questions(assignment=edition)
            mine = by_edition[edition]
            dest = out / f"{student_folder(sub.student_id)}.pdf"
            print_pdf(page_html(sub.student_id, mine, answers(sub, mine), config.language_for(edition)), dest)
            terminal.say(f"{display_id(sub.student_id)} -> {dest}", None)
    except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as e:
        terminal.error(e)
        return 3
    terminal.say(f"{len(subs)} {words('份 PDF', 'PDFs', both='份 PDF / PDFs')}, {len(qs)} "
                 f"{words('页每份', 'pages each', both='页每份 / pages each')} (outline: {out / 'outline.csv'})")
    return 0
