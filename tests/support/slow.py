"""What `make test-fast` (``pytest -m "not slow"``) leaves out, decided where the cost is.

A test is slow when it is marked ``@pytest.mark.slow`` (or its module's ``pytestmark``), when it
drives a browser or a hub (``browser``, ``hub`` marks), or when it uses, directly or through another
fixture, a fixture made with :func:`slow_fixture`: grading a class, starting a cluster, a server or
an nbgrader course costs its time in whichever test asks first, so every test using it is slow.
conftest.py's ``pytest_collection_modifyitems`` applies :func:`mark_slow_items`.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest


def slow_fixture(*args: Any, **kwargs: Any) -> Callable:
    """``pytest.fixture(...)`` for a fixture that costs more than a few seconds: every test that uses
    it is marked slow. ``@slow_fixture`` or ``@slow_fixture(scope="module")``, as ``@pytest.fixture``."""
    def decorate(func: Callable) -> Any:
        func._kit_slow_fixture = True
        return pytest.fixture(**kwargs)(func)
    if len(args) == 1 and callable(args[0]) and not kwargs:     # bare @slow_fixture
        return decorate(args[0])
    assert not args, "slow_fixture takes pytest.fixture's keyword arguments"
    return decorate


def uses_slow_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if defs and getattr(defs[-1].func, "_kit_slow_fixture", False):
            return True
    return False


def mark_slow_items(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("hub") or uses_slow_fixture(item):
            item.add_marker(pytest.mark.slow)
