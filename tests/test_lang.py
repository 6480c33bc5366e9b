"""course.lang: the one function that turns the kit's bilingual text into HTML with its English
parts marked lang="en" (WCAG 3.1.2), escaping everything as Jinja's autoescaping does."""
import re

import markupsafe
import pytest

from course.lang import english_spans, escape, mark_english, mark_english_html


@pytest.mark.parametrize("text, english", [
    ("得分 / points: 3", ["points: 3"]),
    ("学生数 students", ["students"]),
    ("最大汇聚 / Max pooling", ["Max pooling"]),
    ("✗ 基本用例 / basic  (0/2)", ["basic  (0/2)"]),
    ("mode 不是 'max' 或 'avg' 时应当抛出 ValueError", ["mode", "'max'", "'avg'", "ValueError"]),
    ("行一 / line one\n行二 / line two", ["line one", "line two"]),        # never across a line
    ("12 / 31", []),                                                       # numbers alone
    ("Q1", []),                                                            # no word of two letters
    ("中文", []),
])
def test_english_parts(text, english):
    assert [text[a:b] for a, b in english_spans(text)] == english


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script> 中文 / English",
    "a<\"b\" & 'c' 中文 / <img src=x onerror=alert(1)>",
    "\x1b[2J 中文 / </span><span lang=\"zh\">",
])
def test_hostile_text_stays_text(text):
    """Escaped as markupsafe escapes; the only markup added is the kit's own spans, and taking
    them away gives back the escaped text."""
    out = mark_english(text)
    assert escape(text) == str(markupsafe.escape(text))
    assert re.sub(r'<span lang="en">|</span>', "", out) == str(markupsafe.escape(text))
    assert re.sub(r'<span lang="en">|</span>', "", out).count("<") == 0


def test_marked_html_keeps_code_and_marked_parts():
    html = mark_english_html('<h1>汇聚 / Pooling</h1><p>用 <code>torch.max</code> 和 mean</p>'
                             '<p lang="en">already English</p>')
    assert '<h1>汇聚 / <span lang="en">Pooling</span></h1>' in html
    assert "<code>torch.max</code>" in html and '和 <span lang="en">mean</span>' in html
    assert '<p lang="en">already English</p>' in html
