"""source: https://github.com/yacinemebarki/model_from_scratch/blob/HEAD/cnn/maxpool.py
function: pool2d_padded
learner: HWC maxpool whose window maximum is Python's built-in max(patch) on a 2-D numpy patch.
mistake: built-in max iterates over the patch's rows and compares arrays: ValueError ("truth value of an
  array ... is ambiguous") for any window with several rows and columns.
expect_verdict: zero
expect_first: raises
expect_all: raises
held_out: yes
glue: per (sample) HWC array; the learner's max for 'max' and the same loop with a mean for 'avg'
"""
import math
import numpy as np
import torch
from real_attempts._glue import args, padded, nhwc, nchw


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (kh, kw), (sh, sw), p = args(pool_size, stride, padding)
    imgs = nhwc(padded(X, p, -math.inf if mode == 'max' else 0.0))
    outs = []
    for inp in imgs:
        H = (inp.shape[0] - kh) // sh + 1
        W = (inp.shape[1] - kw) // sw + 1
        out = np.zeros((H, W, inp.shape[2]))
        for s in range(inp.shape[2]):
            for i in range(H):
                for j in range(W):
                    patch = inp[i * sh:i * sh + kh, j * sw:j * sw + kw, s]
                    out[i, j, s] = max(patch) if mode == 'max' else patch.mean()
        outs.append(out)
    return nchw(np.stack(outs))
