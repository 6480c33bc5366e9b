# avg_pool_as_conv (honest): @torch.no_grad(), the kernel from torch.full and expand, padding by
# F.pad (zeros, as count_include_pad), then a conv with no padding.
@torch.no_grad()
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    kh, kw = pool_size if isinstance(pool_size, (tuple, list)) else (pool_size, pool_size)
    st = (kh, kw) if stride is None else stride
    ph, pw = padding if isinstance(padding, (tuple, list)) else (padding, padding)
    C = X.shape[1]
    weight = torch.full((1, 1, kh, kw), 1.0 / (kh * kw), dtype=X.dtype).expand(C, 1, kh, kw)
    Xp = F.pad(X, (pw, pw, ph, ph))
    return F.conv2d(Xp, weight, stride=st, groups=C)
