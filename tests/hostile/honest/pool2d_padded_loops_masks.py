# pool2d_padded (honest): plain loops over the output, window bounds clipped to the input, a mask
# instead of padding values; the average divides by the whole window (count_include_pad=True).
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ['max', 'avg']:
        raise ValueError(f'mode {mode} is not supported')
    if type(pool_size) is int:
        pool_size = (pool_size, pool_size)
    if stride is None:
        stride = pool_size
    elif type(stride) is int:
        stride = (stride, stride)
    if type(padding) is int:
        padding = (padding, padding)
    N, C, H, W = X.shape
    out_h = (H + 2 * padding[0] - pool_size[0]) // stride[0] + 1
    out_w = (W + 2 * padding[1] - pool_size[1]) // stride[1] + 1
    Y = torch.zeros((N, C, out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0] - padding[0], j * stride[1] - padding[1]
            r0, r1 = max(top, 0), min(top + pool_size[0], H)
            c0, c1 = max(left, 0), min(left + pool_size[1], W)
            window = X[:, :, r0:r1, c0:c1]
            if mode == 'max':
                Y[:, :, i, j] = window.amax(dim=(2, 3))
            else:
                Y[:, :, i, j] = window.sum(dim=(2, 3)) / (pool_size[0] * pool_size[1])
    return Y
