# softmax_pool2d (honest): F.unfold (im2col), torch.softmax over the window axis (stable by itself),
# a weighted sum; reshape back.
def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    k = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), k, stride=s)            # (N*C, P, L)
    weights = torch.softmax(cols / temperature, dim=1)
    out = (weights * cols).sum(dim=1)
    return out.reshape(N, C, (H - k[0]) // s[0] + 1, (W - k[1]) // s[1] + 1)
