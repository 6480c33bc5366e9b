"""source: https://github.com/lifever2002/DeepLearningHelloWorld/blob/HEAD/iChallenge-PM/test.py ("Hout=(H+2Ph-Kh)/Sh+1")
function: pool_output_shape
learner: Hout = (H + 2Ph - Kh) / Sh + 1, written with /.
mistake: true division: no rounding down.
expect_verdict: partial
expect_first: true_division
expect_all: true_division
held_out: yes
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (Kh, Kw), (Sh, Sw), (Ph, Pw) = args(pool_size, stride, padding)
    return (h + 2 * Ph - Kh) / Sh + 1, (w + 2 * Pw - Kw) / Sw + 1
