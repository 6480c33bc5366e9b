# softmax_pool2d (honest): Tensor.unfold windows, weights exp(z - logsumexp(z)), einsum for the
# weighted sum; `import torch.nn.functional as Fn` unused but imported, as students do.
import torch.nn.functional as Fn  # noqa: F401


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (ph, pw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    win = X.unfold(2, ph, sh).unfold(3, pw, sw).flatten(-2)           # (N, C, oh, ow, P)
    z = win / temperature
    w = torch.exp(z - torch.logsumexp(z, dim=-1, keepdim=True))
    return torch.einsum('ncijp,ncijp->ncij', w, win)
