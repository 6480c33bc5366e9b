"""source: https://github.com/aniketsingh03/Processing-History-of-Images/blob/HEAD/custom_pooling.py (AdaptiveMinPool2D)
function: min_pool2d
learner: x.view(N, C, int(H / k), W * k).min(dim=3)[0].view(N, C, -1): the minimum over strips of k whole
  rows, flattened to (N, C, H / k).
mistake: the windows are never k x k: each "window" is k full rows, and the output loses its 2-D shape.
expect_verdict: zero
expect_first: wrong_shape | windows_not_gathered | raises
expect_all: wrong_shape
held_out: no
glue: kernel_size = the window's height (the learner's int k)
"""
from real_attempts._glue import args


def min_pool2d(X, pool_size, stride=None, padding=0):
    (k, _), _, _ = args(pool_size, stride, padding)
    N, C, H, W = [X.size(i) for i in range(4)]
    x = X.view(N, C, int(H / k), W * k)
    return x.min(dim=3)[0].view(N, C, -1)
