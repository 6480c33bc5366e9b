# avg_pool2d_backward (honest): loops over output positions with enumerate, index arithmetic clipped
# to the input (padding's share dropped), += for overlaps; debug print.
def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    if isinstance(pool_size, int):
        pool_size = (pool_size, pool_size)
    stride = pool_size if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    padding = (padding, padding) if isinstance(padding, int) else padding
    H, W = X.shape[-2:]
    dX = torch.zeros(X.shape, dtype=grad_out.dtype)
    area = pool_size[0] * pool_size[1]
    print('avg backward:', tuple(X.shape), pool_size, stride, padding)
    for i, top in enumerate(range(-padding[0], H + padding[0] - pool_size[0] + 1, stride[0])):
        for j, left in enumerate(range(-padding[1], W + padding[1] - pool_size[1] + 1, stride[1])):
            r0, r1 = max(top, 0), min(top + pool_size[0], H)
            c0, c1 = max(left, 0), min(left + pool_size[1], W)
            dX[..., r0:r1, c0:c1] += grad_out[..., i:i + 1, j:j + 1] / area
    return dX
