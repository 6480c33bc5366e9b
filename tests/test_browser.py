"""The student's experience in a real JupyterLab, driven through headless Chromium.

JupyterLab is started by the fixtures in ``browser_fixtures.py`` on a free
127.0.0.1 port with a random token, serving a temporary copy of the course
directory (``source/``, ``release/``, ``nbgrader_config.py``). Screenshots of
every step land in ``tests/artifacts/`` (git-ignored).
"""
import json
import pathlib
import re

import pytest

from support.slow import slow_fixture

from browser_fixtures import KERNEL_IDLE_JS
from student_answers import CORRECT_POOL2D, ZERO_PADDED_MAX
from course.messages import message as fb_message

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

NOTEBOOK = "release/pooling/01_basics.ipynb"
ROOT = pathlib.Path(__file__).resolve().parent.parent
RELEASE = ROOT / "release" / "pooling"
SOURCE = ROOT / "source" / "pooling"
FIGURE_CALL = re.compile(r"\bplots\.(\w+)\(")


def _figure_notebooks():
    """Released notebooks with figure cells (calls into course.plots), by stem."""
    out = []
    for nb in sorted(RELEASE.glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        if any(c["cell_type"] == "code" and FIGURE_CALL.search(source_of(c)) for c in cells):
            out.append(nb.stem)
    return out or ["01_basics"]


KERNEL_START_MS = 120_000
RUN_MS = 120_000

PASSED = re.compile(r"通过|passed", re.I)


# ---------------------------------------------------------------- helpers

def read_cells(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["cells"]


def source_of(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved_copy(stem, dest):
    """The released notebook with the source's answer cells filled in, written to `dest`."""
    release = json.loads((RELEASE / f"{stem}.ipynb").read_text(encoding="utf-8"))
    source = json.loads((SOURCE / f"{stem}.ipynb").read_text(encoding="utf-8"))
    answers = {grade_id(c): source_of(c) for c in source["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id(c)}
    for cell in release["cells"]:
        if cell["cell_type"] == "code" and grade_id(cell) in answers:
            cell["source"] = answers[grade_id(cell)]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(release, ensure_ascii=False), encoding="utf-8")
    return release["cells"]


def index_of(cells, gid):
    for i, cell in enumerate(cells):
        if grade_id(cell) == gid:
            return i
    raise AssertionError(f"no cell with nbgrader grade_id {gid!r} in the notebook")


def selfcheck_index(cells, name, after):
    """The first code cell after `after` that calls the self-check on `name`."""
    pat = re.compile(r"check\(\s*['\"]?" + re.escape(name) + r"\b")
    for i in range(after + 1, len(cells)):
        if cells[i]["cell_type"] == "code" and pat.search(source_of(cells[i])):
            return i
    raise AssertionError(f"no self-check cell `check({name})` after cell {after}")


class Shots:
    """Numbered screenshots of one test in tests/artifacts/."""

    def __init__(self, page, directory, prefix):
        self.page, self.dir, self.prefix, self.n = page, directory, prefix, 0

    def __call__(self, name, locator=None):
        self.n += 1
        path = self.dir / f"{self.prefix}_{self.n:02d}_{name}.png"
        if locator is not None:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path))
        return path


# Opens a notebook in the running Lab as the file browser does (the default factory), and resolves
# once its panel is the current widget.
OPEN_JS = """async (path) => {
    const app = window.jupyterapp;
    const w = await app.commands.execute('docmanager:open', {path});
    app.shell.activateById(w.id);
    await w.context.ready;
    return w.id;
}"""


def open_notebook(page, lab, relpath):
    """Open a notebook in the tab's JupyterLab (loaded once per module: no page reload) and wait
    until its kernel is idle."""
    panel_id = page.evaluate(OPEN_JS, relpath)
    page.wait_for_selector(f"[id='{panel_id}'] .jp-Cell", timeout=KERNEL_START_MS)
    # A kernel chooser appears only if the notebook's kernelspec is unknown: accept the default.
    page.wait_for_function(KERNEL_IDLE_JS, timeout=KERNEL_START_MS, polling=100)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.id") == panel_id
    return page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell")


def cell_source(page, index):
    return page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()",
        index)


def type_into_cell(page, cells, index, code):
    """Replace a cell's text by typing it through the CodeMirror editor."""
    cell = cells.nth(index)
    editor = cell.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # insert_text is one input event: CodeMirror neither auto-indents nor closes brackets.
    page.keyboard.insert_text(code)
    page.keyboard.press("Escape")
    got = cell_source(page, index)
    assert got == code, f"the editor holds something else than what was typed:\n{got}"


def run_all(page):
    """Run > Run All Cells, then wait until nothing is queued and the kernel is idle.

    Some cell must get an execution count above every count before the run, so
    outputs of an earlier run are never mistaken for this one's.
    """
    before = page.evaluate(
        """() => Math.max(0, ...window.jupyterapp.shell.currentWidget.content.widgets
                 .map(c => (c.model.type === 'code' && c.model.executionCount) || 0))""")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(
        """(before) => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session.kernel;
            const prompts = [...w.node.querySelectorAll('.jp-InputPrompt')];
            const counts = w.content.widgets.map(c => (c.model.type === 'code' && c.model.executionCount) || 0);
            return k.status === 'idle' && Math.max(0, ...counts) > before
                && !prompts.some(p => p.textContent.includes('*'));
        }""",
        arg=before, timeout=RUN_MS, polling=250)
    return before


def execution_count(page, index):
    return page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount", index)


def output_text(cells, index):
    out = cells.nth(index).locator(".jp-OutputArea")
    return out.inner_text() if out.count() else ""


def first_error(page):
    """(cell index, traceback tail) of the first cell whose outputs hold an error, or None."""
    return page.evaluate(
        """() => {
            const ws = window.jupyterapp.shell.currentWidget.content.widgets;
            for (let i = 0; i < ws.length; i++) {
                if (ws[i].model.type !== 'code') continue;
                for (const o of ws[i].model.outputs.toJSON()) {
                    if (o.output_type === 'error')
                        return [i, o.ename + ': ' + o.evalue];
                }
            }
            return null;
        }""")


# ---------------------------------------------------------------- tests

def test_harness_types_code_exactly_and_runs_it(lab_page, jupyter_lab, artifacts_dir):
    """The fixture itself: typed code (brackets, indents, Chinese) reaches the kernel verbatim."""
    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None},
            {"cell_type": "code", "metadata": {}, "source": "", "outputs": [], "execution_count": None},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (jupyter_lab.root / "harness.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    shots = Shots(lab_page, artifacts_dir, "browser_0_harness")
    cells = open_notebook(lab_page, jupyter_lab, "harness.ipynb")
    code = ("def f(x):\n    if x:\n        return [x, (x + 1), {'k': x}]\n    return {}\n"
            "print('汇聚层 pooling', f(2))\n")
    type_into_cell(lab_page, cells, 1, code)
    run_all(lab_page)
    assert "汇聚层 pooling [2, 3, {'k': 2}]" in output_text(cells, 1)
    shots("typed_and_ran")


def test_selfcheck_in_lab_passes_then_names_zero_padding(lab_page, jupyter_lab, artifacts_dir):
    """Type pool2d, run all: self-check and tests pass; type zero-padded max: the misconception
    shows, and Run All still runs to the end."""
    from course import messages

    page = lab_page
    shots = Shots(page, artifacts_dir, "browser_1_selfcheck")
    nb_cells = read_cells(jupyter_lab.root / NOTEBOOK)
    stub = index_of(nb_cells, "answer_pool2d")
    test = index_of(nb_cells, "test_pool2d")
    check = selfcheck_index(nb_cells, "pool2d", stub)
    stub_padded = index_of(nb_cells, "answer_pool2d_padded")
    check_padded = selfcheck_index(nb_cells, "pool2d_padded", stub_padded)

    cells = open_notebook(page, jupyter_lab, NOTEBOOK)
    shots("opened")

    # Progressive hints above the stub: collapsed <details>, opened by a click.
    hint_cells = [i for i in range(stub) if nb_cells[i]["cell_type"] == "markdown"
                  and "<details" in source_of(nb_cells[i])]
    assert hint_cells, "no <details> hints before the pool2d stub"
    details = cells.nth(hint_cells[-1]).locator("details")
    assert details.count() >= 2, "fewer than two progressive hints for pool2d"
    assert not details.first.evaluate("(d) => d.open")
    details.first.locator("summary").click()
    assert details.first.evaluate("(d) => d.open")
    shots("hint_opened", cells.nth(hint_cells[-1]))

    type_into_cell(page, cells, stub, CORRECT_POOL2D)
    shots("typed_pool2d", cells.nth(stub))
    run_all(page)
    err = first_error(page)
    assert err is None or err[0] > max(check, test), f"a cell up to pool2d's tests failed: {err}"
    for idx in (stub, check, test):
        assert execution_count(page, idx) is not None, (
            f"cell {idx} did not run; first error: {first_error(page)}")
    check_out = output_text(cells, check)
    shots("selfcheck_pool2d", cells.nth(check))
    assert PASSED.search(check_out), f"self-check of pool2d does not say passed:\n{check_out}"
    test_out = output_text(cells, test)
    shots("test_pool2d", cells.nth(test))
    assert "Error" not in test_out, test_out
    assert PASSED.search(test_out), f"test cell of pool2d does not say passed:\n{test_out}"

    type_into_cell(page, cells, stub_padded, ZERO_PADDED_MAX)
    before = run_all(page)
    assert (execution_count(page, check_padded) or 0) > before, (
        f"the self-check of pool2d_padded did not run; first error: {first_error(page)}")
    # Run All goes on past the failing check (#15): no error anywhere, the last cell ran too.
    assert first_error(page) is None, f"a cell raised: {first_error(page)}"
    last = max(i for i, c in enumerate(nb_cells) if c["cell_type"] == "code")
    assert (execution_count(page, last) or 0) > before, "Run All stopped before the last cell"
    out = output_text(cells, check_padded)
    assert "Traceback" not in out and "AssertionError" not in out, out
    assert "check failed, see the report above" in out, out
    # The smallest failing case is drawn beside the report (#15).
    picture = cells.nth(check_padded).locator(".case-picture img")
    assert picture.count() == 1, "no picture of the failing case in the self-check"
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 100", arg=picture.element_handle(),
                           timeout=30_000, polling=100)
    shots("selfcheck_picture", cells.nth(check_padded))
    shots("selfcheck_zero_padding", cells.nth(check_padded))
    shots("page_zero_padding")
    zh, en, _hint = messages.CATALOG["max_zero_padding"]
    assert zh in out and en in out, (
        f"the self-check does not name the zero-padding misconception ({zh} / {en}):\n{out}")


