"""source: public GitHub file found by the kit's code search (index file id 1198477681; repository not reported):
  max_pool_backward (反向池化), a hand-written CNN in numpy, the widely copied CS231n answer ("__coauthor__ = 'Deeplayer'")
function: max_pool2d_backward
learner: loops over (n, c, k, l) with H_new = 1 + (H - HH) // s; dx[window] = (window == max) * dout
  (assignment).
mistake: where windows overlap, a later window's assignment wipes out an earlier one's gradient.
expect_verdict: partial
expect_first: backward_overwrite
expect_all: backward_overwrite
held_out: no
glue: NCHW numpy (np.zeros_like keeps the dtype); -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (HH, WW), (s, s2), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    N, C, H, W = x.shape
    H_new = 1 + (H - HH) // s
    W_new = 1 + (W - WW) // s2
    dx = np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            for k in range(H_new):
                for l in range(W_new):
                    window = x[i, j, k * s:HH + k * s, l * s2:WW + l * s2]
                    m = np.max(window)
                    dx[i, j, k * s:HH + k * s, l * s2:WW + l * s2] = (window == m) * dout[i, j, k, l]
    return crop(torch.from_numpy(dx), p)
