"""The language of the kit's words (issue #25): "zh+en" (today's text), "en" and "zh", chosen once
(course.use_language, $COURSE_LANGUAGE, `autograder grade --language`), read when a message is rendered.

One small class is graded once in English (a module fixture); the assertions are parametrized over its
rows, its feedback pages and its self-study table. "zh+en" stays byte-identical to before: the goldens
(tests/test_golden.py) hold the grader's files, and the self-check's words are held below.
"""
import contextlib
import csv
import io
import json
import pathlib
import re
import shutil

import pytest

from course import language, messages, operator_rule, selfcheck
from course.language import LANGUAGES, in_language
from student_answers import CORRECT_POOL2D, ZERO_PADDED_MAX

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUBMITTED = ROOT / "examples" / "submitted"

# CJK ideographs, kana, CJK symbols and punctuation (。，「」), fullwidth forms (：（）；).
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u9fff\uf900-\ufaff"
                 "\ufe30-\ufe4f\uff00-\uffef]")
HAN = re.compile("[\u4e00-\u9fff]")


def cjk(text):
    """The CJK characters of ``text`` with a little context (empty: none)."""
    return [text[max(0, m.start() - 20):m.end() + 20] for m in CJK.finditer(text)]


@pytest.fixture(autouse=True)
def _no_choice(monkeypatch):
    """Each test starts with no language chosen and no $COURSE_LANGUAGE."""
    monkeypatch.delenv(language.ENV, raising=False)
    monkeypatch.setattr(language, "_chosen", None)


# ---------------------------------------------------------------- the choice

@pytest.mark.parametrize("bad", ["fr", "EN", "zh-en", "", None])
def test_an_unknown_language_is_refused_naming_the_three(bad):
    for attempt in (lambda: language.use_language(bad), lambda: language.say("中", "en", language=bad)
                    if bad is not None else language.check_language(bad)):
        with pytest.raises(ValueError) as info:
            attempt()
        assert all(repr(x) in str(info.value) for x in LANGUAGES), str(info.value)


def test_the_environment_is_read_when_rendering_not_at_import(monkeypatch):
    assert language.current_language() == "zh+en"
    monkeypatch.setenv(language.ENV, "en")
    assert messages.message("avg_as_sum") == "Average pooling forgot to divide by the window size"
    monkeypatch.setenv(language.ENV, "zh")
    assert messages.message("avg_as_sum") == "平均汇聚忘了除以窗口大小"
    monkeypatch.setenv(language.ENV, "klingon")
    with pytest.raises(ValueError, match="COURSE_LANGUAGE.*'zh\\+en', 'en', 'zh'"):
        messages.message("avg_as_sum")


def test_use_language_beats_the_environment_and_in_language_restores(monkeypatch):
    monkeypatch.setenv(language.ENV, "zh")
    import course
    assert course.use_language("en") == "en"
    assert language.say("中", "en") == "en"
    with in_language("zh+en"):
        assert language.say("中", "en") == "中 / en"
    assert language.say("中", "en") == "en"


def test_the_grader_option_and_limits(tmp_path):
    from autograder.cli import commands as cli
    from autograder.core.limits import Limits
    args = cli._parser().parse_args(["grade", str(tmp_path), "--language", "en"])
    assert cli.grading_config(args).language == "en"
    assert cli.grading_config(cli._parser().parse_args(["grade", str(tmp_path)])).language == "zh+en"
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["grade", str(tmp_path), "--language", "fr"])
    with pytest.raises(ValueError, match="'zh\\+en', 'en', 'zh'"):
        Limits(language="fr")


def test_another_language_is_not_a_reason_to_skip_a_graded_submission():
    from autograder.pipeline.grader import Grader
    from autograder.pipeline.find_submissions import Submission
    from autograder.core.limits import Limits
    sub = Submission("x", {"01_basics": None})
    keys = {lang: Grader(Limits(language=lang)).key(sub, "digest") for lang in LANGUAGES}
    assert len(set(keys.values())) == 3


# ---------------------------------------------------------------- every record, every language

RECORDS = sorted(messages.CATALOG)