def test_run_all_completes_on_fresh_release(lab_page, jupyter_lab, artifacts_dir):
    """A new student opens an untouched release notebook and runs all cells (#15): every cell
    runs, the checks show "not implemented" without a traceback, the figures after the first
    exercise are drawn and the interactive widget is there."""
    page = lab_page
    shots = Shots(page, artifacts_dir, "browser_4_fresh_run_all")
    nb_cells = read_cells(jupyter_lab.root / NOTEBOOK)
    cells = open_notebook(page, jupyter_lab, NOTEBOOK)
    before = run_all(page)
    assert first_error(page) is None, f"a cell raised: {first_error(page)}"
    code = [i for i, c in enumerate(nb_cells) if c["cell_type"] == "code"]
    not_run = [i for i in code if (execution_count(page, i) or 0) <= before]
    assert not not_run, f"cells that did not run: {not_run}"
    first_check = selfcheck_index(nb_cells, "pool2d", index_of(nb_cells, "answer_pool2d"))
    out = output_text(cells, first_check)
    shots("first_check", cells.nth(first_check))
    assert "函数尚未实现" in out and "not implemented" in out, out
    assert "Traceback" not in out and not re.search(r"^NotImplementedError", out, re.M), out
    figures = [i for i in code if i > first_check and FIGURE_CALL.search(source_of(nb_cells[i]))]
    assert figures, "no figure after the first exercise"
    for idx in figures:
        img = cells.nth(idx).locator(".jp-OutputArea-output img").first
        img.wait_for(state="attached", timeout=60_000)
        if "interactive" in FIGURE_CALL.search(source_of(nb_cells[idx])).group(1):
            cells.nth(idx).locator(".widget-slider").first.wait_for(timeout=30_000)
        shots(f"cell{idx:02d}", cells.nth(idx))


