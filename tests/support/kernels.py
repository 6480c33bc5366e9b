"""nbclient's NotebookClient whose waits for a kernel's messages cannot stall on a missed wake-up.

Each wait of pyzmq's asyncio poll ends with a poll(0) of the socket, which sees a message whose
wake-up was missed. nbclient waits for a cell's reply with one poll as long as the cell timeout
(300 s in test_notebooks) and for the cell's output with no timeout at all, so one missed wake-up
cost the whole timeout: the intermittent ~300 s stall of test_notebooks' executed fixtures (#21:
both fixtures then took ~305 s instead of ~10 s and still passed, so the reply had arrived and was
seen only at the timeout; pyzmq#1558 shows the same pattern, a poll that returns its event only at
its timeout). Waiting in slices of POLL_SLICE seconds, a missed wake-up costs at most POLL_SLICE;
the overall timeouts are unchanged.
"""
from __future__ import annotations

import queue
import time
from typing import Any, Awaitable, Callable

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from traitlets import Type

POLL_SLICE = 1.0     # seconds: the longest a message already in the client's socket can go unseen


def in_slices(get_msg: Callable[..., Awaitable[dict]]) -> Callable[..., Awaitable[dict]]:
    """A kernel channel's async ``get_msg(timeout)`` that polls in slices of at most POLL_SLICE."""
    async def sliced(timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=POLL_SLICE if left is None else min(POLL_SLICE, left))
            except queue.Empty:
                if left is not None and left <= POLL_SLICE:
                    raise
    return sliced


class SlicedChannel(AsyncZMQSocketChannel):
    """A kernel channel whose ``get_msg`` waits in slices (see the module's docstring)."""

    async def get_msg(self, timeout: float | None = None) -> dict:      # type: ignore[override]
        return await in_slices(super().get_msg)(timeout)


class SlicedKernelClient(AsyncKernelClient):
    """An async kernel client with sliced shell and IOPub channels. For a program that makes its own
    kernel client (``nbgrader validate``), by configuration:
    ``--AsyncKernelManager.client_class=support.kernels.SlicedKernelClient``, with tests/ on its path."""

    shell_channel_class = Type(SlicedChannel)       # type: ignore[assignment]
    iopub_channel_class = Type(SlicedChannel)       # type: ignore[assignment]


class SlicedClient(NotebookClient):
    """NotebookClient whose kernel client is a SlicedKernelClient."""

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        km.client_factory = SlicedKernelClient
        return km
