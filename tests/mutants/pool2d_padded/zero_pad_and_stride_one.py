"""misconception: max_zero_padding, stride_default_one

A learner's attempt with two independent faults: stride=None taken as 1, and max
pooling padded with zeros (F.pad's default value).
"""
import math

import torch
import torch.nn.functional as F


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (1, 1) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    Xp = F.pad(X, (pw, pw, ph, ph))
    win = Xp.unfold(2, kh, sh).unfold(3, kw, sw)
    return win.amax((-1, -2)) if mode == 'max' else win.mean((-1, -2))
