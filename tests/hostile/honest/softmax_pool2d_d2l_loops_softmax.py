# softmax_pool2d (honest): loops over the output positions, each window flattened, torch.softmax of
# window / temperature (stable on its own) weighting the window, written into torch.zeros.
def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    N, C, H, W = X.shape
    out_h, out_w = (H - p_h) // s_h + 1, (W - p_w) // s_w + 1
    Y = torch.zeros((N, C, out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            win = X[:, :, i * s_h: i * s_h + p_h, j * s_w: j * s_w + p_w].reshape(N, C, -1)
            wts = torch.softmax(win.double() / temperature, dim=-1)
            Y[:, :, i, j] = (wts * win.double()).sum(dim=-1).to(X.dtype)
    return Y
