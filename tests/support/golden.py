"""The golden copy of what a grading run writes: grades.csv, manual.csv and every results.json.

Normalised so that a rerun of the same kit on the same submissions gives the same bytes:
the run's timings (grades.csv's ``seconds``, results.json's ``execution_time``) are blanked.
Everything else -- scores, statuses, messages, feedback text, folders -- is compared as written.

Regenerate (only when a change of results is intended, and say so in the commit):

    .venv/bin/python -m pytest tests/test_golden.py --update-goldens
    .venv/bin/python -m tests.support.golden          # the same, without pytest
"""
import csv
import gzip
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CLASS_SIZE, CLASS_SEED = 30, 0
TIMING_KEYS = {"execution_time", "seconds"}      # the only values that differ between two runs


def _drop_timings(value):
    if isinstance(value, dict):
        return {k: ("" if k in TIMING_KEYS else _drop_timings(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_timings(v) for v in value]
    return value


def _table(path):
    with open(path, newline="", encoding="utf-8") as f:
        return _drop_timings(list(csv.DictReader(f)))


def snapshot(out):
    """The normalised outputs of one grading run in `out`, as one JSON-able dict."""
    out = pathlib.Path(out)
    return {
        "grades.csv": _table(out / "grades.csv"),
        "manual.csv": _table(out / "manual.csv"),
        "results.json": {p.parent.name: _drop_timings(json.loads(p.read_text("utf-8")))
                         for p in sorted((out / "students").glob("*/results.json"))},
    }


def grade(submissions, out):
    """`autograder grade` as a user runs it, from the venv this runs in."""
    autograder = pathlib.Path(sys.executable).parent / "autograder"
    subprocess.run([str(autograder), "grade", str(submissions), "--out", str(out), "--force"],
                   check=True, capture_output=True)
    return snapshot(out)


def make_class(path):
    sys.path.insert(0, str(ROOT))
    from examples.make_class import make_class as make
    make(CLASS_SIZE, path, seed=CLASS_SEED)
    return path


# golden file -> how to make the submissions it grades (in a scratch folder). Each NAME is graded once
# per test session by the fixture graded_NAME (tests/support/graded.py), which other modules reuse.
CASES = {
    "demo": lambda scratch: ROOT / "examples" / "submitted",
    "class30": lambda scratch: make_class(scratch / "class"),
}


def path(name):
    return GOLDEN / f"{name}.json.gz"


def load(name):
    with gzip.open(path(name), "rt", encoding="utf-8") as f:
        return json.load(f)


def save(name, snap):
    data = json.dumps(snap, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    path(name).write_bytes(gzip.compress(data, mtime=0))


def main():
    import tempfile
    for name, make_subs in CASES.items():
        with tempfile.TemporaryDirectory() as scratch:
            scratch = pathlib.Path(scratch)
            save(name, grade(make_subs(scratch), scratch / "out"))
            print("wrote", path(name))


if __name__ == "__main__":
    main()
