"""Collect a batch's results as they finish: one writer for local and Dask grading.

For each finished submission: its own files (results.json, feedback pages)
and its cache entry are written at once; the class tables keep only the
table columns of each result (so memory stays flat in batch size) and are
rewritten at most every ``tables_every`` seconds, and once at the end.
"""
import datetime
import json
import pathlib
import time

from autograder import __version__, functions
from autograder.pipeline.write_results import (
    GRADES_COLUMNS, MANUAL_COLUMNS, WriteResults, atomic_write, safe_name)


def table_part(res):
    """What the class tables need of a result (no feedback text, no suite details)."""
    return {"rows": [{k: r.get(k) for k in GRADES_COLUMNS} for r in res["rows"]],
            "manual": [{k: m.get(k) for k in MANUAL_COLUMNS} for m in res["manual"]]}


def failed_result(sub, grader, why):
    """Rows with status ``error`` for every test of a submission the grader itself could not grade."""
    rows, manual = [], []
    for nb in sorted(sub.notebooks):
        tests = grader.source.tests(nb)
        nb_rows = grader.runner.invalid(tests, sub.student_id, nb, why)
        for r in nb_rows:
            r["status"] = "error"
        rows += nb_rows
        manual += [{"student_id": sub.student_id, "assignment": functions.ASSIGNMENT, "notebook": nb,
                    "grade_id": m.grade_id, "max_points": m.points, "answered": False}
                   for m in grader.source.manual(nb)]
    return {"student_id": sub.student_id, "rows": rows, "manual": manual, "seconds": 0.0,
            "notebook_seconds": {}}


class CollectResults:
    """Skips unchanged submissions, then writes each result as it finishes."""

    tables_every = 2.0   # seconds between rewrites of grades.csv / manual.csv during a run

    def __init__(self, out, digest, *, progress=None, on_result=None):
        self.out = pathlib.Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.writer = WriteResults(self.out)
        self.digest = digest
        self.progress, self.on_result = progress, on_result
        self.tables, self.per_sub = {}, {}
        self.graded = 0
        self.started, self._t0 = datetime.datetime.now().astimezone(), time.monotonic()
        self._last_tables = self._t0

    def _cache_path(self, sub):
        return self.out / ".cache" / f"{safe_name(sub.student_id)}.json"

    def todo(self, submissions, key_of, force=False):
        """[(submission, key)] still to grade; unchanged ones go straight into the tables."""
        todo = []
        for sub in submissions:
            key = key_of(sub)
            cached = None if force else self._cached(sub, key)
            if cached is None:
                todo.append((sub, key))
            else:
                self.tables[sub.student_id] = table_part(cached)
        if self.progress is not None:
            self.progress.start()
            if self.tables:                     # unchanged submissions count towards the total too
                self.progress.update("(unchanged, skipped)", n=len(self.tables))
        return todo

    def _cached(self, sub, key):
        try:
            cached = json.loads(self._cache_path(sub).read_text("utf-8"))
            return cached["result"] if cached.get("key") == key else None
        except (OSError, ValueError, KeyError):
            return None

    def finish(self, sub, key, res, ok=True):
        """One submission is graded: write its files now, the tables now and then."""
        self.graded += 1
        self.tables[sub.student_id] = table_part(res)
        self.per_sub[sub.student_id] = res.get("seconds", 0.0)
        self.writer.submission(res)
        if ok:                                  # a grader failure is not cached: the next run retries
            atomic_write(self._cache_path(sub), json.dumps({"key": key, "result": res}, ensure_ascii=False))
        if time.monotonic() - self._last_tables >= self.tables_every:
            self.write_tables()
        if self.progress is not None:
            self.progress.update(sub.student_id, seconds=res.get("seconds"), ok=ok)
        if self.on_result is not None:
            self.on_result(res)

    def write_tables(self):
        self.writer.tables(list(self.tables.values()))
        self._last_tables = time.monotonic()

    def close(self, **extra):
        """Final tables and run.json; returns run.json's dict (``extra`` adds fields)."""
        self.write_tables()
        meta = {"started": self.started.isoformat(timespec="seconds"),
                "finished": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - self._t0, 3), "kit_version": __version__,
                "kit_digest": self.digest, "submissions": len(self.tables), "graded": self.graded,
                "skipped": len(self.tables) - self.graded, "per_submission_seconds": self.per_sub}
        meta.update(extra)
        self.writer.run(meta)
        return meta