def test_english_notebook_checks_in_english(lab_page, jupyter_lab, artifacts_dir):
    """The English edition (#25): Run All on its untouched 01 notebook in JupyterLab; its first cell
    chose English, so the self-check and the attempt() lines speak English only."""
    page = lab_page
    shots = Shots(page, artifacts_dir, "browser_4b_english_run_all")
    notebook = "release/pooling_en/01_basics.ipynb"
    nb_cells = read_cells(jupyter_lab.root / notebook)
    cells = open_notebook(page, jupyter_lab, notebook)
    run_all(page)
    assert first_error(page) is None, f"a cell raised: {first_error(page)}"
    first_check = selfcheck_index(nb_cells, "pool2d", index_of(nb_cells, "answer_pool2d"))
    out = output_text(cells, first_check)
    shots("first_check", cells.nth(first_check))
    assert "The function is not implemented yet" in out and "check failed, see the report above" in out, out
    assert not re.search(r"[\u4e00-\u9fff]", out), out
    after = next(i for i in range(first_check + 1, len(nb_cells))
                 if "with attempt():" in source_of(nb_cells[i]))
    text = output_text(cells, after)
    assert "finish the function above first" in text and not re.search(r"[\u4e00-\u9fff]", text), text


@pytest.mark.parametrize("stem", _figure_notebooks())
def test_figures_render_as_images(stem, lab_page, jupyter_lab, artifacts_dir):
    """A learner's finished notebook: every figure cell shows an image (widgets: a slider too)."""
    page = lab_page
    shots = Shots(page, artifacts_dir, f"browser_2_figures_{stem}")
    rel = f"learner/{stem}.ipynb"
    nb_cells = solved_copy(stem, jupyter_lab.root / rel)
    figure_cells = [i for i, c in enumerate(nb_cells)
                    if c["cell_type"] == "code" and FIGURE_CALL.search(source_of(c))]
    assert figure_cells, f"{stem} has no figure cells"
    cells = open_notebook(page, jupyter_lab, rel)
    run_all(page)
    assert first_error(page) is None, f"a cell failed: {first_error(page)}"
    for idx in figure_cells:
        cell = cells.nth(idx)
        call = FIGURE_CALL.search(source_of(nb_cells[idx])).group(1)
        img = cell.locator(".jp-OutputArea-output img").first
        img.wait_for(state="attached", timeout=60_000)
        cell.scroll_into_view_if_needed()
        page.wait_for_function(
            "(el) => el.complete && el.naturalWidth > 0 && el.naturalHeight > 0",
            arg=img.element_handle(), timeout=30_000, polling=100)
        size = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
        assert size[0] > 50 and size[1] > 50, f"cell {idx} ({call}): image is {size}"
        if "interactive" in call:
            # A live kernel: moving the slider redraws the figure.
            handle = cell.locator(".widget-slider .noUi-handle, .widget-slider input[type=range]").first
            handle.wait_for(timeout=30_000)
            before = img.get_attribute("src")
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([cell, before]) => { const i = cell.querySelector('.jp-OutputArea-output img');"
                " return i && i.src !== before && i.complete && i.naturalWidth > 0; }",
                arg=[cell.element_handle(), before], timeout=30_000, polling=100)
        shots(f"cell{idx:02d}_{call}", cell)


