"""WCAG 2.1 AA of every kind of HTML page the kit writes, checked with axe-core in headless Chromium.

axe-core comes from the npm registry at the exact version of ``scripts/axe/package-lock.json``
(``scripts/install_axe.sh``, run by ``make system``/``make test``); its ``axe.min.js`` is injected
into each page: nothing is fetched at run time. The rules are those tagged wcag2a, wcag2aa, wcag21a
and wcag21aa, plus the best-practice ``region`` and every ``landmark-*`` rule, and three more
best-practice rules the issue names: ``heading-order``, ``empty-table-header`` and
``page-has-heading-one``. Any violation fails
the test, naming the rule and the nodes.

The pages, all from ONE graded class (``test_report.graded_class``, shared with the report's own
tests, so a run that has them pays nothing more):

* the class report (``report.html``);
* the feedback pages of the class (``students/*/<notebook>.html``): one per notebook, the page
  with the most failing cases drawn, so the pictures and their text alternatives are checked;
* the nbgrader feedback page, rendered by ``generate_feedback``'s exporter with the kit's
  template and preprocessor (as ``test_nbgrader_hostile_text`` does);
* the self-check's HTML (``check()``'s report with its failing case drawn), inside the smallest
  page a host gives it (JupyterLab puts it in its own page).

Each page is also checked for reflow (WCAG 1.4.10): at 320 CSS px the page itself does not scroll
sideways; only a data table's own labelled scroll region may. And for its languages (WCAG 3.1.1 and
3.1.2): the page is zh-CN and its English prose is marked lang="en".
"""
import json
import pathlib

import pytest

from test_report import graded_class  # noqa: F401  (fixture: the class graded once per session)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROOT = pathlib.Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "scripts" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# axe.run over the WCAG A/AA tags, with "region" and every "landmark-*" best-practice rule on top.
RUN_AXE = """async (tags) => {
    const BEST = ['heading-order', 'empty-table-header', 'page-has-heading-one'];
    const extra = axe.getRules().map(r => r.ruleId)
        .filter(id => id === 'region' || id.startsWith('landmark-') || BEST.includes(id));
    const rules = Object.fromEntries(extra.map(id => [id, {enabled: true}]));
    const res = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules,
                                         resultTypes: ['violations']});
    return {version: axe.version, extra,
            violations: res.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: (n.failureSummary || '').slice(0, 300)}))}))};
}"""

# Horizontal overflow of the page at the current width, and the elements that stick out
# (a designated table region scrolls inside itself and so never sticks out).
REFLOW = """() => {
    const se = document.scrollingElement;
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > se.clientWidth + 1 && !el.closest('.table-scroll')) wide.push(
            el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className : '')
            + ' ' + Math.round(r.right));
        if (wide.length > 10) break;
    }
    return {scrollWidth: se.scrollWidth, clientWidth: se.clientWidth, wide};
}"""


# English prose left unmarked on a Chinese page (WCAG 3.1.2): text nodes with an English word of three
# letters or more (identifiers with digits, underscores or operators aside, read the same either
# way) whose nearest lang is zh. Code, code views and notebook outputs and prompts are not prose.
UNMARKED_ENGLISH = """() => {
    const skip = 'code, script, style, svg, math, kbd, samp, .code, .highlight, .input_area, .output_area, .prompt';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest(skip)) continue;
        const words = n.textContent.split(/\\s+/)
            .filter(w => !/[0-9_=.()\\/\\[\\]<>:-]/.test(w) || /^[A-Za-z]+[:.,)]$/.test(w));
        if (!words.some(w => /^[A-Za-z]{3,}[:.,)]?$/.test(w))) continue;
        const lang = (el.closest('[lang]') || document.documentElement).getAttribute('lang') || '';
        if (lang.startsWith('zh')) found.push(n.textContent.trim().slice(0, 100));
    }
    return {lang: document.documentElement.lang, found};
}"""


