# pool2d_padded (honest): recursion over the batch and channel dimensions down to one 2-D map,
# F.pad with a finite "very small" value from torch.finfo, unsqueeze/stack on the way back.
def _pool_one(x, ph, pw, sh, sw, mode):
    H, W = x.shape
    out = []
    for i in range(0, H - ph + 1, sh):
        row = []
        for j in range(0, W - pw + 1, sw):
            w = x[i:i + ph, j:j + pw]
            row.append(w.max() if mode == 'max' else w.sum() / (ph * pw))
        out.append(torch.stack(row))
    return torch.stack(out)


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    ph, pw = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    sh, sw = (ph, pw) if stride is None else (stride if isinstance(stride, tuple) else (stride, stride))
    pad = padding if isinstance(padding, tuple) else (padding, padding)
    if X.dim() > 2:
        return torch.stack([pool2d_padded(x, (ph, pw), (sh, sw), pad, mode) for x in X])
    value = torch.finfo(X.dtype).min if mode == 'max' else 0.0
    x = F.pad(X, (pad[1], pad[1], pad[0], pad[0]), value=value)
    return _pool_one(x, ph, pw, sh, sw, mode)
