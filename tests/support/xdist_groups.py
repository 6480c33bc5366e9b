"""Which tests pytest-xdist must keep on one worker (``make test`` runs ``-n 2 --dist loadgroup``).

A module- or session-scoped fixture is made once per worker. Two workers running tests of the same
module would each start the module's JupyterHub, grade its class or autograde its nbgrader course:
the work the fixture exists to share, done twice. So the tests that share such a fixture form one
group (``xdist_group``), which loadgroup sends to one worker; the rest (most tests) go one by one to
whichever worker is free, which keeps both cores busy to the end.

Groups are connected components: a test using the module fixture of A and the session fixture S joins
A's group and every other user of S. A module with any such test keeps all its tests in that group
(a module-level memo, e.g. test_accessibility's audited pages, is shared without any fixture). Not grouped, because two workers may share them:

* the classes in tests/support/graded.py: graded once per run under a file lock, whichever worker asks first;
* cheap session values (the repository's root, an option, a list of summary lines, a browser launch).

Corpora that tests/hostile/harness.py grades once per *process* (its ``_MEMO``) tie the modules that
read them, as a shared fixture would: IN_PROCESS_MEMOS says which.

loadgroup's scheduler reads a test's group from its node id (``path::test[param]@group``), which the
worker's own hook writes by setting ``item._nodeid``. pytest 9 keeps the id in ``item._id`` instead, so
with pytest-xdist 3.8 that write is lost: no test had a group, every module fixture was made on both
workers, and again after each test of another module in between (the CI log's doubled setups of
test_nbgrader_hardened and test_nbgrader_hostile_text). :func:`suffix_group_ids` writes the suffix
where pytest reads it, after xdist's hook, unless xdist already did.

Order: loadgroup hands out work units (a group, or a test without one) in queue order, each to the
first worker with less than three tests pending. By default the queue is sorted by the number of tests
in a unit, which says nothing of its cost: a five-test module that starts a hub or re-runs tests as
another user could come last and leave one core idle while the other finishes it. So the units are
queued costliest first (:func:`order_slow_first`: a few known heavy modules, then by the number of tests
marked slow; xdist's own reordering off), and the thousands of quick tests come last, where they fill whichever worker ends first.
"""
from __future__ import annotations

import pytest

# Session fixtures that need no group: shared between workers through a lock, or cheap to make twice.
SHARED_OR_CHEAP = {"graded_demo", "graded_class30", "reported_class30", "graded_totals_class",
                   "repo_root", "update_goldens", "summary", "artifacts_dir", "browser"}

# Test module -> the harness._MEMO corpora it grades or reads (graded once per worker process), or a
# module-level memo of its own that no fixture shows (test_mutants' _results: test_kill_rate reuses them).
IN_PROCESS_MEMOS = {
    "tests/test_hostile_ban.py": ["ban"], "tests/test_check_agrees.py": ["ban"],
    "tests/test_hostile.py": ["hostile"], "tests/test_malformed.py": ["malformed"],
    "tests/test_nbgrader_hardened.py": ["hostile", "malformed"],
    "tests/test_mutants.py": ["mutants"],
}


def _keys(item: pytest.Item) -> list[str]:
    """What ties `item` to other tests: its module for a module/class fixture, the fixture for a session
    one, the corpus for a harness memo."""
    path = item.nodeid.split("::", 1)[0]
    keys = [f"memo:{k}" for k in IN_PROCESS_MEMOS.get(path, [])]
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return keys
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fd = defs[-1]
        module = getattr(fd.func, "__module__", "") or ""
        if module.startswith(("_pytest", "xdist", "pytest_timeout")) or fd.scope == "function":
            continue
        if fd.scope in ("module", "class", "package"):
            keys.append(f"module:{path}")
        elif name not in SHARED_OR_CHEAP:
            keys.append(f"fixture:{module}.{name}")
    return keys


def suffix_group_ids(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a loadgroup worker, append ``@group`` to each grouped test's node id, as pytest-xdist means to."""
    if not getattr(config.option, "loadgroup", False):   # set on workers of `--dist loadgroup` only
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        nodeid = item.nodeid
        if not groups or nodeid.rfind("@") > nodeid.rfind("]"):
            continue                                   # no group, or xdist's own hook worked
        new = f"{nodeid}@{'_'.join(groups)}"
        if hasattr(item, "_id"):                       # pytest >= 9: a structured NodeId, its string cached
            from _pytest.nodeid import NodeId
            item._id = NodeId.parse(new)
        else:
            item._nodeid = new


def add_xdist_groups(items: list[pytest.Item]) -> None:
    """Mark every test that shares a module or session fixture with ``xdist_group(<its component>)``."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    keyed = [(item, _keys(item)) for item in items]
    # A module that shares anything keeps all its tests together: some share through a module-level
    # memo that no fixture shows (test_accessibility's pages, built once per process).
    shared_modules = {item.nodeid.split("::", 1)[0] for item, keys in keyed if keys}
    keyed = [(item, keys + [f"module:{path}"] if (path := item.nodeid.split("::", 1)[0]) in shared_modules else keys)
             for item, keys in keyed]
    for _, keys in keyed:
        for a, b in zip(keys, keys[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    for item, keys in keyed:
        if keys:
            group = find(keys[0]).split(":", 1)[1].replace("/", ".").replace("@", "_")
            item.add_marker(pytest.mark.xdist_group(group))


# Modules whose cost the count of their slow tests understates (a few tests behind a cluster, a hub, a
# re-run as another user, an nbgrader course): roughly their seconds on one worker in a CI run
# (`--durations`). They only move these modules up the queue; a wrong number costs time, never a result.
HEAVY_SECONDS = {
    "tests/test_dask.py": 110, "tests/test_hub.py": 95, "tests/test_nonroot.py": 80,
    "tests/test_notebooks.py": 75, "tests/test_nbgrader_hardened.py": 70, "tests/test_weak_sandbox.py": 50,
    "tests/test_nbgrader_hostile_text.py": 30, "tests/test_integrity.py": 25, "tests/test_accessibility.py": 25,
    "tests/test_english_edition.py": 15,
}


def _weight(unit: list[pytest.Item]) -> float:
    """A unit's estimated seconds: its heavy modules' numbers, else a second per slow test."""
    modules = {item.nodeid.split("::", 1)[0] for item in unit}
    heavy = sum(HEAVY_SECONDS.get(m, 0) for m in modules)
    return heavy + sum(1.0 for i in unit if i.get_closest_marker("slow")) + 0.01 * len(unit)


def order_slow_first(items: list[pytest.Item]) -> None:
    """Reorder `items` by work unit (a group, or one ungrouped test), the costliest first (:func:`_weight`);
    a unit's tests keep their order, and so do units that tie (every worker computes the same order)."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        units.setdefault(f"group:{mark.args[0]}" if mark and mark.args else f"test:{item.nodeid}", []).append(item)
    ranked = sorted(units.values(), key=lambda unit: -_weight(unit))
    items[:] = [item for unit in ranked for item in unit]


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "dist", "no") == "loadgroup":
        config.option.loadscopereorder = False    # the controller keeps the order the workers collected


@pytest.hookimpl(trylast=True)      # after pytest-xdist's own hook (see the module's docstring)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(config.option, "loadgroup", False):
        order_slow_first(items)
    suffix_group_ids(config, items)
