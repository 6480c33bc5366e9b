"""What a student types in the self-study and browser tests: one right answer, one classic mistake."""

# The seed's pool2d done right, for (h, w) inputs, stride 1, no padding.
CORRECT_POOL2D = '''\
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f'unknown mode {mode!r}')
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i: i + p_h, j: j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
'''

# The classic mistake: pad with zeros, then take the max (a window of negatives gives 0).
ZERO_PADDED_MAX = '''\
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    p_h, p_w = pair(pool_size)
    s_h, s_w = pair(pool_size if stride is None else stride)
    pad_h, pad_w = pair(padding)
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    X = F.pad(X, (pad_w, pad_w, pad_h, pad_h))   # zeros: wrong for max pooling
    n, c, h, w = X.shape
    Y = torch.zeros((n, c, (h - p_h) // s_h + 1, (w - p_w) // s_w + 1), dtype=X.dtype)
    for i in range(Y.shape[2]):
        for j in range(Y.shape[3]):
            window = X[:, :, i * s_h: i * s_h + p_h, j * s_w: j * s_w + p_w]
            Y[:, :, i, j] = window.amax(dim=(2, 3)) if mode == 'max' else window.mean(dim=(2, 3))
    return Y
'''
