"""The language of the words a student or an instructor reads (issue #25: an English edition).

Every message of the kit is stored once with both languages, as a ``(zh, en)`` pair, and becomes
text only here, when it is rendered, in one of three languages:

- ``"zh+en"``: Chinese with English beside, ``"中文 / English"`` (the Chinese edition; the default);
- ``"en"``: English only (the English edition's default);
- ``"zh"``: Chinese only.

The choice is made once, never by editing code, and read when a message is rendered (nothing is
read at import time, issue #21):

1. ``language=`` given to :func:`say` / :func:`render` (the grader passes its run's language down);
2. :func:`use_language` (a student's first cell: ``course.use_language("en")``) or the
   :func:`in_language` block around a piece of work (the grader, around each submission);
3. the environment variable ``COURSE_LANGUAGE`` (a course's configuration), read at render time;
4. ``"zh+en"``.

A standard-library leaf: the student package imports it.
"""
import contextlib
import os
from typing import Iterator, Optional

LANGUAGES = ("zh+en", "en", "zh")
DEFAULT = "zh+en"
ENV = "COURSE_LANGUAGE"

_chosen: Optional[str] = None       # use_language / in_language; None: the environment, then DEFAULT


class Text(str):
    """One message in both languages. As a ``str`` it is its ``"zh+en"`` form (so code that has not
    learned to render still shows today's text); :meth:`render` gives it in any language. ``both``
    is the ``"zh+en"`` form when that is not simply ``f"{zh} / {en}"`` (a sentence whose English
    was written beside a formula)."""
    zh: str
    en: str

    def __new__(cls, zh: str, en: str, both: Optional[str] = None) -> "Text":
        self = super().__new__(cls, f"{zh} / {en}" if both is None else both)
        self.zh, self.en = zh, en
        return self

    def render(self, language: Optional[str] = None) -> str:
        return say(self.zh, self.en, both=str.__str__(self), language=language)

    def __reduce__(self):
        return (Text, (self.zh, self.en, str.__str__(self)))


def check_language(language) -> str:
    """``language`` itself when it is one of :data:`LANGUAGES`; otherwise a ValueError naming them."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of "
                         + ", ".join(repr(x) for x in LANGUAGES)
                         + " / 未知的语言，可选 " + "、".join(LANGUAGES))
    return language


def use_language(language: str) -> str:
    """Choose the language of everything rendered from now on in this process (a notebook's first
    cell). Returns it; an unknown language is refused, with the three values named."""
    global _chosen
    _chosen = check_language(language)
    return _chosen


@contextlib.contextmanager
def in_language(language: Optional[str]) -> Iterator[str]:
    """Render in ``language`` inside the block (None: leave the choice as it is)."""
    global _chosen
    if language is None:
        yield current_language()
        return
    before, _chosen = _chosen, check_language(language)
    try:
        yield _chosen
    finally:
        _chosen = before


def current_language() -> str:
    """The language messages render in now: the chosen one, else ``$COURSE_LANGUAGE``, else zh+en."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV, "").strip()
    if not env:
        return DEFAULT
    try:
        return check_language(env)
    except ValueError as e:
        raise ValueError(f"${ENV}: {e}") from None


def say(zh: str, en: str, *, both: Optional[str] = None, language: Optional[str] = None) -> str:
    """The message ``(zh, en)`` in ``language`` (None: :func:`current_language`)."""
    language = current_language() if language is None else check_language(language)
    if language == "en":
        return en
    if language == "zh":
        return zh
    return f"{zh} / {en}" if both is None else both


def render(text, language: Optional[str] = None) -> str:
    """A :class:`Text` (or a plain ``(zh, en)`` pair) in ``language``; a ``str`` is returned as it
    is (a name, a number, a student's own text: not the kit's words)."""
    if isinstance(text, Text):
        return text.render(language)
    if isinstance(text, tuple) and len(text) == 2 and all(isinstance(x, str) for x in text):
        return say(text[0], text[1], language=language)
    return text
