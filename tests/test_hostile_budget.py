"""The static check under its budget: cells built to exhaust it (tests/hostile/budget/variants.py).

Bounded algorithms (caps applied before a product is built, reach and aliases linear) finish
each variant in seconds and little memory, with a review flag for the name they hide and no
accusation; what only the hard budget can stop (a forked check with an address-space limit and
a deadline) gets ``review:check_budget``. Measured in a subprocess: wall time of the whole check
and the peak memory the forked check added, with generous margins.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

from support.slow import slow_fixture

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile" / "budget"))
import variants  # noqa: E402

MAX_SECONDS = 15.0          # per variant, whole check (fork included), on a loaded 2-core machine
MAX_GROWTH_MB = 400         # memory the forked check added above what it inherited

_SCRIPT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import variants
from autograder.pipeline import check_source as cs
from autograder.core.cells import AnswerCell

def kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])

real = cs._analyse
def measured(cells, names):
    # a fresh checker per variant (the test stops it below): its high-water mark is this variant's
    start = kb("VmRSS")
    out = real(cells, names)
    out["growth_mb"] = (kb("VmHWM") - start) / 1024
    return out
cs._analyse = measured
grow = {}
_budgeted = cs.budgeted_check
def keep(cells, names, seconds, memory):
    res = _budgeted(cells, names, seconds, memory)
    if res and "ok" in res:
        grow["mb"] = res["ok"].get("growth_mb")
    return res
cs.budgeted_check = keep

which, seconds, memory = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
cells = getattr(variants, which)
out = {}
for name, code in cells.items():
    grow.clear()
    checker = cs.CheckSource()
    checker.seconds, checker.memory = seconds, memory << 20
    cs._Checker._stop()
    t = time.monotonic()
    labels = [AnswerCell(0, ("pool2d",), code)]
    found = checker.check(labels, ["pool2d"])
    out[name] = {"seconds": time.monotonic() - t, "growth_mb": grow.get("mb"), "error": checker.error,
                 "over_budget": checker.over_budget, "unparsed": list(checker.unparsed),
                 "automatic": [f.key for fs in found.values() for f in fs if f.automatic],
                 "flags": sorted({cs.flag_of(f, labels) for fs in found.values() for f in fs if not f.automatic})}
print(json.dumps(out))
"""


def _run(which, seconds, memory_mb):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(ROOT / "tests" / "hostile" / "budget"), which,
                           str(seconds), str(memory_mb)], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@slow_fixture(scope="module")
def bounded():
    return _run("CELLS", 60, 768)


@pytest.mark.parametrize("name", sorted(variants.CELLS))
def test_bounded_algorithms_finish_cheaply_and_accuse_no_one(bounded, name):
    r = bounded[name]
    assert r["error"] is None and not r["over_budget"], r
    assert r["seconds"] < MAX_SECONDS, r
    assert r["growth_mb"] is not None and r["growth_mb"] < MAX_GROWTH_MB, r
    assert r["automatic"] == [], r                       # no accusation: nothing forbidden is named
    # a hidden name is for a person (getattr with what folding gave up on), never an operator verdict
    assert all(f.startswith("review:") and "check_budget" not in f for f in r["flags"]), r


@pytest.mark.slow       # the static check of every budget cell in a process of its own
@pytest.mark.parametrize("seconds,memory_mb", [(0.3, 768), (60, 1)], ids=["time", "memory"])
def test_the_hard_budget_turns_exhaustion_into_a_review_flag(seconds, memory_mb):
    out = _run("BUDGET", seconds, memory_mb)
    for name, r in out.items():
        # over the budget while checking, or already while parsing (then the cell is unverifiable:
        # review:unparsed_cell once the child has run it): a person looks either way
        assert (r["over_budget"] and r["flags"] == ["review:check_budget"]) or \
            (r["unparsed"] == [0] and r["flags"] == []), (name, r)
        assert r["automatic"] == [] and r["error"] is None, (name, r)
        assert r["seconds"] < seconds + 10, (name, r)
