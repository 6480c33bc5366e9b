"""source: public GitHub CS231n layers.py found by the kit's code search (index file id 37423498852;
  repository not reported): max_pool_forward_naive
function: pool2d_padded
learner: Hp = 1 + (H - ph) // stride (right), but the loop is `for i in range(0, H, stride)` over the
  input and writes out[:, :, i // stride, j // stride]; out = np.zeros(...) (float64).
mistake: the loop visits positions past the last window: an out-of-range write (IndexError) whenever
  ceil(H / stride) > Hp, e.g. any stride smaller than the window; float64 output.
expect_verdict: partial
expect_first: raises | fails_with_stride | fails_with_overlap
expect_all: raises, dtype_not_kept
held_out: yes
glue: NCHW numpy; np.mean in 'avg' mode (max-only assignment); natural pre-pad for padding
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, np_nchw


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (ph, pw), (sh, sw), p = args(pool_size, stride, padding)
    x = np_nchw(padded(X, p, -math.inf if mode == 'max' else 0.0))
    N, C, H, W = x.shape
    Hp, Wp = 1 + (H - ph) // sh, 1 + (W - pw) // sw
    out = np.zeros((N, C, Hp, Wp))
    reduce = np.max if mode == 'max' else np.mean
    for i in range(0, H, sh):
        for j in range(0, W, sw):
            out[:, :, i // sh, j // sw] = reduce(x[:, :, i:i + ph, j:j + pw], axis=(2, 3))
    return torch.from_numpy(out)
