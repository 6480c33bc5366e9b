# max_pool_conv_relu (honest): the window's elements gathered by a conv with F.one_hot kernels,
# then max(m, x) = m + relu(x - m) element by element. Only conv, relu, + and - touch X.
def max_pool_conv_relu(X, pool_size=2):
    k_h, k_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    N, C, H, W = X.shape
    n = k_h * k_w
    kernel = F.one_hot(torch.arange(n), n).to(X.dtype).reshape(n, 1, k_h, k_w).repeat(C, 1, 1, 1)
    g = F.conv2d(X, kernel, stride=(k_h, k_w), groups=C)
    m = g[:, 0::n]
    for i in range(1, n):
        m = m + F.relu(g[:, i::n] - m)
    return m
