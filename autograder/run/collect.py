"""Collect a batch's results as they finish: one writer for local and Dask grading.

For each finished submission: its own files (results.json, feedback pages)
and its cache entry are written at once; the class tables keep only the
table columns of each result (so memory stays flat in batch size) and are
rewritten at most every ``tables_every`` seconds, and once at the end.
A student whose files cannot be written gets ``error`` rows instead; the
batch goes on and ``run.json`` is always written.

``results.jsonl`` (the kit's own results, which the report and the integrity
analysis read) holds every submission's whole ``SubmissionResult``, graded
now or taken from the cache: each record goes to an unlinked spool file as it
finishes (memory stays flat), and results.jsonl is written from it at the end,
atomically, sorted by student. A run that cannot complete it leaves none (an
older one is removed when the run starts), so no report mixes two runs.
"""
import datetime
import json
import os
import pathlib
import tempfile
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

from autograder import __version__
from autograder.core import terminal
from autograder.core.results import GRADER_ERROR, Status, SubmissionResult
from autograder.run.write import (RESULTS_JSONL, STUDENTS, WriteResults, atomic_write, atomic_write_chunks,
    display_id, record_line, student_folder)

if TYPE_CHECKING:
    from autograder.pipeline.grader import Grader
    from autograder.pipeline.find_submissions import Submission

CACHE = ".cache"


def failed_result(sub: "Submission", grader: "Grader", why: str) -> SubmissionResult:
    """A result with ``error`` rows for every test of a submission the grader itself could not grade."""
    rows, manual = [], []
    for nb in sorted(sub.notebooks):       # status error: each row a grader error (Row.grader_error)
        rows += grader.runner.invalid(grader.source.tests(nb), sub.student_id, nb, why, status=Status.ERROR)
        manual += grader.manual_rows(sub.student_id, nb)
    return SubmissionResult(sub.student_id, tuple(rows), tuple(manual))


class FolderCollision(OSError):
    """Two different ids would share one output folder (a hash collision: refused, never merged)."""


