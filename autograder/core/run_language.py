"""The language an instructor's file is written in (issue #25): the report, the exports and the
command's lines about a grading directory.

An explicit choice (``--language``) wins; else the grading run's (run.json's ``language``, which
``autograder grade --language`` or ``$COURSE_LANGUAGE`` chose when grading); else
``course.language.current_language()`` (``$COURSE_LANGUAGE``, else zh+en). Light: the standard library
and ``course.language`` only, so a command answers before anything heavy loads.
"""
import json
import pathlib
from typing import Optional

from course.language import LANGUAGES, check_language, current_language


def run_language(out_dir, language: Optional[str] = None) -> str:
    """The language of what is written about the grading directory ``out_dir``."""
    if language is not None:
        return check_language(language)
    try:
        run = json.loads((pathlib.Path(out_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run = None
    chosen = run.get("language") if isinstance(run, dict) else None
    return chosen if chosen in LANGUAGES else current_language()
