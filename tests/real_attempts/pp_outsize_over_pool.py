"""source: public GitHub CS231n layers.py with Chinese comments ("注意这里要初始化"), found by the kit's code
  search (index file id 22225973617; repository not reported): max_pool_forward_naive
function: pool2d_padded
learner: output_height = int(H / pool_height), output_width = int(W / pool_width); window (i, j) starts at
  i*stride; out = np.zeros(...) (float64).
mistake: the number of windows ignores the stride (and the + 1 formula): right only when the stride equals
  the window and divides the size; float64 output as a consequence.
expect_verdict: partial
expect_first: fails_unless_stride_is_window | fails_with_stride | wrong_shape
expect_all: fails_unless_stride_is_window, dtype_not_kept
held_out: no
glue: NCHW numpy; the learner's max loop, with np.mean in 'avg' mode (their assignment was max only);
  natural pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, np_nchw


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (ph, pw), (st, st2), p = args(pool_size, stride, padding)
    x = np_nchw(padded(X, p, -math.inf if mode == 'max' else 0.0))
    N, C, H, W = x.shape
    oh, ow = int(H / ph), int(W / pw)
    out = np.zeros((N, C, oh, ow))
    reduce = np.max if mode == 'max' else np.mean
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * st:i * st + ph, j * st2:j * st2 + pw], axis=(2, 3))
    return torch.from_numpy(out)
