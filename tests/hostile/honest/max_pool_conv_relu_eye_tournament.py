# max_pool_conv_relu (honest): torch.eye kernels gather each window; a tournament of pairs
# max(a, b) = b + relu(a - b) with torch.cat for the bye; zip over pairs.
def max_pool_conv_relu(X, pool_size=2):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    N, C, H, W = X.shape
    n = kh * kw
    eye = torch.eye(n, dtype=X.dtype).reshape(n, 1, kh, kw)
    vals = F.conv2d(X.reshape(N * C, 1, H, W), eye, stride=(kh, kw))
    while vals.shape[1] > 1:
        a, b = vals[:, 0:vals.shape[1] - 1:2], vals[:, 1::2]
        winners = b + F.relu(a - b)
        if vals.shape[1] % 2:
            winners = torch.cat([winners, vals[:, -1:]], dim=1)
        vals = winners
    return vals.reshape(N, C, H // kh, W // kw)
