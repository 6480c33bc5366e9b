"""Student side of the pooling course kit: ``from course import check``.

Contains no solutions and no hidden tests; it never imports ``autograder``.
"""
from course.selfcheck import attempt, check

__all__ = ["attempt", "check"]
