# max_pool_as_conv (honest): pads X itself with torch.finfo(X.dtype).min (finite, so 0 * pad is 0 in
# the convolution), then one-hot kernels from torch.eye and index assignment, then amax.
def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    lowest = torch.finfo(X.dtype).min
    Xp = F.pad(X, (pw, pw, ph, ph), value=lowest)
    P = kh * kw
    K = torch.zeros(P, 1, kh, kw, dtype=X.dtype)
    for k in range(P):
        K[k, 0, k // kw, k % kw] = 1
    G = F.conv2d(Xp.reshape(N * C, 1, *Xp.shape[-2:]), K, stride=(sh, sw))     # (N*C, P, oh, ow)
    return G.amax(dim=1).reshape(N, C, G.shape[-2], G.shape[-1])
