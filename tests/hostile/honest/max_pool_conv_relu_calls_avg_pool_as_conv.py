# max_pool_conv_relu (honest): max(a, b) = (a + b) / 2 + (relu(a - b) + relu(b - a)) / 2, where the
# mean of a pair is the avg_pool_as_conv of the other answer cell on the interleaved pair
# (torch.stack + reshape). Columns of a window first, then rows.
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    N, C, H, W = X.shape
    X = X[:, :, :H // k * k, :W // k * k]

    def max2(a, b):
        pair = torch.stack([a, b], dim=-1).reshape(*a.shape[:-1], 2 * a.shape[-1])   # a0 b0 a1 b1 ...
        mean = avg_pool_as_conv(pair, (1, 2))
        return mean + (F.relu(a - b) + F.relu(b - a)) / 2

    cols = X[..., 0::k]                      # the running max over each window's k columns
    for j in range(1, k):
        cols = max2(cols, X[..., j::k])
    rows = cols[..., 0::k, :]                # then over its k rows
    for i in range(1, k):
        rows = max2(rows.transpose(-1, -2), cols[..., i::k, :].transpose(-1, -2)).transpose(-1, -2)
    return rows
# ---- answer_avg_pool_as_conv ----
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    C = X.shape[1]
    kernel = torch.ones(C, 1, kh, kw, dtype=X.dtype) / (kh * kw)
    return F.conv2d(X, kernel, stride=(kh, kw) if stride is None else stride, padding=padding, groups=C)
