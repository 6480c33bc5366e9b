"""Seeded draws for the cases: ``Gen`` and the helpers every case generator shares.

Cases are deterministic per (function, seed), small (H, W <= 9; N, C <= 3, so
loop implementations stay gradable), and a generator's draws are never
reordered: a new case is drawn after the existing ones, so they stay as they were.
"""
import random
import zlib
from typing import Any, Sequence

import torch


class Gen:
    """Seeded source of configurations and tensors (python ``random`` + a torch Generator)."""

    def __init__(self, name: str, seed: int):
        s = (zlib.crc32(name.encode()) + 7919 * seed) % 2**31
        self.rng = random.Random(s)
        self.torch = torch.Generator().manual_seed(s)

    def randint(self, a: int, b: int) -> int:
        return self.rng.randint(a, b)

    def choice(self, seq: Sequence[Any]) -> Any:
        return self.rng.choice(seq)

    def distinct(self, shape: tuple[int, ...], dtype: Any = torch.float32, sign: int = 0,
                 scale: float | None = None) -> torch.Tensor:
        """Tie-free values: every element differs from every other by at least 0.1 (before scaling).

        sign: +1 all positive, -1 all negative, 0 both. ``scale``: the largest |value|.
        """
        n = 1
        for d in shape:
            n *= d
        gaps = torch.rand(n, generator=self.torch, dtype=torch.float64) * 0.9 + 0.1
        vals = gaps.cumsum(0)[torch.randperm(n, generator=self.torch)]
        if sign > 0:
            vals = vals + 0.05
        elif sign < 0:
            vals = -vals - 0.05
        else:
            vals = vals - vals.mean()
        if scale is not None:
            vals = vals * (scale / vals.abs().max())
        return vals.reshape(shape).to(dtype)

    def normal(self, shape: tuple[int, ...], dtype: Any = torch.float32) -> torch.Tensor:
        return torch.randn(shape, generator=self.torch, dtype=torch.float64).to(dtype)


def noncontiguous(x: torch.Tensor, how: str = "transpose") -> torch.Tensor:
    """The same values as ``x`` in a non-contiguous view."""
    if how == "transpose":
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)
    # every other column of a twice-as-wide tensor
    wide = torch.zeros(*x.shape[:-1], 2 * x.shape[-1], dtype=x.dtype)
    wide[..., ::2] = x
    return wide[..., ::2]


def form(h: int, w: int) -> int | tuple[int, int]:
    """An ``(h, w)`` argument: an int when square (students must accept both)."""
    return h if h == w else (h, w)


def random_window(g: Gen, *, padding: bool = True,
                  max_k: int = 4) -> tuple[tuple[int, int], int | tuple[int, int] | None, tuple[int, int]]:
    """Random (pool_size, stride, padding) as passed to the function, and normalised pairs."""
    kh, kw = g.randint(1, max_k), g.randint(1, max_k)
    r = g.rng.random()
    stride: int | tuple[int, int] | None
    if r < 0.25:
        stride = None
    elif r < 0.5:
        stride = g.randint(1, 4)
    else:
        stride = (g.randint(1, 4), g.randint(1, 4))
    pad = (g.randint(0, kh // 2), g.randint(0, kw // 2)) if padding else (0, 0)
    return (kh, kw), stride, pad


def input_hw(g: Gen, k: tuple[int, int], pad: tuple[int, int], max_hw: int = 8) -> tuple[int, ...]:
    """An input height/width at least as large as the (padded) window."""
    return tuple(g.randint(max(1, k[i] - 2 * pad[i]), max_hw) for i in range(2))


def window_kwargs(stride: int | tuple[int, int] | None, pad: tuple[int, int],
                  extra: dict | tuple = ()) -> dict:
    """The kwargs of a windowed call, leaving out defaults (stride=None must mean 'window')."""
    kwargs = dict(extra)
    if stride is not None:
        kwargs["stride"] = stride if isinstance(stride, int) else form(*stride)
    if pad != (0, 0):
        kwargs["padding"] = form(*pad)
    return kwargs
