# max_pool_conv_relu (honest): the constant kernel built with operators the bonus forbids on X --
# torch.where on index tensors, .item() of a constant, numpy's np.eye(...).tolist(), and an assertion
# on the kernel with .max() and .abs() -- then only F.conv2d, F.relu, + and - on X.
import numpy as np


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    P = int(torch.tensor([k, k]).prod().item())
    idx = torch.arange(P)
    K = torch.where(idx[:, None] == idx[None, :], 1.0, 0.0)
    assert K.sum(dim=0).max() == 1 and K.abs().sum() == P
    assert K.tolist() == np.eye(P).tolist()
    K = K.to(X.dtype).reshape(P, 1, k, k)
    N, C, H, W = X.shape
    G = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    best = G[:, :1]
    for i in range(1, P):
        best = best + F.relu(G[:, i:i + 1] - best)
    return best.reshape(N, C, H // k, W // k)
