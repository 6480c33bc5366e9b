"""source: https://github.com/HeimerR/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py
function: max_pool2d_backward
learner: Holberton pool_backward (NHWC): a zero kernel gets dA at the max (np.place), then
  dA_prev[window] = kernel (assignment); dA_prev = np.zeros_like(A_prev, dtype=np.float64).
mistake: overlapping windows overwrite each other's gradient (the conceptual mistake); the result is
  also float64 whatever the input (a consequence of the allocation).
expect_verdict: partial
expect_first: backward_overwrite
expect_all: backward_overwrite, dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; -inf pre-pad for padding (the assignment had none)
"""
import math
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, -math.inf)), nhwc(grad_out)
    m, h_new, w_new, c = dA.shape
    dA_prev = np.zeros_like(A_prev, dtype=np.float64)
    for i in range(m):
        for h in range(h_new):
            for w in range(w_new):
                for ch in range(c):
                    pool = A_prev[i, h * sh:h * sh + kh, w * sw:w * sw + kw, ch]
                    kernel = np.zeros((kh, kw))
                    np.place(kernel, pool == np.amax(pool), dA[i, h, w, ch])
                    dA_prev[i, h * sh:h * sh + kh, w * sw:w * sw + kw, ch] = kernel
    return crop(nchw(dA_prev), p)
