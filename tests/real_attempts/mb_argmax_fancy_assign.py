"""source: public GitHub CS231n layers.py found by the kit's code search (index file id 37992528443;
  the index does not report its repository): max_pool_backward_naive with np.unravel_index
function: max_pool2d_backward
learner: for each output position, argmax of every (n, c) window at once, then
  dx[ns, cs, d1 + h, d2 + w] = dout[ns, cs, i, j] (fancy-index assignment).
mistake: a maximum shared by overlapping windows keeps only the last window's gradient (= instead of +=).
expect_verdict: partial
expect_first: backward_overwrite
expect_all: backward_overwrite
held_out: no
glue: NCHW numpy (np.zeros_like keeps the dtype); -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (HP, WP), (S, S2), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    N, C, H, W = dout.shape
    dx = np.zeros_like(x)
    for i in range(H):
        for j in range(W):
            [ns, cs], h, w = np.indices((N, C)), i * S, j * S2
            block = x[:, :, h:h + HP, w:w + WP].reshape(N, C, -1)
            d1, d2 = np.unravel_index(np.argmax(block, 2), (HP, WP))
            dx[ns, cs, d1 + h, d2 + w] = dout[ns, cs, i, j]
    return crop(torch.from_numpy(dx), p)
