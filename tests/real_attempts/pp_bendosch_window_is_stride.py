"""source: https://github.com/BenDosch/holbertonschool-machine_learning/blob/HEAD/math/0x04-convolutions_and_pooling/6-pool.py
function: pool2d_padded
learner: Holberton pool (NHWC, max/avg): output size (h - kh) // sh + 1, loops x over range(0, h - kh + 1, sh),
  but each window is images[:, x:x + sh, y:y + sw]: the window is cut to the STRIDE's size.
mistake: the window's size is taken from the stride: right only when the stride equals the window;
  pooled = np.zeros(...) is float64 (a consequence).
expect_verdict: partial
expect_first: fails_unless_stride_is_window | fails_with_stride
expect_all: fails_unless_stride_is_window, dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; padding by a natural pre-pad (-inf for max, 0 for avg), the assignment had none
"""
import math
import numpy as np
from real_attempts._glue import args, padded, nhwc, nchw


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    images = nhwc(padded(X, p, -math.inf if mode == 'max' else 0.0))
    m, h, w, c = images.shape
    pooled = np.zeros((m, (h - kh) // sh + 1, (w - kw) // sw + 1, c))
    i = 0
    for x in range(0, h - kh + 1, sh):
        j = 0
        for y in range(0, w - kw + 1, sw):
            if mode == 'max':
                out = np.max(images[:, x:x + sh, y:y + sw, :], axis=(1, 2))
            elif mode == 'avg':
                out = np.average(images[:, x:x + sh, y:y + sw, :], axis=(1, 2))
            pooled[:, i, j, :] = out
            j += 1
        i += 1
    return nchw(pooled)