def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `make system` (scripts/install_axe.sh)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_context(browser):
    """A browser context with axe-core in every page it opens; nothing may leave the machine."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    context.add_init_script(script=axe_source())
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(("file:", "data:", "about:")) else route.abort())
    yield context
    context.close()


def audit(context, path, also=None):
    """axe-core's violations on the page at ``path`` (a file), its unmarked English, and its reflow
    at 320 CSS px; ``also`` ({name: script}) are evaluated on the same load, their values in
    ``result["also"]``.

    Every audit of a context loads its page in the context's one tab: a new tab costs a renderer
    process (two, with its first about:blank), and the files are all file: URLs (one site), so the
    tab's renderer is reused from page to page. Each load is a new document: axe-core is injected
    again (the context's init script) and nothing of the page before is left."""
    page = context.pages[0] if context.pages else context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(pathlib.Path(path).as_uri())
    page.wait_for_load_state("load")
    result = page.evaluate(RUN_AXE, WCAG_TAGS)
    result["english"] = page.evaluate(UNMARKED_ENGLISH)
    result["also"] = {name: page.evaluate(script) for name, script in (also or {}).items()}
    page.set_viewport_size({"width": 320, "height": 640})
    reflow = page.evaluate(REFLOW)
    return result, reflow


def describe(violations):
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {n['target']}: {n['html']}" for n in v["nodes"][:8]]
        if len(v["nodes"]) > 8:
            lines.append(f"    ... {len(v['nodes']) - 8} more")
    return "\n".join(lines)


# ------------------------------------------------------------------ the pages

def feedback_pages(out):
    """One feedback page per notebook: the one with the most failing cases drawn."""
    best = {}
    for page in sorted((out / "students").glob("*/*.html")):
        text = page.read_text(encoding="utf-8")
        key = (text.count("<img"), text.count("<h2"), str(page))
        if page.stem not in best or key > best[page.stem][0]:
            best[page.stem] = (key, page)
    return [p for _, p in sorted(best.values(), key=lambda kv: kv[1].stem)]


def nbgrader_feedback_page(dest):
    """01_basics as ``nbgrader generate_feedback`` renders it with the kit's exporter, template and
    preprocessor: scores on the graded cells, a failing test's traceback as its output."""
    import nbformat
    from traitlets.config import Config
    from autograder.adapters.nbgrader.feedback import KitFeedback, KitFeedbackExporter, configure
    c = Config()
    configure(c)
    nb = nbformat.read(ROOT / "source" / "pooling" / "01_basics.ipynb", as_version=4)
    total = 0.0
    failed = False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["score"] = 0.0 if not failed else meta.get("points", 0)
            total += meta["score"]
            if cell.cell_type == "code" and not meta.get("solution") and not failed:
                failed = True          # the first test cell fails, as a student's would
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="AssertionError", evalue="pool2d: 最大汇聚 / max pooling",
                    traceback=["\x1b[0;31mAssertionError\x1b[0m: pool2d: 最大汇聚 / max pooling"])]
            if meta.get("solution") or meta.get("task"):
                meta["comment"] = "不错 / good"
    exporter = KitFeedbackExporter(config=c)
    exporter.register_preprocessor(KitFeedback(), enabled=True)
    resources = {"nbgrader": {"notebook": "01_basics", "score": total, "max_score": 10, "late_penalty": 0.5}}
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    dest.write_text(html, encoding="utf-8")
    return dest


