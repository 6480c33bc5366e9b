"""The class report as an instructor sees it: opened from disk in headless Chromium.

Saves a full-page screenshot to tests/artifacts/report.png (git-ignored).
"""
import shutil
import stat

import pytest

from test_report import graded_class, graded_dir  # noqa: F401  (fixtures)

from autograder.report import report

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


@pytest.fixture
def report_dir(request, tmp_path):
    """The generated class, graded for real (a copy: the session's graded class is shared and read-only);
    the hand-built directory until the grader exists."""
    try:
        shared = request.getfixturevalue("graded_class")[1]
    except pytest.skip.Exception:
        return request.getfixturevalue("graded_dir")
    copy = tmp_path / "out"
    shutil.copytree(shared, copy)
    for p in [copy, *copy.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return copy


def test_report_opens_offline_and_reads_at_a_glance(report_dir, browser, artifacts_dir):  # noqa: F811
    report.write_report(report_dir)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    requested = []
    context.on("request", lambda r: requested.append(r.url))
    try:
        page = context.new_page()
        page.goto((report_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        # the summary is the first thing on the page, in Chinese with English beside
        summary = page.locator(".summary")
        assert summary.is_visible()
        assert summary.bounding_box()["y"] < 200
        text = summary.inner_text()
        assert "全班错在哪里" in text and "What the class got wrong" in text
        top = next(m for m in report.build(report_dir).misconceptions if not m.general)
        assert top.zh in text and top.en in text
        # every plot decoded (inline PNGs)
        sizes = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert len(sizes) >= 3 and all(w > 0 for w in sizes)
        # a CJK font is available to the page, so Chinese renders without tofu
        assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '汇聚')")
        # a misconception's student list links to that student's row
        page.locator("#misconceptions details summary").first.click()
        page.locator("#misconceptions details a").first.click()
        assert page.evaluate("location.hash").startswith("#student-")
        page.screenshot(path=str(artifacts_dir / "report.png"), full_page=True)
    finally:
        context.close()
    assert all(u.startswith(("file://", "data:")) for u in requested), requested
