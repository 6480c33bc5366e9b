"""source: https://github.com/HeimerR/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='avg')
function: avg_pool2d_backward
learner: avg mode fills the window's kernel with dA itself (zero_kernel.fill(dA)), then assigns it.
mistake: the gradient is not divided by the window size p_h*p_w, and overlapping windows overwrite
  each other (assignment); float64 output as a consequence of the allocation.
expect_verdict: partial
expect_first: avg_backward_no_divide | backward_overwrite
expect_all: avg_backward_no_divide, backward_overwrite, dtype_not_kept
held_out: yes
glue: NCHW <-> NHWC; zero pre-pad for padding
"""
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, 0.0)), nhwc(grad_out)
    m, h_new, w_new, c = dA.shape
    dA_prev = np.zeros_like(A_prev, dtype=np.float64)
    for i in range(m):
        for h in range(h_new):
            for w in range(w_new):
                for ch in range(c):
                    kernel = np.zeros((kh, kw))
                    kernel.fill(dA[i, h, w, ch])
                    dA_prev[i, h * sh:h * sh + kh, w * sw:w * sw + kw, ch] = kernel
    return crop(nchw(dA_prev), p)
