"""source: https://github.com/Clarence-G/learngit/blob/HEAD/cs231n/assignment2/max-pool.py (max_pool_backward_naive)
function: max_pool2d_backward
learner: CS231n loops over (n, c, k, l); mask = window == max; dx[window] = mask * dout (assignment).
mistake: where windows overlap, a later window's assignment wipes out the gradient an earlier one wrote.
expect_verdict: partial
expect_first: backward_overwrite
expect_all: backward_overwrite
held_out: no
glue: NCHW numpy in the tensor's dtype (np.zeros_like keeps it); padding by -inf pre-pad (CS231n had none)
"""
import math
import numpy as np
from real_attempts._glue import args, padded, crop, np_nchw
import torch


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (HH, WW), (s, s2), p = args(pool_size, stride, padding)
    x = np_nchw(padded(X, p, -math.inf))
    dout = np_nchw(grad_out)
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            for k in range(dout.shape[2]):
                for l in range(dout.shape[3]):
                    window = x[i, j, k * s:HH + k * s, l * s2:WW + l * s2]
                    m = np.max(window)
                    dx[i, j, k * s:HH + k * s, l * s2:WW + l * s2] = (window == m) * dout[i, j, k, l]
    return crop(torch.from_numpy(dx), p)
