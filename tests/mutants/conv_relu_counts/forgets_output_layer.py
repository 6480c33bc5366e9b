"""misconception: counts_no_output_layer

Counts one layer per round of comparisons, and forgets the last linear layer.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = ph * pw
    rounds, widest = 0, 1
    while n > 1:
        widest = max(widest, 3 * (n // 2) + 2 * (n % 2))
        n = (n + 1) // 2
        rounds += 1
    return rounds, widest