# The least a host page gives a notebook output (JupyterLab's own page has its landmarks): the
# self-check's HTML is a fragment, and everything in it is the kit's.
HOST_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>check(pool2d)</title></head>
<body><main><h1>check(pool2d)</h1>{fragment}</main></body></html>"""


def selfcheck_page(dest):
    """check()'s HTML for a wrong pool2d (NaN where the maximum should be), in a minimal host page."""
    import torch
    from course import selfcheck

    def pool2d(X, pool_size, mode="max"):
        if mode not in ("max", "avg"):
            raise ValueError(mode)
        p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
        Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), dtype=X.dtype)
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                w = X[i:i + p_h, j:j + p_w]
                Y[i, j] = w.max() if mode == "max" else w.mean()
        Y[0, 0] = float("nan")                   # the mistake the picture shows
        return Y

    shown = []
    original = selfcheck.display
    selfcheck.display = shown.append
    try:
        selfcheck.check(pool2d, report_only=True)
    finally:
        selfcheck.display = original
    assert shown and shown[-1].picture, "check() drew no failing case"
    fragment = shown[-1]._repr_html_()
    dest.write_text(HOST_PAGE.format(fragment=fragment), encoding="utf-8")
    return dest, shown[-1]


_AUDITED = {}   # the pages and their audits, once per session (graded_class is function-scoped)


@pytest.fixture
def pages(graded_class, tmp_path_factory):  # noqa: F811
    if "pages" not in _AUDITED:
        _, out = graded_class
        tmp = tmp_path_factory.mktemp("a11y")
        found = {"report": out / "report.html"}
        for p in feedback_pages(out):
            found[f"feedback:{p.stem}"] = p
        found["nbgrader-feedback"] = nbgrader_feedback_page(tmp / "nbgrader_feedback.html")
        found["selfcheck"] = selfcheck_page(tmp / "selfcheck.html")[0]
        _AUDITED["pages"] = found
    return _AUDITED["pages"]


@pytest.fixture
def audits(pages, axe_context):
    if "audits" not in _AUDITED:
        _AUDITED["audits"] = {name: audit(axe_context, path) for name, path in pages.items()}
    return _AUDITED["audits"]


def test_every_kind_of_page_is_there(pages):
    kinds = {name.split(":")[0] for name in pages}
    assert kinds == {"report", "feedback", "nbgrader-feedback", "selfcheck"}
    assert len([n for n in pages if n.startswith("feedback:")]) >= 3


def test_axe_core_has_no_violation(audits, summary):
    failures = []
    counts = []
    for name, (result, _) in audits.items():
        assert "landmark-one-main" in result["extra"] and "region" in result["extra"], result["extra"]
        counts.append(f"{name} {len(result['violations'])}")
        if result["violations"]:
            failures.append(f"== {name}\n{describe(result['violations'])}")
    summary.append(f"axe-core {next(iter(audits.values()))[0]['version']} violations: " + ", ".join(counts))
    assert not failures, "\n".join(failures)


def test_pages_reflow_at_320_css_px(audits):
    bad = {name: reflow for name, (_, reflow) in audits.items()
           if reflow["scrollWidth"] > reflow["clientWidth"]}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def test_pages_are_chinese_with_their_english_marked(audits):
    """<html lang="zh-CN">, and every English part of the text in a lang="en" element (course.lang)."""
    langs = {name: result["english"]["lang"] for name, (result, _) in audits.items()}
    assert set(langs.values()) == {"zh-CN"}, langs
    unmarked = {name: result["english"]["found"][:10] for name, (result, _) in audits.items()
                if result["english"]["found"]}
    assert not unmarked, json.dumps(unmarked, ensure_ascii=False, indent=1)


def test_every_feedback_page_of_the_demo_class(graded_demo, axe_context):
    """#23's "done when": every feedback page of the demo class (the bundled examples, graded once
    per session), not one per notebook: no axe violation, no sideways scroll at 320 px, English marked."""
    pages = sorted((graded_demo.out / "students").glob("*/*.html"))
    assert len(pages) >= 20, pages                      # five students, five notebooks each
    bad = {}
    for path in pages:
        result, reflow = audit(axe_context, path)
        problems = []
        if result["violations"]:
            problems.append(describe(result["violations"]))
        if reflow["scrollWidth"] > reflow["clientWidth"]:
            problems.append(f"reflow: {reflow}")
        if result["english"]["found"]:
            problems.append(f"unmarked English: {result['english']['found'][:5]}")
        if problems:
            bad[f"{path.parent.name}/{path.name}"] = problems
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
