# min_pool2d (honest): d2l-style loops over a zero-initialised output, the input padded with +inf
# by index assignment, X[..., i: i + p_h, j: j + p_w].amin over the last two dimensions.
def min_pool2d(X, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    Xp = torch.full((N, C, H + 2 * pad_h, W + 2 * pad_w), float('inf'), dtype=X.dtype)
    Xp[:, :, pad_h:pad_h + H, pad_w:pad_w + W] = X
    out_h = (H + 2 * pad_h - p_h) // s_h + 1
    out_w = (W + 2 * pad_w - p_w) // s_w + 1
    Y = torch.zeros((N, C, out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            Y[:, :, i, j] = Xp[:, :, i * s_h: i * s_h + p_h, j * s_w: j * s_w + p_w].amin(dim=(-2, -1))
    return Y
