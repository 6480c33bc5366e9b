# max_pool_as_conv (honest): the d2l trick of padding with X.min() (never larger than a real value),
# kernels from F.one_hot, a max over the gathered channels.
def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    k_h, k_w = (pool_size,) * 2 if isinstance(pool_size, int) else tuple(pool_size)
    stride = (k_h, k_w) if stride is None else stride
    pad = (padding,) * 2 if isinstance(padding, int) else tuple(padding)
    C = X.shape[1]
    low = X.min().item()
    Xp = F.pad(X, (pad[1], pad[1], pad[0], pad[0]), value=low)
    onehot = F.one_hot(torch.arange(k_h * k_w), k_h * k_w).to(X.dtype).reshape(k_h * k_w, 1, k_h, k_w)
    kernels = onehot.repeat(C, 1, 1, 1)                       # (C * P, 1, k_h, k_w)
    G = F.conv2d(Xp, kernels, stride=stride, groups=C)        # channel c * P + p
    N, _, oh, ow = G.shape
    return G.reshape(N, C, k_h * k_w, oh, ow).max(dim=2).values
