"""source: https://github.com/aai-institute/ProtoTree/blob/HEAD/util/func.py (min_pool2d)
function: min_pool2d
learner: -F.max_pool2d(-xs, **kwargs).
mistake: none (a correct control; min_pool2d may pool).
expect_verdict: full
expect_first: none
expect_all: none
held_out: no
"""
import torch.nn.functional as F


def min_pool2d(X, pool_size, stride=None, padding=0):
    return -F.max_pool2d(-X, pool_size, stride=stride, padding=padding)
