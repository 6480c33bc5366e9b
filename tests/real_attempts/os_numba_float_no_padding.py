"""source: public GitHub numba pooling module (the same file as pp_numba_size_stride_swapped; repository
  not reported): max_pool2d's "h_out = (h - size) / stride + 1"
function: pool_output_shape
learner: h_out = (h - size) / stride + 1 with true division, no padding term.
mistake: true division (a float, no rounding down) and the padding left out.
expect_verdict: partial
expect_first: true_division | fails_with_padding | padding_ignored
expect_all: true_division, padding_ignored
held_out: yes
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), _ = args(pool_size, stride, padding)
    return (h - kh) / sh + 1, (w - kw) / sw + 1
