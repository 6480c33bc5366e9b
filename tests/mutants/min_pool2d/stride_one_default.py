"""misconception: stride_default_one

Passes stride 1 when stride is None.
"""
import math

import torch
import torch.nn.functional as F


def min_pool2d(X, pool_size, stride=None, padding=0):
    return -F.max_pool2d(-X, pool_size, stride or 1, padding)