def test_formgrader_lists_pooling(lab_page, jupyter_lab, artifacts_dir):
    """Nbgrader > Formgrader in JupyterLab lists the `pooling` assignment."""
    page = lab_page
    shots = Shots(page, artifacts_dir, "browser_3_formgrader")
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=KERNEL_START_MS)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    row = frame.locator("table tr", has_text="pooling").first
    row.wait_for(timeout=60_000)
    assert frame.locator("h1", has_text="Manage Assignments").count() == 1
    shots("assignments")
    # The formgrader used the test's course copy (its own gradebook), not the working tree.
    assert (jupyter_lab.root / "gradebook.db").exists()


# ---------------------------------------------------------------- feedback pages, offline (#15)

@slow_fixture(scope="module")
def graded_mistake(tmp_path_factory):
    """A course copy where one student made the classic zero-padding mistake in 01_basics:
    autograded with the kit's nbgrader config, then `nbgrader generate_feedback`, and the same
    notebook graded by `autograder grade` (its own feedback page)."""
    import subprocess
    import sys
    import nbformat
    with pytest.MonkeyPatch.context() as mp:      # module scope: no `monkeypatch` fixture here
        mp.syspath_prepend(str(ROOT / "examples"))
        from make_submissions import filled
    from test_notebooks import kernel_env, make_course_copy, run

    course = make_course_copy(tmp_path_factory.mktemp("feedback") / "course")
    env = kernel_env(course)
    run([sys.executable, "-m", "nbgrader", "generate_assignment", "pooling", "--force"], course, env)
    sub = course / "submitted" / "mallory" / "pooling"
    sub.mkdir(parents=True)
    nbformat.write(filled("01_basics.ipynb", edits={"pool2d_padded": lambda src: ZERO_PADDED_MAX}),
                   sub / "01_basics.ipynb")
    for step in ("autograde", "generate_feedback"):
        run([sys.executable, "-m", "nbgrader", step, "pooling", "--force", "--student", "mallory"], course, env)
    out = course / "kit-out"
    proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "autograder"), "grade",
                           str(course / "submitted"), "--out", str(out), "--workers", "1"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kit_page = next((out / "students").glob("*/01_basics.html"))
    return course / "feedback" / "mallory" / "pooling" / "01_basics.html", kit_page


