"""misconception: channels_mixed

Gathers with a (k, C, p_h, p_w) kernel: the max runs over all channels.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _gather(Xp, k_h, k_w, s_h, s_w):
    """Each window's elements as channels, via a one-hot conv kernel."""
    NC = Xp.shape[0]
    eye = torch.eye(k_h * k_w, dtype=Xp.dtype).reshape(k_h * k_w, 1, k_h, k_w)
    return F.conv2d(Xp, eye, stride=(s_h, s_w))


def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    p_h, p_w = _pair(padding)
    N, C, H, W = X.shape
    big = torch.finfo(X.dtype).min
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=big)
    eye = torch.eye(k_h * k_w, dtype=X.dtype).reshape(k_h * k_w, 1, 1, k_h, k_w)
    # one kernel per (window element, channel): picks the element in every channel
    weight = (eye * torch.ones(1, 1, C, 1, 1, dtype=X.dtype)).reshape(k_h * k_w * C, 1, k_h, k_w)
    Y = F.conv2d(Xp, weight, stride=(s_h, s_w), groups=C)
    Y = Y.amax(1, keepdim=True)
    return Y.expand(N, C, Y.shape[-2], Y.shape[-1])
