"""misconception: counts_rounds_not_ceiled

Takes int(log2(n)) rounds: right for 2x2 and 4x4, one round short for 3x3.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = ph * pw
    first = 3 * (n // 2) + 2 * (n % 2) if n > 1 else 1
    return int(math.log2(n)) + 1, first
