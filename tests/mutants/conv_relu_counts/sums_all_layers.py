"""misconception: counts_total_channels

Adds up the channels of every layer instead of taking the widest.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = ph * pw
    layers, total = 1, 1
    while n > 1:
        total += 3 * (n // 2) + 2 * (n % 2)
        n = n // 2 + n % 2
        layers += 1
    return layers, total
