"""source: https://github.com/yanruhai/diveintodl/blob/HEAD/chap7/5-pooling.py
function: pool2d
learner: the book's pool2d as published: torch.zeros output, tuple-only pool_size, no else branch.
mistake: float32 output for float64 input; an int pool_size raises; an unknown mode returns zeros.
expect_verdict: partial
expect_first: dtype_not_kept | fails_with_int_size | mode_not_validated
expect_all: dtype_not_kept, fails_with_int_size, mode_not_validated
held_out: yes
"""
import torch


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
