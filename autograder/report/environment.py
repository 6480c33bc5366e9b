"""The report's Jinja2 environment: the templates in ``autograder/report/templates/``.

Autoescaped: every student id, message and answer line is text, never markup. The
filters are the report's number formats, shared by the page and its integrity section.

The page's words follow ``course.language`` (issue #25), read when the page is rendered (the report
renders inside ``in_language(run.json's language or --language)``): the globals ``lang()``,
``say(zh, en)``, ``w(zh, en)`` (a label: "中文 English" in zh+en) and ``page_lang()`` (the
``<html lang>``); the macros ``h``/``s``/``pair`` (macros.html.j2) put the two languages side by side
in zh+en exactly as the page always did, and only one of them otherwise.
"""
import jinja2

from markupsafe import Markup

from autograder.core.kit import kit_file
from course import language
from course.lang import mark, page_lang
from course.messages import group_title

TEMPLATES = kit_file("autograder/report/templates")
MAX_LINE = 240                  # characters of one answer line shown


def _cut(text):
    return text if len(text) <= MAX_LINE else text[:MAX_LINE] + " …"


from autograder.core.deadlines import iso  # noqa: E402  (a leaf: the standard library)

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(
    cut=_cut,                                  # a long line shortened
    pct=lambda x: f"{x:.0%}",                  # 0.25 -> 25%
    num=lambda x: f"{x:.1f}",                  # a strength
    fmt=format,                                # {{ x|fmt(".2f") }}; "g": 2.0 -> 2
    group_title=group_title,                   # a property group's name as the students read it
    iso=iso,                                   # a datetime (UTC) as 2027-03-01T23:59:00Z, None as ""
    bi=lambda text: Markup(mark(text)),        # text (escaped), its parts not in the page's language marked
)
ENV.globals.update(
    lang=language.current_language,           # "zh+en", "en" or "zh": the page's language, now
    say=lambda zh, en, both=None: language.say(zh, en, both=both),
    w=lambda zh, en: language.say(zh, en, both=f"{zh} {en}"),   # a label: "学生 students" in zh+en
    page_lang=page_lang,
)