def _offline_page(browser, path):
    """Open a local page with every request that is not file: or data: refused; (page, refused)."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="zh-CN")
    refused = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()
    context.route("**/*", route)
    page = context.new_page()
    page.goto(pathlib.Path(path).as_uri())
    page.wait_for_load_state("load")
    return context, page, refused


def _all_images_loaded(page, selector):
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel)].map(i => i.complete && i.naturalWidth > 0)", selector)


def test_nbgrader_feedback_page_offline_with_rendered_math(browser, graded_mistake, artifacts_dir):
    """nbgrader's feedback page needs no network: every formula is drawn (no raw $...$, no MathJax),
    the hidden tests' source is not there, and the failing case is drawn beside the report."""
    nbgrader_page, _ = graded_mistake
    html_text = nbgrader_page.read_text(encoding="utf-8")
    assert "autograder.hidden" not in html_text and "HIDDEN TESTS" not in html_text
    assert "mathjax" not in html_text.lower().replace("no mathjax", "")
    context, page, refused = _offline_page(browser, nbgrader_page)
    try:
        text = page.inner_text("body")
        assert not re.search(r"\$[^$\n]*\\[a-z]+", text), "raw TeX left on the page"
        assert "$2\\times 2$" not in text and "2\\times" not in text
        maths = _all_images_loaded(page, "img.math")
        assert len(maths) > 10 and all(maths), maths
        # display math is drawn, not typeset by a script
        assert page.locator("div.math-display img").count() >= 1
        case = page.locator("img[alt^='最小的失败用例 / smallest failing case']")
        assert case.count() == 1 and all(_all_images_loaded(page, "img[alt^='最小的失败用例 / smallest failing case']"))
        assert fb_message("max_zero_padding") in text
        assert "得分 / score" in text
        page.locator("div.math-display").first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "browser_5_nbgrader_feedback_math.png"))
        case.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "browser_5_nbgrader_feedback_case.png"))
        assert refused == [], refused
    finally:
        context.close()


def test_kit_feedback_page_draws_the_failing_case(browser, graded_mistake, artifacts_dir):
    """`autograder grade`'s own feedback page: self-contained, the failing case drawn beside its text."""
    _, kit_page = graded_mistake
    context, page, refused = _offline_page(browser, kit_page)
    try:
        imgs = _all_images_loaded(page, ".case img")
        assert imgs and all(imgs), imgs
        box_pre = page.locator(".case pre").first.bounding_box()
        box_img = page.locator(".case img").first.bounding_box()
        assert box_img["x"] > box_pre["x"] + 100, "the picture is not beside the text"
        assert fb_message("max_zero_padding") in page.inner_text("body")
        page.locator(".case").first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "browser_6_kit_feedback_case.png"))
        assert refused == [], refused
    finally:
        context.close()


