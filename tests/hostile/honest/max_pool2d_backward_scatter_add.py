# max_pool2d_backward (honest): -inf padding, Tensor.unfold windows, argmax per window, flat indices
# of the winners in the padded input, scatter_add_ of grad_out (overlaps accumulate).
def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    Xp = F.pad(X.detach(), (pw, pw, ph, ph), value=-math.inf)
    Hp, Wp = Xp.shape[-2:]
    win = Xp.unfold(2, kh, sh).unfold(3, kw, sw)                     # (N, C, oh, ow, kh, kw)
    oh, ow = win.shape[2], win.shape[3]
    arg = win.reshape(N, C, oh, ow, kh * kw).argmax(dim=-1)
    rows = torch.arange(oh).view(oh, 1) * sh + arg // kw
    cols = torch.arange(ow).view(1, ow) * sw + arg % kw
    flat = (rows * Wp + cols).reshape(N, C, -1)
    g = torch.zeros(N, C, Hp * Wp, dtype=grad_out.dtype)
    g.scatter_add_(2, flat, grad_out.reshape(N, C, -1))
    return g.reshape(N, C, Hp, Wp)[:, :, ph:ph + H, pw:pw + W]
