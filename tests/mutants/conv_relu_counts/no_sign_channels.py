"""misconception: counts_sign_not_carried

Counts two channels per pair, b and relu(a - b), forgetting that b cannot cross a ReLU
when it is negative.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = ph * pw
    layers, widest = 1, 1
    while n > 1:
        widest = max(widest, 2 * (n // 2) + n % 2)
        n = n - n // 2
        layers += 1
    return layers, widest