@pytest.mark.parametrize("mid", RECORDS)
def test_every_record_renders_in_every_language(mid):
    zh, en, hint = messages.CATALOG[mid]
    out = {lang: (messages.message(mid, lang), messages.brief(mid, lang), messages.hint(mid, lang),
                  messages.misconception_text(mid, lang)) for lang in LANGUAGES}
    # zh+en is today's text: "zh / en", the hint as it was written (its str)
    assert out["zh+en"][0] == f"{zh} / {en}"
    assert out["zh+en"][2] == str(hint)
    assert out["zh+en"][3] == f"可能的错误 / likely mistake: {zh} / {en}\n提示 / hint: {hint}"
    for text in out["en"]:
        assert not cjk(text), (mid, cjk(text))
        assert re.search("[A-Za-z]{2}", text)
    for text in out["zh"]:
        assert HAN.search(text), text
    # the two halves are the record's, nothing lost: each language's text is inside the zh+en one
    # unless the record wrote its zh+en form by hand (``both``)
    if str(hint) == f"{hint.zh} / {hint.en}":
        assert out["zh"][2] in out["zh+en"][2] and out["en"][2] in out["zh+en"][2]


def test_two_faults_render_in_english():
    text = messages.misconception_text(["avg_as_sum", "stride_ignored"], "en")
    assert text.startswith("likely mistakes (2):") and not cjk(text), text


@pytest.mark.parametrize("name", sorted(messages.GROUP_TITLES))
def test_group_titles(name):
    title = messages.GROUP_TITLES[name]
    assert messages.group_title(name) == str(title) == f"{title.zh} / {title.en}"
    assert not cjk(messages.group_title(name, "en"))
    assert messages.group_title("no_such_group", "en") == "no_such_group"


@pytest.mark.parametrize("policy", sorted(operator_rule.FIX))
def test_operator_rule_words(policy):
    from types import SimpleNamespace
    finding = SimpleNamespace(key="F.max_pool2d", automatic=True, category="pool", line=3, construct="x")
    with in_language("en"):
        sentences = [operator_rule.sentence(finding, 4)] * 12
        text = "\n".join([operator_rule.FIX[policy].render(), operator_rule.review_note(sentences),
                          operator_rule.rejected_message(sentences), operator_rule.READ_BEFORE.render(),
                          operator_rule.NOT_RUN.render()])
    assert "cell 4, line 3" in text and "(11 more)" in text
    assert not cjk(text), cjk(text)
    with in_language("zh+en"):
        assert operator_rule.sentence(finding, 4) == \
            "禁止使用汇聚算子 F.max_pool2d（单元格 4 第 3 行）/ the pooling operator F.max_pool2d is not allowed (cell 4, line 3)"


# ---------------------------------------------------------------- check(), as a student runs it

def _function(src, name):
    ns = {}
    exec("import math\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n" + src, ns)
    return ns[name]


