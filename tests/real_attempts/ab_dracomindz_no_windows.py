"""source: https://github.com/DracoMindz/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='avg')
function: avg_pool2d_backward
learner: activation = np.average, applied to the scalar dA_prev[n, i, j, k] + dA[n, i, j, k], written to
  dA_prev[all images, i, j, k]: grad_out copied into dX's top-left corner, never divided, never spread.
mistake: the gradient is never spread over the windows (no window is taken).
expect_verdict: zero
expect_first: avg_backward_no_divide | fails_with_stride | fails_with_overlap | generic
expect_all: generic
held_out: yes
glue: NCHW <-> NHWC; zero pre-pad for padding
"""
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    _, _, p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, 0.0)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    images = np.arange(0, m)
    for n in range(m):
        for i in range(h_new):
            for j in range(w_new):
                for k in range(c_new):
                    dA_prev[images, i, j, k] = np.average(dA_prev[n, i, j, k] + dA[n, i, j, k])
    return crop(nchw(dA_prev), p)
