"""source: public GitHub CS231n layers.py found by the kit's code search (index file id 26502786128;
  repository not reported): max_pool_backward_naive with a per-window local_region
function: max_pool2d_backward
learner: per sample, a (C, ph*pw) local_region of zeros gets dout at each channel's argmax and is written
  back with dx[idx, :, i:i+ph, j:j+pw] = local_region (assignment of the whole window).
mistake: each window's slice assignment zeroes what overlapping earlier windows wrote.
expect_verdict: partial
expect_first: backward_overwrite
expect_all: backward_overwrite
held_out: yes
glue: NCHW numpy (zeros_like keeps dtype); -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (ph, pw), (s, s2), p = args(pool_size, stride, padding)
    x, dout = np_nchw(padded(X, p, -math.inf)), np_nchw(grad_out)
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for idx, act_map in enumerate(x):
        dout_row = dout[idx].reshape(C, -1)
        neuron = 0
        for i in range(0, H - ph + 1, s):
            for j in range(0, W - pw + 1, s2):
                vals = act_map[:, i:ph + i, j:pw + j].reshape(C, -1)
                local = np.zeros_like(vals)
                local[np.arange(C), vals.argmax(axis=1)] = dout_row[:, neuron]
                dx[idx, :, i:ph + i, j:pw + j] = local.reshape(C, ph, pw)
                neuron += 1
    return crop(torch.from_numpy(dx), p)