def _check_text(fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        selfcheck.check(fn, report_only=True)
    return buf.getvalue()


@pytest.fixture(scope="module")
def answers():
    return {"failing": _function(ZERO_PADDED_MAX, "pool2d_padded"), "passing": _function(CORRECT_POOL2D, "pool2d")}


@pytest.mark.parametrize("case", ["failing", "passing"])
def test_check_speaks_english(case, answers):
    language.use_language("en")
    text = _check_text(answers[case])
    assert text.strip() and not cjk(text), cjk(text)
    if case == "failing":
        assert "✗ padding" in text and messages.message("max_zero_padding", "en") in text
        assert "smallest failing case" in text and "likely mistake" in text and "hint:" in text
    else:
        assert "all public checks passed" in text


def test_check_in_zh_plus_en_is_todays_text(answers):
    text = _check_text(answers["failing"])
    assert "✗ 填充 / padding" in text
    assert "最小的失败用例 / smallest failing case: pool2d_padded(...)" in text
    assert "差异 / difference: 数值不同 / wrong values：" in text
    assert f"可能的错误 / likely mistake: {messages.message('max_zero_padding')}\n提示 / hint: " in text
    assert "公开检查全部通过 / all public checks passed" in _check_text(answers["passing"])


def test_check_in_chinese(answers):
    with in_language("zh"):
        text = _check_text(answers["failing"])
    assert "最小的失败用例" in text and "smallest failing case" not in text and "likely mistake" not in text


# ---------------------------------------------------------------- the grader, in English

@pytest.fixture(scope="module")
def graded_en(tmp_path_factory):
    """carol's 01_basics (a failure and a pass), erin's truncated 04_min_softmax and every notebook
    neither submitted, graded once with language "en"; the self-study table printed from the results."""
    from autograder.cli import commands as cli
    from autograder.run.backends.local import LocalBackend
    from autograder.run.batch import grade_submissions
    from autograder.pipeline.find_submissions import find_submissions
    from autograder.core.limits import Limits
    tmp = tmp_path_factory.mktemp("lang")
    subs_dir = tmp / "submitted"
    for student, nb in (("carol", "01_basics"), ("erin", "04_min_softmax")):
        (subs_dir / student / "pooling").mkdir(parents=True)
        shutil.copy(SUBMITTED / student / "pooling" / f"{nb}.ipynb", subs_dir / student / "pooling")
    subs, mode = find_submissions(str(subs_dir))
    assert mode == "course"
    limits = Limits(language="en")
    results = []
    meta = grade_submissions(subs, tmp / "out", LocalBackend(1), force=True, limits=limits,
                             on_result=lambda res: results.append(res.to_dict()))
    table = io.StringIO()
    with in_language("en"):
        cli._print_table(results, table)
    return {"out": tmp / "out", "meta": meta, "table": table.getvalue()}


def _rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_run_json_records_the_language(graded_en):
    assert graded_en["meta"]["language"] == "en"
    assert json.loads((graded_en["out"] / "run.json").read_text())["language"] == "en"


def test_the_class_holds_what_the_messages_are_tested_on(graded_en):
    rows = _rows(graded_en["out"])
    statuses = {r["status"] for r in rows}
    assert {"passed", "failed", "invalid"} <= statuses, statuses
    messages_ = {r["message"] for r in rows}
    assert messages.message("max_zero_padding", "en") in messages_
    assert "notebook not submitted" in messages_
    assert any(m.startswith("not valid JSON (truncated?): line ") for m in messages_), messages_


def test_csv_messages_are_english(graded_en):
    rows = _rows(graded_en["out"])
    bad = [(r["student_id"], r["grade_id"], r["message"]) for r in rows if cjk(r["message"])]
    assert not bad, bad


def test_results_json_feedback_is_english(graded_en):
    for path in graded_en["out"].rglob("results.json"):
        for test in json.loads(path.read_text())["tests"]:
            for key in ("output", "name"):
                assert not cjk(str(test.get(key, ""))), (path.parent.name, test.get("name"), cjk(str(test[key])))


def _pages(out):
    return sorted(out.rglob("*.html"))


def test_feedback_pages_are_english(graded_en):
    pages = _pages(graded_en["out"])
    assert len(pages) >= 5, pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en">' in html
        assert not cjk(html), (page.name, cjk(html)[:5])
    carol = next(p for p in pages if p.parent.name.startswith("carol") and p.stem == "01_basics")
    html = carol.read_text(encoding="utf-8")
    assert "autograded" in html and "smallest failing case" in html


def test_the_self_study_table_is_english(graded_en):
    table = graded_en["table"]
    assert "points" in table and "total" in table and "notebook not submitted" in table
    assert not cjk(table), cjk(table)


def test_the_nbgrader_config_chooses_the_language(monkeypatch):
    """c.HardenedExecute.language (nbgrader_config.py) is the grader's choice under `nbgrader autograde`;
    empty, $COURSE_LANGUAGE (read when grading starts), else zh+en."""
    from autograder.adapters.nbgrader.execute import HardenedExecute
    step = HardenedExecute()
    assert step.limits().language == "zh+en"
    monkeypatch.setenv(language.ENV, "zh")
    assert step.limits().language == "zh"
    step.language = "en"
    assert step.limits().language == "en"
    step.language = "fr"
    with pytest.raises(ValueError, match="'zh\\+en', 'en', 'zh'"):
        step.limits()


def test_the_cut_note_of_a_students_long_text():
    from course.safe_text import student_text
    assert student_text("x" * 300).endswith(" …（省略 100 个字符 / 100 more characters cut）")
    with in_language("en"):
        assert student_text("x" * 300).endswith(" …(100 more characters cut)")


# ---------------------------------------------------------------- the instructor's files, per language
# The class above, graded once in English, reported in each of the three languages (issue #25: the
# report and exports follow the instructor's choice, whatever the grading run's language was).

IMG = re.compile(r'src="data:[^"]*"')
STYLE = re.compile(r"<style>.*?</style>", re.S)
ZH_MARKED = re.compile(r'<span lang="zh-CN">[^<]*</span>')


def _visible(html):
    """The page's text and attributes, without inline pictures and style sheets."""
    return IMG.sub("", STYLE.sub("", html))


@pytest.fixture(scope="module")
def reported(graded_en, tmp_path_factory):
    """{language: (report.html, report_students.csv, report_tests.csv, stdout of `autograder report`,
    canvas.csv)}: one copy of the English class, reported and exported in each language."""
    from autograder.cli.commands import main
    out = tmp_path_factory.mktemp("reported") / "out"
    shutil.copytree(graded_en["out"], out)
    got = {}
    for lang in LANGUAGES:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
            assert main(["report", str(out), "--language", lang]) == 0
            assert main(["export", str(out), "--to", "canvas", "--language", lang]) == 0
        got[lang] = tuple((out / f).read_text(encoding="utf-8") for f in
                          ("report.html", "report_students.csv", "report_tests.csv")) + (
            buf.getvalue(), (out / "canvas.csv").read_text(encoding="utf-8"))
    return got


def test_the_english_report_has_no_chinese_word(reported):
    html = reported["en"][0]
    assert html.startswith('<!DOCTYPE html><html lang="en">'), html[:80]
    # Chinese on an English page is a student's own text, and then it is marked lang="zh-CN"
    left = cjk(ZH_MARKED.sub("", _visible(html)))
    assert not left, left[:10]
    assert "What the class got wrong" in html and "Pass rates" in html and 'class="en"' not in html


def test_the_chinese_report_has_no_english_sentence(reported):
    html = reported["zh"][0]
    assert html.startswith('<!DOCTYPE html><html lang="zh-CN">')
    headings = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)
    assert len(headings) >= 10
    for h in headings:
        text = re.sub(r"<[^>]+>", "", h)
        # names (API, F.conv2d) are no English sentence; a word in lower case is
        assert HAN.search(text) and not re.search(r"\b[A-Za-z][a-z]{2,}\b", text), text
    assert "全班错在哪里" in html and "What the class got wrong" not in html


