"""source: public GitHub CS231n layers.py with Chinese comments ("注意这里要初始化"), found by the kit's code
  search (index file id 22225973617; repository not reported): max_pool_backward_naive
function: max_pool2d_backward
learner: the number of windows is int(H / pool_height) (the stride never enters it), windows start at
  i*stride; dx = np.zeros(x.shape) (float64) and += the masked gradient.
mistake: the count of windows ignores the stride: with a stride other than the window, windows are
  missing (or grad_out is indexed out of range); float64 output as a consequence of np.zeros.
expect_verdict: partial
expect_first: fails_with_stride | fails_unless_stride_is_window | raises
expect_all: fails_unless_stride_is_window, dtype_not_kept
held_out: no
glue: NCHW numpy; -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (ph, pw), (st, st2), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    N, C, H, W = x.shape
    oh, ow = int(H / ph), int(W / pw)
    dx = np.zeros(x.shape)
    for i in range(oh):
        for j in range(ow):
            m = x[:, :, i * st:i * st + ph, j * st2:j * st2 + pw]
            dx[:, :, i * st:i * st + ph, j * st2:j * st2 + pw] += dout[:, :, i, j][:, :, None, None] * (
                m == np.max(m, axis=(2, 3), keepdims=True))
    return crop(torch.from_numpy(dx), p)
