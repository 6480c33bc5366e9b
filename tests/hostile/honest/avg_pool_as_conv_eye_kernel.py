# avg_pool_as_conv (honest): a full (C, C, kh, kw) kernel, channel c -> c, built from torch.eye and
# broadcasting (no groups); @torch.no_grad().
@torch.no_grad()
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    if isinstance(pool_size, int):
        pool_size = (pool_size, pool_size)
    if stride is None:
        stride = pool_size
    C = X.shape[1]
    eye = torch.eye(C, dtype=X.dtype)
    weight = eye[:, :, None, None].expand(C, C, *pool_size) / (pool_size[0] * pool_size[1])
    return F.conv2d(X, weight.contiguous(), stride=stride, padding=padding)
