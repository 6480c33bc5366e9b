# avg_pool_as_conv (honest): the kernel built with numpy (np.full) and torch.from_numpy; channels
# folded into the batch so one 1-channel kernel serves them all.
import numpy as np


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    if stride is None:
        stride = (kh, kw)
    kernel = torch.from_numpy(np.full((1, 1, kh, kw), 1.0 / (kh * kw))).to(X.dtype)
    N, C, H, W = X.shape
    Y = F.conv2d(X.reshape(N * C, 1, H, W), kernel, stride=stride, padding=padding)
    return Y.reshape(N, C, Y.shape[-2], Y.shape[-1])
