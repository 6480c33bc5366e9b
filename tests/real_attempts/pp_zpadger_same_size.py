"""source: https://github.com/Zpadger/ObjectDetection/blob/HEAD/Question_100/Q8_MaxPooling.py
function: pool2d_padded
learner: image-processing "max pooling": out = img.copy(); every G x G block (G fixed, blocks Nh = H // G)
  is overwritten with its maximum; the output keeps the input's size.
mistake: the output is never downsampled (one value per window): wrong shape; the stride is never used.
expect_verdict: zero
expect_first: wrong_shape | windows_not_gathered
expect_all: wrong_shape
held_out: no
glue: per plane; G = the window's height (a square block, as the learner's G); natural pre-pad
"""
import math
from real_attempts._glue import args, padded


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    (G, _), _, p = args(pool_size, stride, padding)
    x = padded(X, p, -math.inf if mode == 'max' else 0.0)
    out = x.clone()
    H, W = x.shape[2], x.shape[3]
    for y in range(H // G):
        for z in range(W // G):
            block = out[:, :, G * y:G * (y + 1), G * z:G * (z + 1)]
            v = block.amax((2, 3), keepdim=True) if mode == 'max' else block.mean((2, 3), keepdim=True)
            out[:, :, G * y:G * (y + 1), G * z:G * (z + 1)] = v
    return out
