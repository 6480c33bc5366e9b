"""misconception: bye_dropped

A learner's attempt at k x k: pairs the window elements round by round but drops the
odd one out, so it is right for 2x2 (and 4x4) and wrong for 3x3.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    c = X.shape[1]
    values = []
    for i in range(k):
        for j in range(k):
            w = torch.zeros(c, 1, k, k, dtype=X.dtype)
            w[:, 0, i, j] = 1.0
            values.append(F.conv2d(X, w, stride=k, groups=c))
    while len(values) > 1:
        values = [values[t + 1] + F.relu(values[t] - values[t + 1]) for t in range(0, len(values) - 1, 2)]
    return values[0]
