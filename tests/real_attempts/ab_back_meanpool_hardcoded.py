"""source: public GitHub Python file `back_meanpool(x, y, dzdy)` returned by the kit's code search for
  "back_meanpool dzdx 0.25*dzdy" (repository not reported by the index; a port of the MATLAB exercise
  YCsuperlife/CNN_basicblocks testbackmeanpool.m)
function: avg_pool2d_backward
learner: one 2-D plane; a 2x2 window and stride 2 hard-coded; dzdx[window] = 0.25 * dzdy[i, j]
  (assignment), dzdx float64.
mistake: the window size is hard-coded to 2x2 (and the stride to 2): other windows and strides get a
  wrong share or wrong positions; float64 output as a consequence.
expect_verdict: partial
expect_first: fails_with_big_window | fails_unless_stride_is_window | fails_with_stride | fails_with_overlap | fails_with_rectangles
expect_all: dtype_not_kept
held_out: yes
glue: applied per (sample, channel) plane; zero pre-pad for padding; the output plane count is the
  learner's int((height - 2) / 2) + 1
"""
import numpy as np
import torch
from real_attempts._glue import args, padded, crop, np_nchw


def _back_meanpool(x, dzdy):
    dzdx = np.zeros_like(x, dtype=np.float64)
    fh = int((x.shape[0] - 2) / 2) + 1
    fw = int((x.shape[1] - 2) / 2) + 1
    for i in range(fh):
        for j in range(fw):
            dzdx[i * 2:i * 2 + 2, j * 2:j * 2 + 2] = 0.25 * dzdy[i, j]
    return dzdx


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    _, _, p = args(pool_size, stride, padding)
    x, g = np_nchw(padded(X, p, 0.0)), np_nchw(grad_out)
    out = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[n, c] = _back_meanpool(x[n, c], g[n, c])
    return crop(torch.from_numpy(out), p)
