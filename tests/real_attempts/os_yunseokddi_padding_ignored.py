"""source: https://github.com/yunseokddi/study/blob/HEAD/deep_learning/Deep_Learning_from_Scratch/deep_learning_basic/layers/Pooling.py
function: pool_output_shape
learner: out_h = int(1 + (H - pool_h) / stride): the layer has a pad argument (passed to im2col) that the
  output size never uses.
mistake: the padding is left out of the output size.
expect_verdict: partial
expect_first: fails_with_padding | padding_ignored
expect_all: padding_ignored
held_out: no
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), _ = args(pool_size, stride, padding)
    return int(1 + (h - kh) / sh), int(1 + (w - kw) / sw)
