"""The report a student reads for one graded function: group lines, points, the
failing case and the likely mistake, as plain text and as compact HTML.

Shared by ``course.check`` (public cases) and the hidden grader
(``autograder.grading.suites``), so both say exactly the same thing. The words come from
``course.messages``, the case's text from ``course.describe``.
"""
from dataclasses import dataclass

from course.language import say
from course.messages import group_title, misconception_text


@dataclass
class GroupLine:
    """One row of a report: a property group and whether it passed."""
    name: str
    passed: bool
    n_cases: int = 0
    n_failed: int = 0
    weight: float = 1.0


def format_report(title, groups, *, summary, failure="", mistake=None, points=None):
    """Plain-text report shared by check() and grade()."""
    lines = [title, summary]
    for g in groups:
        mark = "✓" if g.passed else "✗"
        lines.append(f"  {mark} {group_title(g.name)}  ({g.n_cases - g.n_failed}/{g.n_cases})")
    if points is not None:
        lines.append(say("得分", "points") + f": {points}")
    if failure:
        lines.append(failure)
    if mistake:
        lines.append(misconception_text(mistake))
    return "\n".join(lines)


def html_report(text, passed, img=""):
    """Compact HTML wrapping of a plain-text report (Jupyter); ``img``: an <img> drawn beside it.
    The text is escaped with its English parts marked ``lang="en"`` (``course.lang``); the picture
    goes under the text on a narrow screen (reflow at 320 CSS px). In English (course.language "en")
    the block says it is English (``lang="en"``, whatever the page's language) and marks its Chinese
    parts instead."""
    from course.lang import mark, page_lang
    color = "#1a7f37" if passed else "#cf222e"
    pre = (f'<pre style="margin:0;white-space:pre-wrap;overflow-wrap:anywhere;flex:1 1 22em;min-width:0">'
           f'{mark(text)}</pre>')
    side = f'<div class="case-picture" style="flex:0 1 auto;max-width:100%">{img}</div>' if img else ""
    lang = ' lang="en"' if page_lang() == "en" else ""
    return (f'<div{lang} style="border-left:4px solid {color};padding:4px 8px;margin:4px 0;'
            f'display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">{pre}{side}</div>')
