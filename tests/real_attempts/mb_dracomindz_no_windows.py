"""source: https://github.com/DracoMindz/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py
function: max_pool2d_backward
learner: computes the window corners but never uses them: dA_prev[all images, i, j, k] = max(dA_prev[n, i, j, k]
  + dA[n, i, j, k]), i.e. grad_out is copied into the top-left corner of dX.
mistake: the gradient is never routed to the windows' maxima (no window is taken at all).
expect_verdict: zero
expect_first: max_backward_as_avg | fails_with_stride | fails_with_overlap | generic
expect_all: generic
held_out: no
glue: NCHW <-> NHWC; -inf pre-pad for padding
"""
import math
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    _, _, p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, -math.inf)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    images = np.arange(0, m)
    for n in range(m):
        for i in range(h_new):
            for j in range(w_new):
                for k in range(c_new):
                    dA_prev[images, i, j, k] = np.max(dA_prev[n, i, j, k] + dA[n, i, j, k])
    return crop(nchw(dA_prev), p)
