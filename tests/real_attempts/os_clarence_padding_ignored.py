"""source: https://github.com/Clarence-G/learngit/blob/HEAD/cs231n/assignment2/max-pool.py (max_pool_forward_naive)
function: pool_output_shape
learner: H_new = 1 + (H - HH) / s (Python 2 integer division), no padding term.
mistake: the padding never enters the size.
expect_verdict: partial
expect_first: fails_with_padding | padding_ignored
expect_all: padding_ignored
held_out: yes
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (HH, WW), (s, s2), _ = args(pool_size, stride, padding)
    return 1 + (h - HH) // s, 1 + (w - WW) // s2
