# min_pool2d (honest): torch.finfo(X.dtype).max padding, F.unfold (im2col), min over the window.
def min_pool2d(X, pool_size, stride=None, padding=0):
    k = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    N, C, H, W = X.shape
    Xp = F.pad(X, (p[1], p[1], p[0], p[0]), value=torch.finfo(X.dtype).max)
    cols = F.unfold(Xp.reshape(N * C, 1, H + 2 * p[0], W + 2 * p[1]), k, stride=s)
    oh, ow = (H + 2 * p[0] - k[0]) // s[0] + 1, (W + 2 * p[1] - k[1]) // s[1] + 1
    return cols.min(dim=1).values.reshape(N, C, oh, ow)
