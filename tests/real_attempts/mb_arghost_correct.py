"""source: https://github.com/Arghost91/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='max')
function: max_pool2d_backward
learner: the loop with += and a max mask; dA_prev = np.zeros_like(A_prev) (the input's dtype).
mistake: none (a correct control: the corpus must never give it 0).
expect_verdict: full
expect_first: none
expect_all: none
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
    dA_prev = np.zeros_like(A_prev)
    for x in range(m):
        for y in range(h_new):
            for z in range(w_new):
                for i in range(c_new):
                    tmp = A_prev[x, sh * y:sh * y + kh, sw * z:sw * z + kw, i]
                    dA_prev[x, sh * y:sh * y + kh, sw * z:sw * z + kw, i] += dA[x, y, z, i] * (tmp == np.max(tmp))
    return crop(nchw(dA_prev), p)
