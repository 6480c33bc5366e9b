"""source: https://github.com/0xti4n/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='avg')
function: avg_pool2d_backward
learner: output size int((h_prev - kh) / sh) + 1; += dA / (kh * kw); pd = np.zeros(A_prev.shape).
mistake: only the dtype (np.zeros: float64 whatever the input).
expect_verdict: partial
expect_first: dtype_not_kept
expect_all: dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; zero pre-pad for padding
"""
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, 0.0)), nhwc(grad_out)
    m, h_prev, w_prev, ch = A_prev.shape
    oh, ow = int((h_prev - kh) / sh) + 1, int((w_prev - kw) / sw) + 1
    pd = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(oh):
            for w in range(ow):
                for k in range(ch):
                    pd[i, h * sh:h * sh + kh, w * sw:w * sw + kw, k] += dA[i, h, w, k] / (kh * kw)
    return crop(nchw(pd), p)
