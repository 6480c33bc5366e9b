"""source: https://github.com/95ktsmith/holbertonschool-machine_learning/blob/HEAD/math/0x04-convolutions_and_pooling/6-pool.py
function: pool2d_padded
learner: two loops over output rows/columns, np.amax / np.average over axis (1, 2); the output is
  np.zeros((m, ch, cw, c)) (float64).
mistake: only the dtype: a float32 input gives a float64 output.
expect_verdict: partial
expect_first: dtype_not_kept
expect_all: dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; natural pre-pad for padding (-inf for max, 0 for avg)
"""
import math
import numpy as np
from real_attempts._glue import args, padded, nhwc, nchw


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    images = nhwc(padded(X, p, -math.inf if mode == 'max' else 0.0))
    ch = int(((images.shape[1] - kh) / sh) + 1)
    cw = int(((images.shape[2] - kw) / sw) + 1)
    out = np.zeros((images.shape[0], ch, cw, images.shape[3]))
    for row in range(ch):
        for col in range(cw):
            win = images[:, row * sh:row * sh + kh, col * sw:col * sw + kw, :]
            out[:, row, col, :] = np.average(win, axis=(1, 2)) if mode == "avg" else np.amax(win, axis=(1, 2))
    return nchw(out)
