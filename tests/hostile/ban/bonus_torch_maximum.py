# max_pool_conv_relu: gathers the window corners with a conv, then torch.maximum.
def max_pool_conv_relu(X):
    N, C, H, W = X.shape
    k = torch.zeros(4, 1, 2, 2, dtype=X.dtype)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1
    g = F.conv2d(X.reshape(N * C, 1, H, W), k, stride=2)
    m = torch.maximum(torch.maximum(g[:, 0], g[:, 1]), torch.maximum(g[:, 2], g[:, 3]))
    return m.reshape(N, C, H // 2, W // 2)
