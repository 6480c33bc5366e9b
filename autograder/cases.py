"""Test cases of the hidden suites: a view of the exercise records' case generators.

``make_cases(name, seed)`` returns a function's cases, deterministic per seed
(``autograder/exercises/<name>.py`` draws them; ``autograder.exercises.draw`` holds
the seeded ``Gen`` and the shared helpers; ``autograder.exercises.record.Case`` the type).
"""
from autograder.exercises import make_cases  # noqa: F401
from autograder.exercises.draw import Gen, noncontiguous  # noqa: F401
from autograder.exercises.record import Case  # noqa: F401
