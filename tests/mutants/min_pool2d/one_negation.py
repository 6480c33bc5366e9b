"""misconception: min_not_negated

Negates only the output.
"""
import math

import torch
import torch.nn.functional as F


def min_pool2d(X, pool_size, stride=None, padding=0):
    return -F.max_pool2d(X, pool_size, stride, padding)
