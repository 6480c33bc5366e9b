"""misconception: one_conv_relu

The belief the issue quotes: "one convolution and one ReLU are enough", whatever the window.
"""
import math


def conv_relu_counts(pool_size):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    return 1, ph * pw
