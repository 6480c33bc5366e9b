"""Student side of the pooling course kit: ``from course import check``.

Contains no solutions and no hidden tests; it never imports ``autograder``.
``check`` and ``attempt`` are loaded on first use (they import torch), so the grader's
command line can use ``course.safe_text`` without paying for torch.

``course.use_language("en")`` (a notebook's first cell) chooses the language of everything
check() says: "zh+en" (the default), "en" or "zh" (``course.language``).
"""
from course.language import use_language  # noqa: F401  (light: the standard library only)

__all__ = ["attempt", "check"]


def __getattr__(name):
    if name in __all__:
        from course import selfcheck
        return getattr(selfcheck, name)
    raise AttributeError(f"module 'course' has no attribute {name!r}")
