# max_pool2d_backward (honest): autograd through the student's own forward (unfold + amax, no pooling
# operator): torch.enable_grad, torch.autograd.grad; finfo padding.
def _my_max_pool(X, k, s, p):
    Xp = F.pad(X, (p[1], p[1], p[0], p[0]), value=torch.finfo(X.dtype).min)
    return Xp.unfold(2, k[0], s[0]).unfold(3, k[1], s[1]).amax(dim=(-2, -1))


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)      # noqa: E731
    k = pair(pool_size)
    s = k if stride is None else pair(stride)
    p = pair(padding)
    with torch.enable_grad():
        x = X.detach().clone().requires_grad_(True)
        y = _my_max_pool(x, k, s, p)
        (g,) = torch.autograd.grad(y, x, grad_outputs=grad_out)
    return g
