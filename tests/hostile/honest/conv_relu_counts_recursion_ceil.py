# conv_relu_counts (honest): recursion for the number of layers, the widest layer is the first
# (math.ceil for the halving), type hints.
import math
from typing import Tuple, Union


def _layers(n: int) -> int:
    return 1 if n <= 1 else 1 + _layers(math.ceil(n / 2))


def conv_relu_counts(pool_size: Union[int, Tuple[int, int]]) -> Tuple[int, int]:
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = kh * kw
    widest = 1 if n == 1 else 3 * (n // 2) + 2 * (n % 2)
    return _layers(n), widest
