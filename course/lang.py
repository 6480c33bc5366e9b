"""The language of each part of the kit's bilingual text in HTML (WCAG 3.1.2, language of parts).

The kit's pages are Chinese (``<html lang="zh-CN">``) with English beside ("中文 / English"). A
screen reader reads a page in the voice of its language; English left unmarked inside a Chinese
page is read with the Chinese voice. :func:`mark_english` is the one place where text becomes HTML
with its English parts marked ``<span lang="en">``: every HTML page the kit writes (the self-check,
the feedback pages, the class report, the nbgrader feedback page) renders its messages through it.

The rule, on the text alone: a run of characters with no CJK character between CJK text (or a line
start or end), holding a Latin word of at least two letters, is English. Its leading spaces and
punctuation (" / ", "（", "—") stay outside the span. Numbers alone stay unmarked (they are read the
same in both voices). The text is escaped piece by piece (as Jinja's autoescaping does: & < > ' "), so a message that
carries a student's own text (an exception message, an id) still becomes text, never markup. The
result is a ``str`` of HTML (the student package needs no template engine); a Jinja filter wraps it
in ``markupsafe.Markup``.
"""
import re

# CJK ideographs, kana, bopomofo, CJK symbols and punctuation, fullwidth forms.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_RUN = re.compile(f"[^{_CJK}\n]+")
_WORD = re.compile(r"[A-Za-z]{2,}")
# Where the English part starts (its first letter, or an opening quote/bracket right before one)
# and where it ends (a letter, a digit, or closing punctuation).
_START = re.compile(r"[\"'(\[]?[A-Za-z]")
_END = re.compile(r".*[A-Za-z0-9)\]\"'.!?%]", re.S)

# Elements whose text is not prose: code keeps its own reading, and nothing inside these is touched.
_SKIP = {"code", "pre", "kbd", "samp", "script", "style", "svg", "math", "textarea"}


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def escape(text: str) -> str:
    """HTML-escaped text, the same characters and entities as markupsafe (Jinja's autoescaping)."""
    return text.translate(_ESCAPES)


def english_spans(text: str) -> list:
    """``(start, end)`` of each English part of ``text``, in order."""
    spans = []
    for run in _RUN.finditer(text):
        chunk = run.group()
        if not _WORD.search(chunk):
            continue
        start = _START.search(chunk)
        end = _END.match(chunk, start.start())
        if end is None:
            continue
        spans.append((run.start() + start.start(), run.start() + end.end()))
    return spans


def mark_english(text) -> str:
    """``text`` as escaped HTML, each English part in ``<span lang="en">``."""
    text = "" if text is None else str(text)
    out, pos = [], 0
    for a, b in english_spans(text):
        out.append(escape(text[pos:a]))
        out.append(f'<span lang="en">{escape(text[a:b])}</span>')
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out)


def mark_english_html(fragment: str, marker=None) -> str:
    """The same marking inside an HTML fragment (rendered markdown): each text node outside code,
    math and any element that already says its language. For the nbgrader feedback page, whose
    markdown the kit renders; the result is sanitised afterwards like any student HTML.
    ``marker``: :func:`mark_chinese` on an English page (:func:`mark_html`)."""
    from bs4 import BeautifulSoup, NavigableString
    marker = marker or mark_english
    soup = BeautifulSoup(fragment, "html.parser")
    for node in list(soup.find_all(string=True)):
        if type(node) is not NavigableString or marker(str(node)) == escape(str(node)):
            continue
        if any(p.name in _SKIP or p.has_attr("lang") for p in node.parents if p.name != "[document]"):
            continue
        node.replace_with(BeautifulSoup(marker(str(node)), "html.parser"))
    return str(soup)


# An English page (language "en", ``<html lang="en">``) marks the other way round: its Chinese parts
# (a student's own text, a name: the kit's words are English there) are read in the Chinese voice.
_CJK_RUN = re.compile(f"[{_CJK}]+(?:[ \t]*[{_CJK}]+)*")


def mark_chinese(text) -> str:
    """``text`` as escaped HTML, each run of CJK characters in ``<span lang="zh-CN">``."""
    text = "" if text is None else str(text)
    out, pos = [], 0
    for m in _CJK_RUN.finditer(text):
        out.append(escape(text[pos:m.start()]))
        out.append(f'<span lang="zh-CN">{escape(m.group())}</span>')
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def page_lang(language=None) -> str:
    """The ``<html lang>`` of a page in ``language`` (None: ``course.language.current_language()``):
    ``en`` for an English page, ``zh-CN`` for a Chinese one and for Chinese with English beside."""
    from course.language import current_language
    return "en" if (language or current_language()) == "en" else "zh-CN"


def mark(text, language=None) -> str:
    """``text`` as escaped HTML with the parts not in the page's language marked (WCAG 3.1.2): on an
    English page (``language`` "en") its Chinese parts, on every other page its English parts."""
    return mark_chinese(text) if page_lang(language) == "en" else mark_english(text)


def mark_html(fragment: str, language=None) -> str:
    """:func:`mark_english_html` for the page's language: an English page marks the Chinese parts."""
    return mark_english_html(fragment, mark_chinese if page_lang(language) == "en" else None)
