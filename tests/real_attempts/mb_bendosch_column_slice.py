"""source: https://github.com/BenDosch/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='max')
function: max_pool2d_backward
learner: the max-mode slice is written A_prev[e, i:i+kh, j + kw, c] (a comma where a colon belongs): one
  column, kw to the right of the window, decides the mask, broadcast over the window's columns.
mistake: the wrong elements are compared (the window is not the window); the gradient lands on the wrong
  positions, or the call raises where that column is outside the input.
expect_verdict: zero
expect_first: raises
expect_all: raises
held_out: no
glue: NCHW <-> NHWC (np.zeros_like keeps the dtype); -inf pre-pad for padding
"""
import math
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, -math.inf)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for e in range(m):
        for h in range(h_new):
            i = h * sh
            for w in range(w_new):
                j = w * sw
                for c in range(c_new):
                    A_slice = A_prev[e, i: i + kh, j + kw, c]
                    mask = (A_slice == np.max(A_slice))
                    dA_prev[e, i: i + kh, j: j + kw, c] += mask * dA[e, h, w, c]
    return crop(nchw(dA_prev), p)
