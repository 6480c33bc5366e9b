"""misconception: counts_bye_dropped

Counts 3 channels per pair but none for the element that sits a round out.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = ph * pw
    layers = math.ceil(math.log2(n)) + 1 if n > 1 else 1
    return layers, 3 * (n // 2) if n > 1 else 1
