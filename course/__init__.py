"""Student side of the pooling course kit: ``from course import check``.

Contains no solutions and no hidden tests; it never imports ``autograder``.
``check`` and ``attempt`` are loaded on first use (they import torch), so the grader's
command line can use ``course.safe_text`` without paying for torch.
"""

__all__ = ["attempt", "check"]


def __getattr__(name):
    if name in __all__:
        from course import selfcheck
        return getattr(selfcheck, name)
    raise AttributeError(f"module 'course' has no attribute {name!r}")
