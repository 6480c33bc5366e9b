# min_pool2d (honest): no pooling operator at all: +inf padding, Tensor.unfold windows, amin.
def min_pool2d(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride,) * 2 if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    Xp = F.pad(X, (pw, pw, ph, ph), value=math.inf)
    return Xp.unfold(2, kh, sh).unfold(3, kw, sw).amin(dim=(-2, -1))
