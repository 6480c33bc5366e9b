# max_pool_as_conv (honest): kernels from numpy's np.eye, zero padding in the convolution and a mask
# (the same convolution of a ones image) that replaces padded positions after it; torch.where.
import numpy as np


def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    ph, pw = np.broadcast_to(pool_size, 2).tolist()
    stride = (ph, pw) if stride is None else stride
    N, C, H, W = X.shape
    P = ph * pw
    eye = torch.from_numpy(np.eye(P)).to(X.dtype).view(P, 1, ph, pw)
    G = F.conv2d(X.reshape(N * C, 1, H, W), eye, stride=stride, padding=padding)
    inside = F.conv2d(torch.ones(1, 1, H, W, dtype=X.dtype), eye, stride=stride, padding=padding) > 0
    G = torch.where(inside, G, torch.tensor(-math.inf, dtype=X.dtype))
    return G.max(dim=1).values.view(N, C, *G.shape[-2:])