def test_the_report_in_zh_plus_en_keeps_both(reported):
    html = reported["zh+en"][0]
    assert '<html lang="zh-CN">' in html
    assert '全班错在哪里 <span class="en" lang="en">What the class got wrong</span>' in html


def test_the_csv_columns_and_numbers_do_not_change_with_the_language(reported):
    """report_students.csv is the same bytes; report_tests.csv the same rows, only the messages in
    the report's language (made again from each row's typed result, issue #25); canvas.csv's
    columns are the LMS's, only the default assignment name is words."""
    assert len({reported[lang][1] for lang in LANGUAGES}) == 1
    tests = {lang: list(csv.DictReader(io.StringIO(reported[lang][2]))) for lang in LANGUAGES}
    without = {lang: [{k: v for k, v in r.items() if k != "message"} for r in rows] for lang, rows in tests.items()}
    assert without["en"] == without["zh"] == without["zh+en"] and tests["en"]
    assert not any(cjk(r["message"]) for r in tests["en"])
    typed = [r for r in tests["zh"] + tests["zh+en"] if r["status"] in ("passed", "failed")]
    assert typed and all(cjk(r["message"]) for r in typed), [r["message"] for r in typed if not cjk(r["message"])]
    assert any(" / " in r["message"] for r in tests["zh+en"]) and not any(" / " in r["message"] for r in tests["zh"])
    # what cannot be made again (erin's invalid notebook) stays English, and the page says so
    kept = [r for r in tests["zh"] if not cjk(r["message"])]
    assert kept and all(r["status"] not in ("passed", "failed") for r in kept)
    assert "messages-kept" in reported["zh"][0] and "messages-kept" not in reported["en"][0]
    heads = {lang: reported[lang][4].splitlines()[0] for lang in LANGUAGES}
    assert heads["zh+en"].endswith(",Pooling 汇聚层") and heads["en"].endswith(",Pooling")
    assert heads["zh"].endswith(",汇聚层")
    rest = {lang: reported[lang][4].split("\n", 1)[1] for lang in LANGUAGES}
    assert len(set(rest.values())) == 1


@pytest.mark.parametrize("lang, words", [("en", "students, mean"), ("zh", "名学生, 平均"), ("zh+en", "名学生 students, 平均 mean")])
def test_the_report_command_says_it_in_the_language(reported, lang, words):
    out = reported[lang][3]
    assert "report.html:" in out and words in out
    if lang == "zh":
        assert "students" not in out and "mean" not in out
    if lang == "en":
        assert not cjk(out), out


