"""source: https://github.com/95ktsmith/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='max')
function: max_pool2d_backward
learner: the textbook loop with += and a max mask; dA_prev = np.zeros(A_prev.shape).
mistake: only the dtype: np.zeros allocates float64, so a float32 input gets a float64 gradient.
expect_verdict: partial
expect_first: dtype_not_kept
expect_all: dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; -inf pre-pad for padding
"""
import math
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, -math.inf)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for img in range(m):
        for ch in range(c_new):
            for r in range(h_new):
                for q in range(w_new):
                    pool = A_prev[img, r * sh:r * sh + kh, q * sw:q * sw + kw, ch]
                    dA_prev[img, r * sh:r * sh + kh, q * sw:q * sw + kw, ch] += dA[img, r, q, ch] * (pool == np.max(pool))
    return crop(nchw(dA_prev), p)
