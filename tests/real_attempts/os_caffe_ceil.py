"""source: https://github.com/BVLC/caffe/blob/HEAD/src/caffe/layers/pooling_layer.cpp (pooled_height_ =
  ceil((height + 2 * pad_h - kernel_h) / stride_h) + 1), the convention learners port from Caffe
function: pool_output_shape
learner: the output size rounded UP: ceil((h + 2 pad - k) / s) + 1 (Caffe then clips the last window;
  the learners' ports do not).
mistake: ceil instead of floor: an incomplete last window is counted (PyTorch's default drops it).
expect_verdict: partial
expect_first: ceil_mode
expect_all: ceil_mode
held_out: no
"""
import math
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), (ph, pw) = args(pool_size, stride, padding)
    return (int(math.ceil((h + 2 * ph - kh) / sh)) + 1, int(math.ceil((w + 2 * pw - kw) / sw)) + 1)
