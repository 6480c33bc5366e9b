# avg_pool2d_backward (honest): loops over the output positions, each gradient spread evenly over
# its window (padding counted, as avg_pool2d's default), the padded border cut off at the end.
def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    G = torch.zeros((N, C, H + 2 * pad_h, W + 2 * pad_w), dtype=grad_out.dtype)
    for i in range(grad_out.shape[-2]):
        for j in range(grad_out.shape[-1]):
            G[:, :, i * s_h: i * s_h + p_h, j * s_w: j * s_w + p_w] += \
                grad_out[:, :, i:i + 1, j:j + 1] / (p_h * p_w)
    return G[:, :, pad_h:pad_h + H, pad_w:pad_w + W]
