"""source: https://github.com/AhlemKaabi/holbertonschool-machine_learning/blob/HEAD/supervised_learning/0x07-cnn/3-pool_backward.py (mode='avg')
function: avg_pool2d_backward
learner: avg mode adds np.ones((kh, kh)) * dA / kh / kw to the window.
mistake: the share is spread over a kh x kh square, not the kh x kw window: rectangular windows fail
  (a broadcast error); square windows are right. float64 output (np.zeros) as a consequence.
expect_verdict: partial
expect_first: fails_with_rectangles | hw_swapped
expect_all: fails_with_rectangles, dtype_not_kept
held_out: no
glue: NCHW <-> NHWC; zero pre-pad for padding
"""
import numpy as np
from real_attempts._glue import args, padded, crop, nhwc, nchw


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    A_prev, dA = nhwc(padded(X, p, 0.0)), nhwc(grad_out)
    m, h_new, w_new, c_new = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for mm in range(m):
        for h in range(h_new):
            for w in range(w_new):
                for c in range(c_new):
                    x, y = h * sh, w * sw
                    avg = dA[mm, h, w, c] / kh / kw
                    dA_prev[mm, x:x + kh, y:y + kw, c] += np.ones((kh, kh)) * avg
    return crop(nchw(dA_prev), p)
