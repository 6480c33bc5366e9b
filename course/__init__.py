"""Student side of the pooling course kit: ``from course import check``.

Contains no solutions and no hidden tests; it never imports ``autograder``.
"""
from course.selfcheck import check

__all__ = ["check"]
