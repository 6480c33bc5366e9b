"""source: public GitHub CS231n layers.py found by the kit's code search (index file id 44585466562;
  repository not reported): max_pool_backward_naive with np.unravel_index and +=
function: max_pool2d_backward
learner: for each window, argmax -> dx[n, c, h*stride + r, w*stride + q] += dout; dx = np.zeros(x.shape).
mistake: only the dtype: np.zeros allocates float64 whatever the input.
expect_verdict: partial
expect_first: dtype_not_kept
expect_all: dtype_not_kept
held_out: yes
glue: NCHW numpy; -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (ph, pw), (s, s2), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for h in range(H_out):
                for w in range(W_out):
                    cur = x[n, c, h * s:h * s + ph, w * s2:w * s2 + pw]
                    r, q = np.unravel_index(cur.argmax(), cur.shape)
                    dx[n, c, h * s + r, w * s2 + q] += dout[n, c, h, w]
    return crop(torch.from_numpy(dx), p)
