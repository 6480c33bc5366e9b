"""The kit's lines on the instructor's terminal (stderr, stdout): one mechanism for all of them.

Student folder names, ids, error messages and paths reach these lines. Every line is written
by :func:`say`, which passes the *whole* line through ``course.safe_text.visible`` (the one
escaping function): no ESC, CSI, OSC, C1 control, DEL, bidi or zero-width character of a
student reaches the terminal raw, so a name cannot erase lines, move the cursor, retitle the
terminal, forge a "graded all" line or hide what follows. A line break inside a message is
escaped too (``\\x0a``): a name cannot start a line of its own. Text that is several lines by
the kit's own design (self-study feedback) goes through :func:`say_lines`.

The progress bar (``autograder.cli.progress``) escapes the student's part of its line the same way.
"""
import sys
from typing import Optional, TextIO

from course.safe_text import visible


def say(message, stream: Optional[TextIO] = None) -> None:
    """Write ``message`` as one escaped line (default stderr). A closed or broken stream is
    ignored: a terminal that went away must never stop grading."""
    stream = sys.stderr if stream is None else stream
    try:
        stream.write(visible(message) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def say_lines(text, stream: Optional[TextIO] = None) -> None:
    """Kit text of several lines (e.g. a feedback block): each line escaped as by :func:`say`."""
    for line in str(text).split("\n"):
        say(line, stream)


def warn(message, stream: Optional[TextIO] = None) -> None:
    """``autograder: WARNING: <message>`` on stderr, escaped."""
    say(f"autograder: WARNING: {message}", stream)


def error(message, stream: Optional[TextIO] = None) -> None:
    """``autograder: <message>`` on stderr, escaped (a refused argument, a missing file)."""
    say(f"autograder: {message}", stream)
