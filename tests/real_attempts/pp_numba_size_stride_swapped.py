"""source: public GitHub numba pooling module citing agustinus.kristia.de/techblog/2016/07/18/convnet-maxpool-layer
  and hackmd.io/@machine-learning/blog-post-cnnumpy-slow, returned by the kit's code search for
  "max pooling backward naive numpy" (repository not reported): _max_pool2d_im
function: pool2d_padded
learner: h_start = h * size, h_end = h_start + stride (and the same for w): the window's start advances by
  the SIZE and its extent is the STRIDE; the output has (h - size) // stride + 1 rows.
mistake: window size and stride are swapped in the slicing: right only when they are equal.
expect_verdict: partial
expect_first: fails_unless_stride_is_window | fails_with_stride
expect_all: fails_unless_stride_is_window
held_out: no
glue: torch tensors; pool_size and stride pairs; np.mean in 'avg' mode (max-only); natural pre-pad
"""
import math
import torch
from real_attempts._glue import args, padded


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    x = padded(X, p, -math.inf if mode == 'max' else 0.0)
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = X.new_zeros((X.shape[0], X.shape[1], oh, ow))
    for h in range(oh):
        hs = h * kh
        for w in range(ow):
            ws = w * kw
            patch = x[:, :, hs:hs + sh, ws:ws + sw]
            if patch.numel() == 0:
                raise ValueError("empty patch")
            out[:, :, h, w] = patch.amax((2, 3)) if mode == 'max' else patch.mean((2, 3))
    return out
