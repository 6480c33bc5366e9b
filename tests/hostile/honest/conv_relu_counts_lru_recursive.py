# conv_relu_counts (honest): functools.lru_cache on a recursive pure int helper, _pair.
import functools
from torch.nn.modules.utils import _pair


@functools.lru_cache(maxsize=None)
def _tournament(n: int) -> tuple:
    """(rounds, widest layer) of a tournament over n values."""
    if n <= 1:
        return 0, 1
    rounds, widest = _tournament(n // 2 + n % 2)
    return rounds + 1, max(widest, 3 * (n // 2) + 2 * (n % 2))


def conv_relu_counts(pool_size):
    h, w = _pair(pool_size)
    rounds, widest = _tournament(h * w)
    return rounds + 1, widest
