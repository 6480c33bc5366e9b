# avg_pool_as_conv (honest): d2l-style, a kernel of torch.ones / (p_h * p_w), every channel folded
# into the batch with reshape, F.conv2d with stride and padding.
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        stride = (p_h, p_w)
    N, C, H, W = X.shape
    K = torch.ones((1, 1, p_h, p_w), dtype=X.dtype) / (p_h * p_w)
    Y = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=stride, padding=padding)
    return Y.reshape(N, C, Y.shape[-2], Y.shape[-1])
