"""Same submissions, same results: grading the demo class and a generated class of 30 writes
grades.csv, manual.csv and every results.json exactly as the golden copy (timings aside).

A refactoring of the grading path must keep this test green without regenerating the copy;
regenerate only for an intended change of results: ``pytest tests/test_golden.py --update-goldens``
(or ``python -m tests.support.golden``). Each class is graded once per session
(tests/support/graded.py), and other modules read the same grading.
"""
import pytest

from support import golden


def _first_difference(want, got, where=""):
    if type(want) is not type(got):
        return f"{where}: {want!r:.200} != {got!r:.200}"
    if isinstance(want, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                return f"{where}/{k}: missing"
            if k not in want:
                return f"{where}/{k}: not in the golden copy"
            d = _first_difference(want[k], got[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(want, list):
        if len(want) != len(got):
            return f"{where}: {len(want)} items, now {len(got)}"
        for i, (a, b) in enumerate(zip(want, got)):
            d = _first_difference(a, b, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if want == got else f"{where}: {want!r:.300} != {got!r:.300}"


@pytest.mark.slow       # graded_<name> (asked for by name below) grades a class
@pytest.mark.parametrize("name", sorted(golden.CASES))
def test_results_match_the_golden_copy(name, request, update_goldens, summary):
    got = request.getfixturevalue(f"graded_{name}").snapshot()
    assert got["results.json"], "the run graded no student"
    if update_goldens:
        golden.save(name, got)
        summary.append(f"--update-goldens: wrote {golden.path(name).relative_to(golden.ROOT)}")
    want = golden.load(name)
    assert want["results.json"], "the golden copy holds no student"
    assert got == want, _first_difference(want, got)
