"""misconception: fails_with_channels

A learner's attempt: gathers the windows with one-hot kernels and masks the padding
correctly, but reshapes the gathered channels as if C were 1.
"""
import math

import torch
import torch.nn.functional as F


def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    stride = (kh, kw) if stride is None else stride
    n = X.shape[0]
    eye = torch.eye(kh * kw, dtype=X.dtype).view(kh * kw, 1, kh, kw)
    gathered = F.conv2d(X, eye, stride=stride, padding=padding)
    real = F.conv2d(torch.ones_like(X[:1, :1]), eye, stride=stride, padding=padding)
    gathered = gathered.masked_fill(real == 0, -math.inf)
    out = gathered.amax(dim=1)
    return out.reshape(n, 1, *out.shape[-2:])
