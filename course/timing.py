"""Timing for the notebooks' experiments (03's cost plot, 04's max versus softmax pooling).

One measurement of a call that takes microseconds is noise: the scheduler, other processes
and the start of torch's thread pool each move it by several times. So both notebooks time
the same way, with this one helper:

* the function runs once before any timing (warm-up: lazy initialisation, caches);
* one sample times enough consecutive calls to last at least ``min_batch`` seconds, and
  divides by their number;
* ``repeats`` samples are taken and their **median** returned (a stray slow sample moves
  a mean, and a lucky one moves the minimum; the median moves with neither);
* torch runs on **one thread** while it measures (``one_thread()``), so that the thread
  pool's scheduling on a shared machine is not part of the result; the caller's thread
  count is restored afterwards.

    from course.timing import median_seconds
    seconds = median_seconds(lambda: F.max_pool2d(X, 3, 1, 1))
"""
from __future__ import annotations

import contextlib
import statistics
import time
from typing import Callable, Iterator

__all__ = ["median_seconds", "one_thread"]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on one intra-op thread inside the block; the previous count afterwards."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def median_seconds(f: Callable[[], object], repeats: int = 7, min_batch: float = 2e-3,
                   threads: int | None = 1) -> float:
    """Seconds of one call of ``f()``: the median of ``repeats`` samples, each the mean of enough
    consecutive calls to last at least ``min_batch`` seconds, after one warm-up call.

    ``threads=1`` (the default) measures on one torch thread; ``None`` leaves the count as it is.
    """
    if repeats < 1 or min_batch <= 0:
        raise ValueError("repeats >= 1 and min_batch > 0 / 需要 repeats >= 1 且 min_batch > 0")
    if threads not in (1, None):
        raise ValueError("threads must be 1 or None / threads 只能是 1 或 None")
    guard = one_thread() if threads == 1 else contextlib.nullcontext()
    with guard:
        f()                                          # warm-up
        number = 1
        while True:                                  # enough calls for one sample to last min_batch
            start = time.perf_counter()
            for _ in range(number):
                f()
            if time.perf_counter() - start >= min_batch:
                break
            number *= 2
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(number):
                f()
            samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)
