# pool_output_shape (honest): the d2l formula floor((n + 2p - k) / s) + 1 written with int() of a
# true division (exact for these sizes' signs), a tuple returned, an assert on the inputs.
def pool_output_shape(h, w, pool_size, stride, padding):
    k_h, k_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        stride = (k_h, k_w)
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    assert h + 2 * p_h >= k_h and w + 2 * p_w >= k_w, "窗口比输入大"
    out_h = int((h + 2 * p_h - k_h) / s_h) + 1
    out_w = int((w + 2 * p_w - k_w) / s_w) + 1
    return (out_h, out_w)
