"""misconception: one_conv_relu

A learner's attempt: "max pooling is a convolution followed by ReLU": one fixed 2x2
kernel that favours the largest entry, then a ReLU. Never negative, and not a max.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_conv_relu(X, pool_size=2):
    c = X.shape[1]
    kernel = torch.tensor([[0.7, 0.1], [0.1, 0.1]], dtype=X.dtype).repeat(c, 1, 1, 1)
    return F.relu(F.conv2d(X, kernel, stride=2, groups=c) * 2.0)