def test_the_report_follows_the_grading_run_unless_told(graded_en, tmp_path, monkeypatch):
    from autograder.core.run_language import run_language
    assert run_language(graded_en["out"]) == "en"                     # run.json
    assert run_language(graded_en["out"], "zh") == "zh"               # --language
    assert run_language(tmp_path) == "zh+en"                           # no run.json, no environment
    monkeypatch.setenv(language.ENV, "zh")
    assert run_language(tmp_path) == "zh"
    (tmp_path / "run.json").write_text('{"language": "klingon"}')
    assert run_language(tmp_path) == "zh"                              # not a language: not a choice


# ---------------------------------------------------------------- marking the other language

@pytest.mark.parametrize("text, want", [
    ("pool2d: wrong values", "pool2d: wrong values"),
    ("学生 <b>王</b> wrote", '<span lang="zh-CN">学生</span> &lt;b&gt;<span lang="zh-CN">王</span>&lt;/b&gt; wrote'),
    ("最大 汇聚 and 平均", '<span lang="zh-CN">最大 汇聚</span> and <span lang="zh-CN">平均</span>'),
])
def test_an_english_page_marks_chinese_parts(text, want):
    from course.lang import mark
    assert mark(text, "en") == want
    assert mark(text, "zh+en") == mark(text, "zh") == __import__("course.lang").lang.mark_english(text)


def test_the_self_check_block_says_it_is_english():
    from course.feedback import html_report
    with in_language("en"):
        assert html_report("✗ padding", False).startswith('<div lang="en" style=')
    assert html_report("✗ 填充 / padding", False).startswith("<div style=")


# ---------------------------------------------------------------- figures

def _figure_texts(fig):
    from course import plots
    out = [plots.alt_text(fig)] + ([fig._suptitle.get_text()] if fig._suptitle else [])
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in out if t]


