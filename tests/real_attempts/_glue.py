"""Glue shared by the re-expressed attempts: the kit's calling convention, nothing of the answer.

The learners wrote for other interfaces (CS231n's ``pool_param`` dicts, Holberton's NHWC numpy
arrays, d2l's 2-D tensors). This module only converts between those and the kit's interface:
pair-valued arguments, NCHW <-> NHWC, and, where the learner's assignment had no padding, the
padding the exercise asks for (each attempt's header says when it relies on that). It never casts
a learner's result to the input's dtype: what their code returns is what is graded.
"""
import numpy as np
import torch


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def args(pool_size, stride, padding):
    """(kh, kw), (sh, sw), (ph, pw): stride None means the window (the kit's convention)."""
    k = pair(pool_size)
    return k, (k if stride is None else pair(stride)), pair(padding)


def padded(X, padding, value):
    """X padded on every side with ``value`` (an assignment without padding, extended to it)."""
    ph, pw = pair(padding)
    if ph == 0 and pw == 0:
        return X
    return torch.nn.functional.pad(X, (pw, pw, ph, ph), value=value)


def crop(dX, padding):
    ph, pw = pair(padding)
    return dX[..., ph:dX.shape[-2] - ph, pw:dX.shape[-1] - pw]


def nhwc(t):
    """NCHW torch -> NHWC numpy (a copy, in the tensor's own dtype)."""
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy().copy()


def nchw(a):
    """NHWC numpy -> NCHW torch, in whatever dtype the learner's array has."""
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a).transpose(0, 3, 1, 2)))


def np_nchw(t):
    """NCHW torch -> NCHW numpy (a copy, in the tensor's own dtype)."""
    return t.detach().contiguous().numpy().copy()
