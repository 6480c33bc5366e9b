"""Dask worker preload for tests/test_dask.py (``dask worker --preload THIS_FILE``).

The kit's cleanup plugin takes DELAY seconds to arrive on a worker started
with it, so a test can kill that worker while the client is still
registering the plugin (the scheduler's broadcast is then sure to fail).
"""
import asyncio

PLUGIN = "autograder-close-graders"
DELAY = 3.0


def dask_setup(worker):
    """Wrap the worker's ``plugin-add`` handler (no ``comm`` argument, like the original)."""
    add = worker.handlers["plugin-add"]

    async def slow_plugin_add(plugin=None, name=None, catch_errors=True):
        if name == PLUGIN:
            await asyncio.sleep(DELAY)
        return await add(plugin=plugin, name=name, catch_errors=catch_errors)

    worker.handlers["plugin-add"] = slow_plugin_add
