"""source: https://github.com/Gaspela/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='avg')
function: avg_pool2d_backward
learner: += dA / kh / kw over each window; dA_prev = np.zeros_like(A_prev).
mistake: none (a correct control).
expect_verdict: full
expect_first: none
expect_all: none
held_out: yes
glue: NCHW <-> NHWC; zero pre-pad for padding
"""
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, 0.0)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for j in range(h_new):
            for k in range(w_new):
                for cn in range(c_new):
                    dA_prev[i, j * sh:kh + j * sh, k * sw:kw + k * sw, cn] += dA[i, j, k, cn] / kh / kw
    return crop(nchw(dA_prev), p)
