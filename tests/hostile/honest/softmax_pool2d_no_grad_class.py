# softmax_pool2d (honest): a small nn.Module the answer owns, @torch.no_grad(), F.softmax with the
# max subtracted anyway, torch.stack over windows built in a list comprehension.
class SoftmaxPool(nn.Module):
    def __init__(self, k, s, T):
        super().__init__()
        self.k, self.s, self.T = k, s, T

    def forward(self, X):
        (kh, kw), (sh, sw) = self.k, self.s
        N, C, H, W = X.shape
        oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
        windows = torch.stack([X[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(N, C, -1)
                               for i in range(oh) for j in range(ow)], dim=2)     # (N, C, oh*ow, P)
        z = windows / self.T
        z = z - z.max(dim=-1, keepdim=True).values
        return (F.softmax(z, dim=-1) * windows).sum(-1).reshape(N, C, oh, ow)


@torch.no_grad()
def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    k = (pool_size,) * 2 if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride,) * 2 if isinstance(stride, int) else tuple(stride))
    return SoftmaxPool(k, s, temperature)(X)
