"""The text a reader gets from one of the kit's HTML pages: tags dropped, entities decoded.

Pages mark the English parts of bilingual text with ``<span lang="en">`` (accessibility, #23),
so a test that looks for a message compares text, not markup.
"""
import html
import re

_TAG = re.compile(r"<[^>]*>")


def page_text(markup: str) -> str:
    """``markup`` without its tags, with entities decoded (what a screen shows, whitespace aside)."""
    return html.unescape(_TAG.sub("", markup))
