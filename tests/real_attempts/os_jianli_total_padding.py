"""source: https://github.com/jianli-Alex/d2l_pytorch (notes on padding and stride: "O_h = (I_h - k_h + p_h)/s_h + 1,
  p 指的是两边一共 padding 的数量")
function: pool_output_shape
learner: (h - k_h + p_h) / s_h + 1 with p_h read as the TOTAL padding of both sides, true division.
mistake: with the exercise's per-side padding this counts the padding once (one side), and / returns a
  float where the count of windows is an integer rounded down.
expect_verdict: partial
expect_first: one_sided_padding | true_division
expect_all: one_sided_padding, true_division
held_out: no
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), (ph, pw) = args(pool_size, stride, padding)
    return (h - kh + ph) / sh + 1, (w - kw + pw) / sw + 1
