"""Instructor side of the pooling course kit: references, hidden suites, sandboxed grader, reports."""

__version__ = "0.1.0"
