# max_pool_conv_relu: Tensor.apply_ hands every value of X to a Python lambda (no op dispatched),
# which collects them; the max is taken in Python.
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    N, C, H, W = X.shape
    vals = []
    X.contiguous().clone().apply_(lambda v: vals.append(v) or v)
    out = []
    for b in range(N * C):
        for i in range(0, H - k + 1, k):
            for j in range(0, W - k + 1, k):
                out.append(max(vals[b * H * W + (i + di) * W + j + dj] for di in range(k) for dj in range(k)))
    return torch.tensor(out, dtype=X.dtype).reshape(N, C, H // k, W // k)
