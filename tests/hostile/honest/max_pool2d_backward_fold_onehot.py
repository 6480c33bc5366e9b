# max_pool2d_backward (honest): F.unfold (im2col) of the padded input, F.one_hot of the argmax as the
# routing mask, F.fold (col2im) to add overlapping windows back; Fn alias.
import torch.nn.functional as Fn


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    k = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    N, C, H, W = X.shape
    P = k[0] * k[1]
    Xp = Fn.pad(X, (p[1], p[1], p[0], p[0]), value=-math.inf)
    cols = Fn.unfold(Xp.reshape(N * C, 1, *Xp.shape[-2:]), k, stride=s)        # (N*C, P, L)
    route = Fn.one_hot(cols.argmax(dim=1), P).transpose(1, 2).to(grad_out.dtype)  # (N*C, P, L)
    g_cols = route * grad_out.reshape(N * C, 1, -1)
    g = Fn.fold(g_cols, Xp.shape[-2:], k, stride=s)                          # (N*C, 1, Hp, Wp)
    return g.reshape(N, C, *Xp.shape[-2:])[..., p[0]:p[0] + H, p[1]:p[1] + W]
