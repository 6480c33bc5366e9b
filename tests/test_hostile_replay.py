"""One notebook, one budget, replay included (tests/hostile/replay/).

The replay child (``autograder.pipeline.run_suites.Replay``) runs the one case a feedback page
shows in a fresh process. It used to get a notebook budget of its own, so a submission that spent
its notebook's budget in the session and then hung in the replay cost about twice
``Limits.notebook_timeout``. Each attack here naps just under the call timeout until the budget is
nearly spent (so its early cases fail with a wrong value, which the feedback shows and the replay
runs again), then hangs in whatever runs late: the replay's call, or its cells.

A notebook must finish within its budget plus a margin for starting and stopping children; the
call timeout is longer than the margin, so one hanging replay call alone would break the bound.
"""
import time

import pytest

import harness  # noqa: E402
from autograder.pipeline.grader import Grader
from autograder.core.limits import Limits

REPLAY = harness.HERE / "replay"
CASES = sorted(p.stem for p in REPLAY.glob("*.py") if not p.stem.startswith("_"))
CALL_TIMEOUT = 8.0            # longer than MARGIN: a replay with a budget of its own cannot hide in it
NOTEBOOK_TIMEOUT = 6.0
MARGIN = 5.0                  # child starts and kills, the suites' own work, a loaded machine
NAP = 1.5                     # each early call: well under the call timeout


def attack(case, late):
    """(function, notebook) of a replay attack whose code hangs after the wall-clock time `late`."""
    code = (REPLAY / f"{case}.py").read_text(encoding="utf-8")
    first = code.splitlines()[0]
    function = first.split(":", 1)[1].strip() if first.startswith("# function:") else "pool2d"
    code = code.replace("{LATE}", repr(late)).replace("{NAP}", repr(NAP))
    return function, harness.with_answer(code, function=function)


@pytest.fixture(scope="module")
def grader():
    limits = Limits(call_timeout=CALL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT)
    with Grader(limits) as g:
        g.warm()                              # the zygote's start is not the notebook's
        yield g


def test_corpus():
    assert {"late_hang", "late_cell_hang", "late_hang_second"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_the_replay_shares_the_notebooks_budget(grader, case):
    start = time.time()
    function, nb = attack(case, late=start + NOTEBOOK_TIMEOUT / 2)
    t = time.monotonic()
    rows, _ = grader.grade_notebook_full(nb, f"hostile_{case}", "01_basics")
    elapsed = time.monotonic() - t
    assert elapsed < NOTEBOOK_TIMEOUT + MARGIN, f"{case}: {elapsed:.1f} s for a {NOTEBOOK_TIMEOUT:g} s notebook"
    by_id = {r.grade_id: r for r in rows}
    attacked = by_id[f"test_{function}"]
    assert attacked.points == 0.0 and attacked.status.value in ("timeout", "failed")
    if function == "pool2d_padded":           # what came before the attack keeps its points
        assert by_id["test_pool2d"].points == by_id["test_pool2d"].max_points
