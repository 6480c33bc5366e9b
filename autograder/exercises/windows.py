"""The window arguments' conventions, shared by every reference and mistake model.

* ``pool_size``, ``stride`` and ``padding`` are an int or an ``(h, w)`` pair;
* ``stride=None`` means "equal to the window";
* ``padding`` is per side, as in PyTorch.
"""

Size = int | tuple[int, int]            # a window, stride or padding: one int or an (h, w) pair


def pair(v: Size) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(2, 3) -> (2, 3)``."""
    if isinstance(v, (tuple, list)):
        h, w = v
        return int(h), int(w)
    return int(v), int(v)


def window_args(pool_size: Size, stride: Size | None = None,
                padding: Size = 0) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Normalise ``(pool_size, stride, padding)`` to three ``(h, w)`` pairs."""
    k = pair(pool_size)
    s = k if stride is None else pair(stride)
    p = pair(padding)
    return k, s, p
