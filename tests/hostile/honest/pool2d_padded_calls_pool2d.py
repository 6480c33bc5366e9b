# pool2d_padded (honest): calls the pool2d of the other answer cell on every (sample, channel)
# slice, pads with -inf for max (0 for avg), then keeps every stride-th output. zip, enumerate.
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    as_pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)   # noqa: E731
    p_h, p_w = as_pair(pool_size)
    s_h, s_w = as_pair(stride) if stride is not None else (p_h, p_w)
    pad_h, pad_w = as_pair(padding)
    fill = float('-inf') if mode == 'max' else 0.0
    Xp = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=fill)
    N, C = X.shape[:2]
    out = []
    for n in range(N):
        chans = []
        for c, plane in zip(range(C), Xp[n]):
            full = pool2d(plane, (p_h, p_w), mode)        # stride 1, from the pool2d cell
            chans.append(full[::s_h, ::s_w])
        out.append(torch.stack(chans))
    return torch.stack(out).to(X.dtype)
# ---- answer_pool2d ----
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    h, w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + h, j:j + w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
