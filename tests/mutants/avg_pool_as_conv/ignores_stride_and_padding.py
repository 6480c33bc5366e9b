"""misconception: fails_with_padding, stride_ignored

A learner's attempt: the right depthwise kernel, but F.conv2d is called with its own
defaults, so the stride is always 1 (its output is the stride-1 result: "the stride
is ignored" is true here) and there is never any padding. Two faults.
"""
import math

import torch
import torch.nn.functional as F


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    channels = X.shape[1]
    kernel = X.new_full((channels, 1, kh, kw), 1.0 / (kh * kw))
    return F.conv2d(X, kernel, groups=channels)
