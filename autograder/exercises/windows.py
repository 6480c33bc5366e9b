"""The window arguments' conventions, shared by every reference and mistake model.

* ``pool_size``, ``stride`` and ``padding`` are an int or an ``(h, w)`` pair;
* ``stride=None`` means "equal to the window";
* ``padding`` is per side, as in PyTorch.
"""


def pair(v):
    """``3 -> (3, 3)``; ``(2, 3) -> (2, 3)``."""
    if isinstance(v, (tuple, list)):
        h, w = v
        return int(h), int(w)
    return int(v), int(v)


def window_args(pool_size, stride=None, padding=0):
    """Normalise ``(pool_size, stride, padding)`` to three ``(h, w)`` pairs."""
    k = pair(pool_size)
    s = k if stride is None else pair(stride)
    p = pair(padding)
    return k, s, p
