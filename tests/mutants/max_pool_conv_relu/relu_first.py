"""misconception: relu_clips_negatives, wrong_signature

Applies ReLU to the input, then max(a, b) = relu(a - b) + b.
Written for 2x2 only, as `max_pool_conv_relu(X)`: it refuses the k x k windows
(`pool_size`) of exercise 3c, a second fault.
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
    a, b, c, d = _corners(F.relu(X))
    m1 = F.relu(a - b) + b
    m2 = F.relu(c - d) + d
    return F.relu(m1 - m2) + m2
