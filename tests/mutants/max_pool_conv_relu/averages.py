"""misconception: avg_instead_of_max, wrong_signature

A 1/4 kernel: average pooling.
Written for 2x2 only, as `max_pool_conv_relu(X)`: it refuses the k x k windows
(`pool_size`) of exercise 3c, a second fault.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_conv_relu(X):
    N, C, H, W = X.shape
    k = torch.full((1, 1, 2, 2), 0.25, dtype=X.dtype)
    Y = F.conv2d(X.reshape(N * C, 1, H, W), k, stride=2)
    Y = F.relu(Y) - F.relu(-Y)
    return Y.reshape(N, C, Y.shape[-2], Y.shape[-1])