# ---------------------------------------------------------------- the student's Lab (#15)

@slow_fixture(scope="module")
def student_lab(tmp_path_factory):
    """JupyterLab as `make lab-student` starts it (scripts/student_lab.py's configuration on
    JUPYTER_CONFIG_PATH), on the released notebooks, with a fresh user config dir."""
    import os
    import secrets
    import subprocess
    import sys
    import time
    import urllib.error
    from browser_fixtures import JUPYTER, LAB_PAGE_CONFIG, Lab, _free_port, _get, _kill_group

    with pytest.MonkeyPatch.context() as mp:      # module scope: no `monkeypatch` fixture here
        mp.syspath_prepend(str(ROOT / "scripts"))
        import student_lab as sl
    state = tmp_path_factory.mktemp("student-lab")
    work, config = sl.prepare(state / "work")
    user = state / "user-config"
    (user / "labconfig").mkdir(parents=True)
    (user / "labconfig" / "page_config.json").write_text(json.dumps(LAB_PAGE_CONFIG))
    env = sl.environ(config)
    env.update(JUPYTER_CONFIG_DIR=str(user), JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_PLATFORM_DIRS="1",
               IPYTHONDIR=str(state / "ipython"), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               PATH=str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    port, token = _free_port(), secrets.token_hex(24)
    log_path = state / "jupyter.log"
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--ServerApp.allow_root=True", f"--LabApp.workspaces_dir={state / 'workspaces'}",
           f"--LabApp.user_settings_dir={state / 'settings'}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(work, port, token, proc, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"student lab exited:\n{lab.log()}")
            try:
                if _get(lab.url("api/status"))[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"student lab did not answer:\n{lab.log()}")
            time.sleep(0.3)
        yield lab
    finally:
        _kill_group(proc)


INSTRUCTOR_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list"]


def _plugins(page):
    return page.evaluate("(ids) => ids.map(id => window.jupyterapp.hasPlugin(id))", INSTRUCTOR_PLUGINS + [
        "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"])


def test_student_lab_has_no_instructor_tools(browser, student_lab, artifacts_dir):
    """`make lab-student`: no formgrader, no Create Assignment sidebar, no course list (and the
    formgrader's pages are not served); Assignment List and Validate stay."""
    import urllib.error
    from browser_fixtures import _get, block_off_machine

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    block_off_machine(context)
    page = context.new_page()
    try:
        page.goto(student_lab.url("lab/tree/pooling/01_basics.ipynb?reset"))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=KERNEL_START_MS)
        assert _plugins(page) == [False, False, False, True, True]
        text = page.inner_text(".lm-MenuBar")
        if "Nbgrader" in text:
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
            items = page.inner_text(".lm-Menu")
            assert "Formgrader" not in items and "Course List" not in items, items
            page.keyboard.press("Escape")
        assert page.locator("text=Create Assignment").count() == 0
        assert page.locator("[title='Create Assignment'], [data-id*='create'][data-id*='assignment']").count() == 0
        page.screenshot(path=str(artifacts_dir / "browser_7_student_lab.png"))
        try:
            status = _get(student_lab.url("formgrader"))[0]
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == 404, f"the formgrader is served to students ({status})"
    finally:
        page.evaluate("() => window.jupyterapp && window.jupyterapp.serviceManager.sessions.shutdownAll()")
        context.close()


def test_instructor_lab_keeps_its_tools(lab_page, jupyter_lab):
    """The instructor's Lab (the kit's ordinary configuration) still has every nbgrader tool."""
    lab_page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=KERNEL_START_MS)
    lab_page.wait_for_function("() => window.jupyterapp && window.jupyterapp.hasPlugin", polling=100)
    assert _plugins(lab_page) == [True, True, True, True, True]
