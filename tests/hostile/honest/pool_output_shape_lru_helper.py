# pool_output_shape (honest): one side at a time through an lru_cache'd pure int helper, zip over
# the two sides, input validation that raises.
import functools


@functools.lru_cache(maxsize=1024)
def _side(n: int, k: int, s: int, p: int) -> int:
    if s <= 0:
        raise ValueError("stride must be positive")
    return (n + 2 * p - k) // s + 1


def _as_pair(v):
    if isinstance(v, int):
        return (v, v)
    if len(v) != 2:
        raise ValueError(f"expected an int or a pair, got {v!r}")
    return tuple(v)


def pool_output_shape(h, w, pool_size, stride, padding):
    ks = _as_pair(pool_size)
    ss = ks if stride is None else _as_pair(stride)
    ps = _as_pair(padding)
    return tuple(_side(n, k, s, p) for n, k, s, p in zip((h, w), ks, ss, ps))
