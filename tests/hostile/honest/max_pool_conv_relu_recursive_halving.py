# max_pool_conv_relu (honest): a recursive tournament on a list of conv outputs (pairs by relu(a - b) + b,
# an odd one carried over), the kernel from numpy's identity, an assert on the kernel's sum.
import numpy as np


def _tournament(vals):
    if len(vals) == 1:
        return vals[0]
    nxt = [F.relu(vals[i] - vals[i + 1]) + vals[i + 1] for i in range(0, len(vals) - 1, 2)]
    if len(vals) % 2:
        nxt.append(vals[-1])
    return _tournament(nxt)


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    eye = np.eye(k * k).reshape(k * k, 1, k, k)
    assert eye.sum() == k * k, "每个位置一个 1"
    K = torch.tensor(eye, dtype=X.dtype)
    N, C, H, W = X.shape
    Y = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    out = _tournament([Y[:, p:p + 1] for p in range(k * k)])
    return out.reshape(N, C, H // k, W // k)
