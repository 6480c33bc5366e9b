"""source: http://t.zoukankan.com/sheepcore-p-12836818.html ("oh = (h + 2 * p - k) / s + 1")
function: pool_output_shape
learner: the output size as (h + 2p - k) / s + 1 with Python's true division.
mistake: no rounding down: a float, and a fractional size where the stride does not divide.
expect_verdict: partial
expect_first: true_division
expect_all: true_division
held_out: no
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), (ph, pw) = args(pool_size, stride, padding)
    return (h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1
