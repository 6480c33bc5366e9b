"""Grading one function: the hidden suites, witnesses, mistake models, evidence hashes, public cases."""
