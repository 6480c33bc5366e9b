"""misconception: dtype_not_kept

Validates the mode, but the output is always float32.
"""
import math

import torch
import torch.nn.functional as F


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown mode {mode}")
    p_h, p_w = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            win = X[i: i + p_h, j: j + p_w]
            Y[i, j] = win.max() if mode == 'max' else win.mean()
    return Y
