"""Academic integrity analysis (issue #13): evidence for a person to review, never a score.

``autograder report DIR`` calls :func:`autograder.report.integrity.analyse.analyse` and
renders its result as the report's "Integrity / 学术诚信" section and
``DIR/integrity.csv``. One small module per job:

- ``normalise``: an answer cell -> a token stream (no comments, no docstrings,
  identifiers renamed canonically from the AST), each token with its line;
- ``fingerprint``: k-grams of tokens, robust winnowing (Schleimer, Wilkerson and
  Aiken 2003, as MOSS), boilerplate (``release/``, ``course/``, the instructor's
  solution regions) subtracted, an inverted index that yields candidate pairs
  without comparing all pairs;
- ``behaviour``: a hash of a function's rounded outputs on each hidden case
  (recorded by ``autograder.grading.suites`` in the trusted parent) and the index of
  shared *wrong* outputs, weighted by how rare they are in the class;
- ``cluster``: pair evidence combined, students grouped, groups ranked;
- ``answers``: a class's answer texts read from submissions, for the benchmarks (the report
  takes them from results.jsonl instead);
- ``analyse``: the whole analysis of a grading directory, and ``integrity.csv``;
- ``render``: the HTML section (Jinja2, autoescaped).

Nothing here changes a score: grades.csv is read, never written.
"""
