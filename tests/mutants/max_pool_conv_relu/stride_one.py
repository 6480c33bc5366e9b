"""misconception: stride_default_one, wrong_signature

Gathers the windows with stride 1.
Written for 2x2 only, as `max_pool_conv_relu(X)`: it refuses the k x k windows
(`pool_size`) of exercise 3c, a second fault.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_conv_relu(X):
    N, C, H, W = X.shape
    k = torch.zeros(4, 1, 2, 2, dtype=X.dtype)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1
    g = F.conv2d(X.reshape(N * C, 1, H, W), k)
    a, b, c, d = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
    m = F.relu(F.relu(a - b) + b - F.relu(c - d) - d) + F.relu(c - d) + d
    return m.reshape(N, C, m.shape[-2], m.shape[-1])
