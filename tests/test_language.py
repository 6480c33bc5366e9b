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
    from autograder import cli
    from autograder.sandbox.limits import Limits
    args = cli._parser().parse_args(["grade", str(tmp_path), "--language", "en"])
    assert cli.grading_config(args).language == "en"
    assert cli.grading_config(cli._parser().parse_args(["grade", str(tmp_path)])).language == "zh+en"
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["grade", str(tmp_path), "--language", "fr"])
    with pytest.raises(ValueError, match="'zh\\+en', 'en', 'zh'"):
        Limits(language="fr")


def test_another_language_is_not_a_reason_to_skip_a_graded_submission():
    from autograder.grader import Grader
    from autograder.pipeline.find_submissions import Submission
    from autograder.sandbox.limits import Limits
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
    from autograder import cli
    from autograder.backends.local import LocalBackend
    from autograder.batch import grade_submissions
    from autograder.pipeline.find_submissions import find_submissions
    from autograder.sandbox.limits import Limits
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
    from autograder.nbgrader_execute import HardenedExecute
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
