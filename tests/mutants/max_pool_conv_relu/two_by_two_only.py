"""misconception: fails_with_big_window

A learner's attempt: takes pool_size but writes the 2x2 tournament out by hand
(max(max(a, b), max(c, d))), so every window is 2x2 whatever pool_size says.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_conv_relu(X, pool_size=2):
    c = X.shape[1]

    def pick(i, j):
        k = torch.zeros(c, 1, 2, 2, dtype=X.dtype)
        k[:, 0, i, j] = 1.0
        return F.conv2d(X, k, stride=2, groups=c)

    a, b, d, e = pick(0, 0), pick(0, 1), pick(1, 0), pick(1, 1)
    top = b + F.relu(a - b)
    bottom = e + F.relu(d - e)
    return bottom + F.relu(top - bottom)
