# max_pool_conv_relu (honest): the kernel made with X.new_zeros (X's dtype and device, none of its
# values), one-hot entries by index assignment, and a sanity check of the kernel before use.
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    P = k * k
    K = X.new_zeros((P, 1, k, k))
    for p in range(P):
        K[p, 0, p // k, p % k] = 1
    assert K.sum() == P, "one 1 per window position"
    N, C, H, W = X.shape
    G = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    out = G[:, 0:1]
    for p in range(1, P):
        out = out + F.relu(G[:, p:p + 1] - out)
    return out.reshape(N, C, H // k, W // k)