class CollectResults:
    """Skips unchanged submissions, then writes each result as it finishes."""

    tables_every = 2.0   # seconds between rewrites of grades.csv / manual.csv during a run

    def __init__(self, out, digest, *, progress=None, on_result=None, allow_weak_sandbox=False,
                 language_for=None):
        self.out = pathlib.Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.writer = WriteResults(self.out, language_for=language_for)
        self.digest = digest
        self.progress, self.on_result = progress, on_result
        self.tables, self.per_sub = {}, {}
        self.folders = {}                       # folder name -> the one student id that owns it
        self.write_errors, self.cache_errors = {}, 0
        self.sandbox_warnings = []              # each said once, loudly, whichever worker met it
        self.graded = 0
        self.roots = []
        # The sandbox, for run.json: was weak grading allowed, what confined each worker's children,
        # and which students' results were graded where something was not confined (this run or cached).
        self.allow_weak_sandbox = bool(allow_weak_sandbox)
        self.confinement = {}                   # worker -> confinement summary
        self.weak = {}                          # student id -> the resources not confined
        self.started, self._t0 = datetime.datetime.now().astimezone(), time.monotonic()
        self._last_tables = self._t0
        # results.jsonl: records spooled as results come (student id -> (offset, length)), written at close
        self._spool, self._records, self.records_error = None, {}, None
        try:
            (self.out / RESULTS_JSONL).unlink()     # an older run's: never read beside this run's tables
        except FileNotFoundError:
            pass

    def _cache_path(self, sub):
        return self.out / CACHE / f"{self._folder(sub.student_id)}.json"

    def _folder(self, student_id):
        """student_folder(id), refusing a folder another id of this run already owns."""
        folder = student_folder(student_id)
        owner = self.folders.setdefault(folder, student_id)
        if owner != student_id:
            raise FolderCollision(f"{folder} is already {display_id(owner)}'s")
        return folder

    def todo(self, submissions: Iterable["Submission"], key_of: Callable[["Submission"], str],
             force: bool = False) -> list[tuple["Submission", str]]:
        """[(submission, key)] still to grade; unchanged ones go straight into the tables."""
        todo = []
        submissions = list(submissions)              # read twice below: a generator would be empty the second time
        # run.json's "submissions": where the submissions were (the report reads results.jsonl, not them)
        self.roots = sorted({os.path.abspath(root) for s in submissions if (root := getattr(s, "root", None))})
        for sub in submissions:
            key = key_of(sub)
            cached = None if force else self._cached(sub, key)
            if cached is not None and cached.unconfined and not self.allow_weak_sandbox:
                cached = None                   # graded by a weak sandbox: not reused by a run that refuses one
            if cached is None:
                todo.append((sub, key))
            else:
                self._note_confinement(sub.student_id, cached)
                self._record(sub.student_id, cached)
                self.tables[sub.student_id] = cached.for_tables()
        if self.progress is not None:
            self.progress.start()
            if self.tables:                     # unchanged submissions count towards the total too
                self.progress.update("(unchanged, skipped)", n=len(self.tables))
        return todo

    def _cached(self, sub, key):
        """The SubmissionResult cached for `sub` under `key`, or None."""
        try:
            cached = json.loads(self._cache_path(sub).read_text("utf-8"))
            # The id check guards against any entry that is not this student's own.
            if cached.get("key") != key or cached["result"]["student_id"] != sub.student_id:
                return None
            return SubmissionResult.from_dict(cached["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def finish(self, sub: "Submission", key: str, res: SubmissionResult, ok: bool = True) -> None:
        """One submission is graded (a SubmissionResult): write its files now, the tables now and then."""
        self.graded += 1
        self._note_confinement(sub.student_id, res, fresh=True)
        res, ok = self._write_submission(sub, key, res, ok)
        self._record(sub.student_id, res)
        self._announce(res.sandbox_warnings)
        self.tables[sub.student_id] = res.for_tables()
        self.per_sub[sub.student_id] = res.seconds
        if time.monotonic() - self._last_tables >= self.tables_every:
            self._try_tables()
        if self.progress is not None:
            self.progress.update(display_id(sub.student_id), seconds=res.seconds, ok=ok)
        if self.on_result is not None:
            self.on_result(res)

    def _record(self, student_id, res):
        """Spool `res`'s whole record (results.jsonl's line) for the end of the run."""
        if self.records_error is not None:
            return
        try:
            if self._spool is None:                 # unlinked at once: nothing is left behind
                self._spool = tempfile.TemporaryFile(dir=self.out, prefix=".results.")
            line = record_line(res)
            self._spool.seek(0, os.SEEK_END)
            self._records[student_id] = (self._spool.tell(), len(line))
            self._spool.write(line)
        except (OSError, ValueError) as e:
            self.records_error = f"{type(e).__name__}: {e}"[:200]

    def write_records(self):
        """results.jsonl from the spool, sorted by student id (atomically; raises OSError)."""
        if self.records_error is not None:
            raise OSError(f"{RESULTS_JSONL}: a record could not be kept: {self.records_error}")

        def lines():
            assert self._spool is not None             # records are only kept in the spool
            for sid in sorted(self._records):
                offset, length = self._records[sid]
                self._spool.seek(offset)
                yield self._spool.read(length)
        if self._spool is not None:
            self._spool.flush()
        atomic_write_chunks(self.out / RESULTS_JSONL, lines())

    def _note_confinement(self, student_id, res, fresh=False):
        """Remember what confined `res`'s children (per worker, when graded now) and whether it was weak."""
        if fresh and res.confinement:
            self.confinement.setdefault(res.worker or "local", res.confinement)
        if res.unconfined:
            self.weak[student_id] = res.unconfined
        else:
            self.weak.pop(student_id, None)

    def _announce(self, warnings):
        for w in warnings:
            if w not in self.sandbox_warnings:
                self.sandbox_warnings.append(w)
                terminal.warn(f"sandbox {w} (limits and the protocol still apply)")

    def grader_errors(self) -> int:
        """How many rows of the class tables are the grader's own failures."""
        return sum(1 for t in self.tables.values() for r in t.rows if r.grader_error)

    def _write_submission(self, sub, key, res, ok):
        """Write one student's files and cache entry -> (result, ok); a failure becomes error rows."""
        try:
            self._folder(sub.student_id)
            self.writer.submission(res)
        except (OSError, ValueError) as e:
            # The grader's failure, not the student's: counted apart, and not cached (re-graded next run).
            why = f"{GRADER_ERROR}: 无法写入结果 / could not write results: {type(e).__name__}: {e}"[:200]
            self.write_errors[display_id(sub.student_id)] = why
            return res.as_error(why, grader_error=True), False         # every row an error worth 0, with the reason
        if ok:                                  # a grader failure is not cached: the next run retries
            try:
                atomic_write(self._cache_path(sub), json.dumps({"key": key, "result": res.to_dict()},
                                                               ensure_ascii=False))
            except (OSError, ValueError):
                self.cache_errors += 1          # costs only a re-grade next time
        return res, ok

    def write_tables(self) -> None:
        self.writer.tables(self.tables.values())
        self._last_tables = time.monotonic()

    def _try_tables(self):
        """A rewrite during the run; if it fails, the final one in close() tries again."""
        try:
            self.write_tables()
        except (OSError, ValueError):
            self._last_tables = time.monotonic()

    def close(self, **extra: Any) -> dict:
        """Final tables and run.json (always written); returns run.json's dict (``extra`` adds fields).

        If the tables themselves cannot be written, run.json says so and the error is raised after it.
        """
        failure: BaseException | None = None
        records_failure: BaseException | None = None
        try:
            self.write_tables()
        except (OSError, ValueError) as e:
            failure = e
        try:
            self.write_records()
        except (OSError, ValueError) as e:
            records_failure = e
        finally:
            if self._spool is not None:
                self._spool.close()
                self._spool = None
        meta = {"started": self.started.isoformat(timespec="seconds"),
                "finished": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - self._t0, 3), "kit_version": __version__,
                "kit_digest": self.digest, "graded": self.graded,
                "skipped": len(self.tables) - self.graded, "per_submission_seconds": self.per_sub,
                "students": self.student_folders(), "write_errors": self.write_errors,
                "cache_errors": self.cache_errors, "grader_errors": self.grader_errors(),
                "sandbox_warnings": self.sandbox_warnings,
                "allow_weak_sandbox": self.allow_weak_sandbox, "confinement": self.confinement,
                "unconfined": sorted({r for rs in self.weak.values() for r in rs}),
                "weak_sandbox_students": len(self.weak),
                "submissions": self.roots[0] if len(self.roots) == 1 else None}
        if failure is not None:
            meta["tables_error"] = f"{type(failure).__name__}: {failure}"
        if records_failure is not None:
            meta["results_jsonl_error"] = f"{type(records_failure).__name__}: {records_failure}"[:300]
        meta.update(extra)
        self.writer.run(meta)
        if failure is not None:
            raise failure
        if records_failure is not None:
            raise records_failure
        return meta

    def student_folders(self) -> dict[str, str]:
        """run.json's map: each student id -> its folder, relative to DIR (``students/<folder>``)."""
        return {sid: f"{STUDENTS}/{student_folder(sid)}" for sid in sorted(self.tables)}
