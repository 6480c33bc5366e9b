# max_pool_conv_relu (honest): d2l-style, the one-hot kernel filled in a double loop, the channels
# folded into the batch, max(a, b) = relu(a - b) + b in a Python loop, shapes printed for debugging.
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    N, C, H, W = X.shape
    K = torch.zeros((k * k, 1, k, k), dtype=X.dtype)
    idx = 0
    for i in range(k):
        for j in range(k):
            K[idx, 0, i, j] = 1
            idx += 1
    Y = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    print(f"conv 输出 / conv output: {tuple(Y.shape)}")
    m = Y[:, 0:1]
    for c in range(1, k * k):
        m = F.relu(Y[:, c:c + 1] - m) + m
    return m.reshape(N, C, H // k, W // k)
