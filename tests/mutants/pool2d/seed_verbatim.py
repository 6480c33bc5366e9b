"""misconception: mode_not_validated, fails_with_int_size, dtype_not_kept

The seed's code as printed: float32 output, no ValueError for an unknown mode, and
`p_h, p_w = pool_size` fails for an int window. Three independent faults, all named.
"""
import math

import torch
import torch.nn.functional as F


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y
