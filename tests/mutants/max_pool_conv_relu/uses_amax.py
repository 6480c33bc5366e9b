"""misconception: conv_relu_only

Gathers with a conv, then takes the max with amax: not allowed here.
"""
import math

import torch
import torch.nn.functional as F


def _corners(X):
    """The four elements of every 2x2 window (stride 2), as four tensors."""
    N, C, H, W = X.shape
    k = torch.zeros(4, 1, 2, 2, dtype=X.dtype)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1
    g = F.conv2d(X.reshape(N * C, 1, H, W), k, stride=2)
    return [g[:, i].reshape(N, C, g.shape[-2], g.shape[-1]) for i in range(4)]


def max_pool_conv_relu(X):
    return torch.stack(_corners(X)).amax(0)
