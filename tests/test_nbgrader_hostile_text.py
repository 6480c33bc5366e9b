"""Hostile notebook text on the nbgrader path (tests/hostile/notebook_text): lone surrogates and
other unencodable text, and HTML in student markdown (feedback XSS).

One class, graded once by ``autograder grade`` and once by plain ``nbgrader autograde`` +
``generate_feedback`` with the kit's configuration (a temporary course directory):

* nbgrader grades every student it can store, exit 0, with the points ``autograder grade``
  gives (and full marks wherever the hostile text is not in the student's own code);
* a student folder or notebook whose name is not UTF-8 is skipped with a warning naming it;
* no submission is modified;
* no feedback page, and no formgrader page, keeps anything live from a student: checked by
  parsing the HTML, and in a real headless Chromium (where ``make system`` installed it), where
  every attack would set ``window.__pwned`` or navigate away.
"""
import os
import pathlib
import subprocess
from collections import Counter

import pytest

import harness  # noqa: E402
import notebook_text  # noqa: E402
from course.safe_text import display_id  # noqa: E402

pytestmark = pytest.mark.slow

NBGRADER = str(pathlib.Path(harness.PY).parent / "nbgrader")
CHROMIUM = "/usr/bin/chromium"


def _sid(name):
    return os.fsdecode(name) if isinstance(name, bytes) else name


@pytest.fixture(scope="module")
def graded():
    subs = notebook_text.build_class(harness._BASE / "notebook_text_class")
    out = harness._BASE / "notebook_text_out"
    cli = harness.run_cli(subs, out, *harness.WORKERS)
    assert cli.returncode == 0, cli.stderr[-3000:]
    course, gen, auto = harness.nbgrader_course("notebook_text", subs)
    assert gen.returncode == 0, gen.stderr[-3000:]
    feedback = subprocess.run([NBGRADER, "generate_feedback", "pooling"], cwd=course, env=harness.env(),
                              capture_output=True, text=True, timeout=900)
    return subs, harness.points(harness.read_grades(out)), course, auto, feedback


def test_autograde_succeeds_and_skips_only_names_it_cannot_store(graded):
    subs, ours, course, auto, _ = graded
    assert auto.returncode == 0, auto.stderr[-4000:]
    assert "Traceback" not in auto.stderr, auto.stderr[-4000:]
    storable = {n for n, (_, pts) in notebook_text.STUDENTS.items() if pts is not None}
    for name in storable:
        assert (course / "autograded" / name / "pooling" / "01_basics.ipynb").is_file(), name
    skipped = [_sid(n) for n, (_, pts) in notebook_text.STUDENTS.items() if pts is None]
    for sid in skipped:
        assert not os.path.exists(os.path.join(os.fsencode(course / "autograded"), os.fsencode(sid)))
    lines = auto.stderr.splitlines()
    # the undecodable byte is shown as an escape of the byte (course.safe_text.visible), never raw
    assert any("folder name is not UTF-8" in line and "sur_folder\\xff" in line for line in lines), auto.stderr
    assert any("file name is not UTF-8" in line and "01_basics\\xff.ipynb" in line for line in lines)


def test_points_as_autograder_grade_and_full_marks(graded):
    subs, ours, course, auto, _ = graded
    theirs = harness.gradebook_points(course)
    for name, (_, expected) in notebook_text.STUDENTS.items():
        if expected is None:
            assert not any(k[0] == _sid(name) for k in theirs)
            # grades.csv shows the undecodable byte as an escape (\xff): `autograder grade` grades it
            shown = display_id(_sid(name))
            assert sum(v for k, v in ours.items() if k[0] == shown and k[1] == "01_basics") == 5.0, \
                sorted({k[0] for k in ours})
            continue
        mine = {k: v for k, v in ours.items() if k[0] == name and k[1] == "01_basics"}
        assert mine and {k: theirs.get(k) for k in mine} == mine, name
        assert sum(mine.values()) == expected, (name, mine)


def test_submissions_untouched(graded):
    subs, *_ = graded
    for name, (data, _) in notebook_text.STUDENTS.items():
        folder = os.path.join(os.fsencode(subs), os.fsencode(name) if isinstance(name, str) else name, b"pooling")
        with open(os.path.join(folder, b"01_basics.ipynb"), "rb") as f:
            assert f.read() == data, name


def test_autograded_copies_are_valid_utf8_notebooks(graded):
    import nbformat
    _, _, course, *_ = graded
    for path in (course / "autograded").rglob("*.ipynb"):
        text = path.read_bytes().decode("utf-8")                  # strict: no surrogate was written
        nbformat.validate(nbformat.reads(text, as_version=4))
    md = (course / "autograded" / "sur_markdown" / "pooling" / "01_basics.ipynb").read_text(encoding="utf-8")
    assert "\ufffd" in md or "\\ufffd" in md                         # the lone surrogate, replaced


