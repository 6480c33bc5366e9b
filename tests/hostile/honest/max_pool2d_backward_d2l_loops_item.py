# max_pool2d_backward (honest): loops with .item() for the window's argmax, the padded region
# handled by clipping the window, grad accumulated with += (overlapping windows add up).
def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    dX = torch.zeros(X.shape, dtype=grad_out.dtype)
    out_h, out_w = grad_out.shape[-2], grad_out.shape[-1]
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    r0, c0 = max(i * s_h - pad_h, 0), max(j * s_w - pad_w, 0)
                    r1, c1 = min(i * s_h - pad_h + p_h, H), min(j * s_w - pad_w + p_w, W)
                    win = X[n, c, r0:r1, c0:c1]
                    k = win.argmax().item()
                    a, b = divmod(k, c1 - c0)
                    dX[n, c, r0 + a, c0 + b] += grad_out[n, c, i, j]
    return dX
