# max_pool_conv_relu (honest): the one-hot kernels built with numpy's eye (a constant: numpy never
# sees X), then a tournament of relu differences.
import numpy as np
def max_pool_conv_relu(X, pool_size=2):
    k_h, k_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    C = X.shape[1]
    n = k_h * k_w
    eye = torch.from_numpy(np.eye(n)).to(X.dtype).reshape(n, 1, k_h, k_w)
    g = F.conv2d(X, eye.repeat(C, 1, 1, 1), stride=(k_h, k_w), groups=C)
    values = [g[:, i::n] for i in range(n)]
    while len(values) > 1:
        nxt = [b + F.relu(a - b) for a, b in zip(values[0::2], values[1::2])]
        if len(values) % 2:
            nxt.append(values[-1])
        values = nxt
    return values[0]