# ------------------------------------------------------------------ feedback pages

def _pages(graded):
    _, _, course, _, feedback = graded
    assert feedback.returncode == 0, feedback.stderr[-4000:]
    return {p.parts[-3]: p for p in (course / "feedback").rglob("01_basics.html")}


def test_feedback_for_everyone(graded):
    pages = _pages(graded)
    storable = {n for n, (_, pts) in notebook_text.STUDENTS.items() if pts is not None}
    assert storable <= set(pages)
    page = pages["sur_markdown"].read_text(encoding="utf-8")
    assert "我的笔记" in page and "\ufffd" in page


ACTIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "meta", "base", "link", "frame"}


def inert_problems(html):
    """What in the page's body could run or load something: event handlers, active tags,
    javascript:/data: links, remote images, style beyond layout. [] when inert."""
    from bs4 import BeautifulSoup
    body = BeautifulSoup(html, "html.parser").body
    problems = []
    for tag in body.find_all(True):
        if tag.name in ACTIVE_TAGS:
            problems.append(f"<{tag.name}>")
        for attr, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            squeezed = "".join(value.split()).lower()
            if attr.lower().startswith("on") or attr.lower() in ("srcdoc", "formaction"):
                problems.append(f"<{tag.name} {attr}>")
            if attr in ("href", "src", "action", "data") and squeezed.startswith(("javascript:", "vbscript:")):
                problems.append(f"<{tag.name} {attr}={value[:40]}>")
            if attr in ("href", "src") and squeezed.startswith("data:") and not (
                    tag.name == "img" and squeezed.startswith(("data:image/png", "data:image/svg+xml"))):
                problems.append(f"<{tag.name} {attr}={value[:40]}>")
            if tag.name == "img" and attr == "src" and squeezed.startswith(("http:", "https:", "//")):
                problems.append(f"remote <img {value[:40]}>")
            if attr == "style" and ("url(" in squeezed or "expression(" in squeezed):
                problems.append(f"<{tag.name} style={value[:40]}>")
    return problems


def test_inert_problems_sees_each_attack():
    """The checker itself: each attack of the corpus, unsanitised, is reported."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    for name, md in notebook_text.XSS.items():
        html = f"<html><body>{markdown2html_mistune(md)}</body></html>"
        if name == "mxss":                       # only a browser's parser shows this one (the Chromium test)
            continue
        assert inert_problems(html), name


def test_feedback_pages_are_inert(graded):
    pages = _pages(graded)
    for student in ("xss_markdown", "xss_outputs", "sur_attachments", "honest"):
        html = pages[student].read_text(encoding="utf-8")
        assert inert_problems(html) == [], student
    html = pages["xss_markdown"].read_text(encoding="utf-8")
    assert "click me" in html and "entities" in html          # the text stays, only its power goes
    assert "data:image/svg+xml" in html                       # the kit's own rendered formula ($x$) stays


def test_formgrader_page_is_inert(graded):
    """The instructor's formgrader view of the same autograded notebook, rendered as the formgrader does
    (its `formgrade` template) once the course's nbgrader_config.py has run install()."""
    from nbconvert.exporters import HTMLExporter
    import nbgrader.server_extensions.formgrader.base as base
    import nbgrader.server_extensions.formgrader.handlers as handlers
    from autograder.adapters.nbgrader.converters import install
    _, _, course, *_ = graded
    install()

    class Handler:
        settings = {"nbgrader_exporter": HTMLExporter(template_name="formgrade",
                                                      extra_template_basedirs=[handlers.template_path])}

    resources = {"assignment_id": "pooling", "notebook_id": "01_basics", "submission_id": "x", "index": 0,
                 "total": 1, "base_url": "", "student": "xss_markdown", "last_name": "", "first_name": "",
                 "notebook_path": "x"}
    def render(exporter, student):
        path = course / "autograded" / student / "pooling" / "01_basics.ipynb"
        return Counter(inert_problems(exporter.from_filename(str(path), resources=dict(resources))[0]))

    # The formgrader's own page has scripts and handlers: a student's page may have those, no more.
    stock = Handler.settings["nbgrader_exporter"]
    assert render(stock, "xss_markdown") - render(stock, "honest")     # nbgrader's page would run them
    kit = base.BaseHandler.exporter.fget(Handler())
    assert render(kit, "xss_markdown") == render(kit, "honest") == render(stock, "honest")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium (make system)")
