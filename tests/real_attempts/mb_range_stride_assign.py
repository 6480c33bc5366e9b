"""source: public GitHub CS231n layers.py found by the kit's code search (index file id 37423498852;
  repository not reported): max_pool_backward_naive
function: max_pool2d_backward
learner: loops `for i in range(0, H, stride)` over the input (not over the output), takes the window's
  max mask for all (n, c) at once and writes dx[:, :, i:i+ph, j:j+pw] = mask * dout[..., i//stride, j//stride].
mistake: overlapping windows overwrite each other (=); the loop also runs past the last window
  (range over H, not over the output), so dout is indexed out of range for some shapes.
expect_verdict: partial
expect_first: backward_overwrite | raises
expect_all: backward_overwrite, raises
held_out: no
glue: NCHW numpy; -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (ph, pw), (stride_h, stride_w), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    dx = np.zeros(x.shape, dtype=x.dtype)
    N, C, H, W = x.shape
    for i in range(0, H, stride_h):
        for j in range(0, W, stride_w):
            xs = x[:, :, i:i + ph, j:j + pw]
            if xs.shape[2] == 0 or xs.shape[3] == 0:
                continue
            xmax = np.max(xs, axis=(2, 3), keepdims=True)
            dx_slice = (xs == xmax) * dout[:, :, i // stride_h, j // stride_w][:, :, None, None]
            dx[:, :, i:i + ph, j:j + pw] = dx_slice
    return crop(torch.from_numpy(dx), p)