FIGURES = {
    "pooling_figure": lambda p, X: [p.pooling_figure(), p.pooling_figure(mode="avg")],
    "sliding_window_frames": lambda p, X: [p.sliding_window_frames(X, 3, stride=2, padding=1)],
    "show_grids": lambda p, X: [p.show_grids([("X", X), (("最大汇聚：dL/dX", "max pooling: dL/dX"), X)])],
    "translation_figure": lambda p, X: list(p.translation_figure(X, X, X, X, X[:2, :2], X[:2, :2])),
    "cost_vs_time": lambda p, X: [p.cost_vs_time([1e3, 1e4], [1e-4, 1e-3], ["a", "b"])],
    "temperature_sweep": lambda p, X: [p.temperature_sweep([0.1, 1.0, 10.0], [3.0, 2.0, 1.5], 1.5, 3.0)],
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_labels_follow_the_language(name, lang):
    """Every label and the alt text of the notebooks' figures, drawn by the same code in any edition."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    from course import plots
    with in_language(lang):
        figs = FIGURES[name](plots, torch.arange(16.0).reshape(4, 4))
    try:
        texts = [t for fig in figs for t in _figure_texts(fig)]
    finally:
        for fig in figs:
            plt.close(fig)
    words = " ".join(texts)
    if lang == "en":
        assert not cjk(words), cjk(words)
    else:
        assert HAN.search(words), words
    if lang == "zh+en":
        assert re.search("[A-Za-z]{3,}", words)


# ---------------------------------------------------------------- the nbgrader feedback page

def test_the_nbgrader_feedback_language_is_the_graders(monkeypatch):
    """generate_feedback's page is in c.HardenedExecute.language (nbgrader_config.py), the setting
    autograde renders the rows in; empty: $COURSE_LANGUAGE, else zh+en."""
    from traitlets.config import Config
    from autograder.adapters.nbgrader.feedback import KitFeedbackExporter
    c = Config()
    assert KitFeedbackExporter(config=c).language() == "zh+en"
    monkeypatch.setenv(language.ENV, "zh")
    assert KitFeedbackExporter(config=c).language() == "zh"
    c.HardenedExecute.language = "en"
    assert KitFeedbackExporter(config=c).language() == "en"


def test_the_nbgrader_feedback_page_in_english(tmp_path, monkeypatch):
    """In English, generate_feedback's page has its own labels in English and <html lang="en">; the
    notebook's Chinese text is marked lang="zh-CN"."""
    import test_accessibility
    monkeypatch.setenv(language.ENV, "en")
    html = test_accessibility.nbgrader_feedback_page(tmp_path / "page.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    head = html[html.index('<header class="panel-heading">'):html.index("</header>")]
    assert "score" in head and "late penalty" in head and not cjk(head), cjk(head)
    body = _visible(html[html.index("</header>"):])
    assert re.search('<span lang="zh-CN">[^<]*汇聚', body)              # the notebook's own Chinese


# ---------------------------------------------------------------- English pages, audited (axe-core)

# Chinese left unmarked on an English page (WCAG 3.1.2, language of parts): text nodes with a CJK
# character whose nearest lang is English. Code, code views and notebook outputs are not prose (as in
# test_accessibility's UNMARKED_ENGLISH).
UNMARKED_CHINESE = """() => {
    const skip = 'code, script, style, svg, math, kbd, samp, .code, .highlight, .input_area, .output_area, .prompt';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest(skip) || !/[\\u3000-\\u9fff\\uff00-\\uffef]/.test(n.textContent)) continue;
        const lang = (el.closest('[lang]') || document.documentElement).getAttribute('lang') || '';
        if (lang.startsWith('en')) found.push(n.textContent.trim().slice(0, 100));
    }
    return found;
}"""


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_english_pages_pass_axe_core(reported, graded_en, browser, tmp_path, monkeypatch):
    """The English report, two English feedback pages and the nbgrader feedback page in English: no
    axe-core violation, no sideways scroll at 320 CSS px, <html lang="en">, Chinese parts marked."""
    import test_accessibility as a11y
    report = tmp_path / "report.html"
    report.write_text(reported["en"][0], encoding="utf-8")
    monkeypatch.setenv(language.ENV, "en")
    pages = [report, a11y.nbgrader_feedback_page(tmp_path / "nbgrader_feedback.html")]
    pages += [p for p in _pages(graded_en["out"]) if p.stem in ("01_basics", "04_min_softmax")][:2]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", bypass_csp=True)
    context.add_init_script(script=a11y.axe_source())
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(("file:", "data:", "about:")) else route.abort())
    bad = {}
    try:
        for path in pages:
            result, reflow = a11y.audit(context, path, also={
                "lang": "() => document.documentElement.lang", "unmarked": UNMARKED_CHINESE})
            lang, unmarked = result["also"]["lang"], result["also"]["unmarked"]
            problems = []
            if result["violations"]:
                problems.append(a11y.describe(result["violations"]))
            if reflow["scrollWidth"] > reflow["clientWidth"]:
                problems.append(f"reflow: {reflow}")
            if lang != "en":
                problems.append(f"<html lang={lang!r}>")
            if unmarked:
                problems.append(f"unmarked Chinese: {unmarked[:5]}")
            if problems:
                bad[path.name] = problems
    finally:
        context.close()
    assert len(pages) == 4
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def test_the_gradescope_bundle_carries_the_language():
    """`autograder gradescope-bundle --language en`: run_autograder sets $COURSE_LANGUAGE, which the
    run reads (autograder.adapters.gradescope.run); without it the script is what it always was."""
    from autograder.cli import commands as cli
    from autograder.adapters import gradescope
    plain = gradescope.run_autograder_script(False)
    assert "{language}" not in plain and "{run_options}" not in plain and language.ENV not in plain
    en = gradescope.run_autograder_script(True, "en")
    assert en == plain.replace("exec ", f"export {language.ENV}='en'\nexec ", 1).replace(
        " run\n", " run --allow-weak-sandbox\n")
    with pytest.raises(ValueError, match="'zh\\+en', 'en', 'zh'"):
        gradescope.run_autograder_script(False, "en'; rm -rf /; '")
    assert cli._parser().parse_args(["gradescope-bundle", "x.zip", "--language", "zh"]).language == "zh"


@pytest.mark.parametrize("lang, want", [("zh+en", "最大汇聚：dL/dX\nmax pooling: dL/dX"), ("en", "max pooling: dL/dX"),
                                        ("zh", "最大汇聚：dL/dX")])
def test_a_notebook_cells_label_pair(lang, want):
    """A (zh, en) pair in a notebook cell (05_gradients' panel titles) is drawn as the Chinese edition
    always drew it in zh+en (two lines), and in one language otherwise."""
    from course.plots import words
    with in_language(lang):
        assert words(("最大汇聚：dL/dX", "max pooling: dL/dX")) == want
        assert words("X") == "X"
