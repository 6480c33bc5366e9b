# max_pool_conv_relu (honest): `from torch.nn.functional import *` (conv2d, relu by their bare
# names), Python's max() on the window's integers, a parameter named pool_size.
from torch.nn.functional import *


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else max(pool_size)
    P = k * k
    K = torch.eye(P, dtype=X.dtype).reshape(P, 1, k, k)
    N, C, H, W = X.shape
    G = conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    m = G[:, :1]
    for i in range(1, P):
        m = m + relu(G[:, i:i + 1] - m)
    return m.reshape(N, C, H // k, W // k)
