# pool2d (honest): @torch.no_grad(), nested list comprehensions over all windows, torch.stack,
# enumerate, debug printing.
@torch.no_grad()
def pool2d(X, pool_size, mode='max'):
    if mode != 'max' and mode != 'avg':
        raise ValueError('mode should be max or avg')
    if isinstance(pool_size, int):
        pool_size = (pool_size, pool_size)
    ph, pw = pool_size
    H, W = X.shape
    print(f"pool2d: X {tuple(X.shape)}, window {ph}x{pw}, mode {mode}")
    reduce = (lambda t: t.max()) if mode == 'max' else (lambda t: t.mean())
    rows = [[reduce(X[i:i + ph, j:j + pw]) for j in range(W - pw + 1)] for i in range(H - ph + 1)]
    for i, row in enumerate(rows):
        rows[i] = torch.stack(row)
    return torch.stack(rows).to(X.dtype)
