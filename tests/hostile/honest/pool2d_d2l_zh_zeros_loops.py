# pool2d (honest): 动手学深度学习 (d2l-zh) 的写法 -- Y = torch.zeros(...) and two loops, X[i: i + p_h, j: j + p_w].max(),
# an assert with a message, f-string printing for debugging.
def pool2d(X, pool_size, mode='max'):
    if isinstance(pool_size, int):
        pool_size = (pool_size, pool_size)
    p_h, p_w = pool_size
    assert X.dim() == 2, f"X 应该是二维的, 但 X.shape = {X.shape}"
    if mode not in ('max', 'avg'):
        raise ValueError(f"未知的 mode: {mode}")
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    print(f"Y.shape = {Y.shape}")
    return Y
