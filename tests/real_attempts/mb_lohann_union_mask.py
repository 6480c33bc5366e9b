"""source: https://github.com/LohannExcoffon/CNN_mnist/blob/HEAD/MaxPoolLayer.py (MaxPoolLayer.backward)
function: max_pool2d_backward
learner: the forward pass marks every window's argmax in ONE boolean mask over the input; the backward
  pass then, window by window, assigns the window's gradient to every marked position inside it.
mistake: with overlapping windows the shared mask gives a window's gradient to another window's maximum,
  and assignment (not +=) keeps only the last window's value: overlap handled wrongly.
expect_verdict: partial
expect_first: backward_overwrite | fails_with_overlap
expect_all: backward_overwrite
held_out: no
glue: per (sample, channel) plane as the learner's (C, H, W) layer; -inf pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (k, k2), (s, s2), p = args(pool_size, stride, padding)
    x = np_nchw(padded(X, p, -math.inf))
    g = np_nchw(grad_out)
    out = np.zeros_like(x)
    H_out, W_out = g.shape[2], g.shape[3]
    for n in range(x.shape[0]):
        inp = x[n]
        marks = np.zeros_like(inp, dtype=bool)
        for c in range(inp.shape[0]):
            for i in range(H_out):
                for j in range(W_out):
                    win = inp[c, i * s:i * s + k, j * s2:j * s2 + k2]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    marks[c, i * s + r, j * s2 + q] = True
        for c in range(inp.shape[0]):
            for i in range(H_out):
                for j in range(W_out):
                    for a in range(k):
                        for b in range(k2):
                            if marks[c, i * s + a, j * s2 + b]:
                                out[n, c, i * s + a, j * s2 + b] = g[n, c, i, j]
    return crop(torch.from_numpy(out), p)
