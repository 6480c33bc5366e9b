# max_pool2d_backward (honest): plain loops over the output positions, the window's argmax found
# with a mask of the padded region, += for overlapping windows; numpy for unravel_index.
import numpy as np


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    kh, kw = np.broadcast_to(pool_size, 2).tolist()
    sh, sw = (kh, kw) if stride is None else np.broadcast_to(stride, 2).tolist()
    ph, pw = np.broadcast_to(padding, 2).tolist()
    N, C, H, W = X.shape
    grad_X = torch.zeros_like(X, dtype=grad_out.dtype)
    oh, ow = grad_out.shape[-2:]
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - ph, j * sw - pw
            rs, cs = max(r0, 0), max(c0, 0)
            re, ce = min(r0 + kh, H), min(c0 + kw, W)
            window = X[:, :, rs:re, cs:ce].reshape(N, C, -1)
            best = window.argmax(dim=-1)                               # (N, C)
            for n in range(N):
                for c in range(C):
                    di, dj = np.unravel_index(int(best[n, c]), (re - rs, ce - cs))
                    grad_X[n, c, rs + di, cs + dj] += grad_out[n, c, i, j]
    return grad_X