def test_feedback_pages_in_a_real_browser(graded, browser):
    """Each page opened in headless Chromium, links clicked: no attack sets window.__pwned or navigates."""
    pages = _pages(graded)
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                  else route.abort())
    try:
        control = harness._BASE / "xss_control.html"            # the check can fail: a live handler is seen
        control.write_text("<html><body>" + notebook_text.XSS["img_onerror"] + "</body></html>")
        page = context.new_page()
        page.goto(control.as_uri())
        page.wait_for_function("() => window.__pwned === 'img'", timeout=5000)
        page.close()
        for student in ("xss_markdown", "xss_outputs"):
            page = context.new_page()
            url = pages[student].as_uri()
            page.goto(url)
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)                          # onerror / onload handlers fire by now
            assert page.evaluate("() => window.__pwned === undefined"), student
            for link in page.locator("a[href]").all()[:60]:
                href = link.get_attribute("href") or ""
                # An address on the web (the notebooks' references) leaves the page for a site the route
                # refuses: it runs nothing here. What may run is javascript:, data: and the like.
                if href.startswith(("#", "http://", "https://")) or not link.is_visible():
                    continue
                link.click(no_wait_after=True, timeout=2000)
                page.wait_for_timeout(50)
                assert page.evaluate("() => window.__pwned === undefined"), (student, href)
                if page.url != url:
                    assert page.url.startswith(("file:", "about:")), page.url
                    page.goto(url)
            page.close()
    finally:
        context.close()


def test_feedback_exporter_alone_makes_student_html_inert():
    """The exporter layer alone (no ClearOutput before it): hostile markdown, raw cells, HTML, SVG,
    JavaScript and markdown outputs, rendered by generate_feedback's exporter, stay inert."""
    import nbformat
    from autograder.adapters.nbgrader.feedback import KitFeedback, KitFeedbackExporter, configure
    from traitlets.config import Config
    c = Config()
    configure(c)
    nb = nbformat.v4.new_notebook()
    for md in notebook_text.XSS.values():
        nb.cells.append(nbformat.v4.new_markdown_cell(md))
    nb.cells.append(nbformat.v4.new_raw_cell(notebook_text.XSS["img_onerror"], metadata={"raw_mimetype": "text/html"}))
    code = nbformat.v4.new_code_cell("1")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": notebook_text.XSS["img_onerror"] + notebook_text.XSS["iframe_srcdoc"],
        "image/svg+xml": notebook_text.XSS["svg_onload"], "application/javascript": "window.__pwned='js'",
        "text/markdown": notebook_text.XSS["js_link"], "text/plain": "x"})]
    nb.cells.append(code)
    exporter = KitFeedbackExporter(config=c)
    exporter.register_preprocessor(KitFeedback(), enabled=True)
    resources = {"nbgrader": {"notebook": "01_basics", "score": 0, "max_score": 5, "late_penalty": 0}}
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    assert '得分 / <span lang="en">score</span>' in html      # the kit's template rendered it
    assert inert_problems(html) == []
    assert "window.__pwned='js'" not in html


def test_feedback_pages_are_the_same_file_each_time_and_the_cache_keeps_them_inert():
    """The exporter renders each distinct markdown cell once per run (a class repeats the book's text):
    a cell repeated, or one with attachments (never shared), stays as inert as the first; two runs,
    fresh caches and math drawings included, write the same bytes (the SVG's ids salted, no date)."""
    import base64
    import re
    import nbformat
    from autograder.adapters.nbgrader import feedback
    from traitlets.config import Config
    c = Config()
    feedback.configure(c)
    nb = nbformat.v4.new_notebook()
    for md in list(notebook_text.XSS.values()) * 2 + ["池化 $2\\times 2$ 与 $$\\max(a, b)$$"]:
        nb.cells.append(nbformat.v4.new_markdown_cell(md))
    nb.cells.append(nbformat.v4.new_markdown_cell(notebook_text.XSS["img_onerror"],
                                                  attachments={"a.png": {"image/png": "iVBORw0KGgo="}}))
    pages = []
    for _ in range(2):
        feedback.math_svg.cache_clear()
        feedback._clean.cache_clear()
        exporter = feedback.KitFeedbackExporter(config=c)
        exporter.register_preprocessor(feedback.KitFeedback(), enabled=True)
        html, _ = exporter.from_notebook_node(nb.copy(), resources={"nbgrader": {"notebook": "01_basics", "score": 0,
                                                                                 "max_score": 5, "late_penalty": 0}})
        assert inert_problems(html) == []
        pages.append(html)
    assert pages[0] == pages[1]
    svgs = [base64.b64decode(s) for s in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", pages[0])]
    assert svgs and not any(b"<metadata>" in s or b"dc:date" in s for s in svgs)
