# pool2d (honest): Tensor.unfold twice gives every window; amax / mean over the window's two axes.
def pool2d(X, pool_size, mode='max'):
    """Stride-1 2-D pooling without padding, window by window via Tensor.unfold."""
    if mode not in ('max', 'avg'):
        raise ValueError(f"unknown mode {mode!r}")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)      # (out_h, out_w, p_h, p_w)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    return windows.mean(dim=(-2, -1))
