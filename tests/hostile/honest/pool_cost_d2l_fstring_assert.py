# pool_cost (honest): the output size by the d2l formula with //, asserts with messages, an f-string
# summary printed, the comparisons per window for max and additions + a division for avg.
def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode 只能是 max 或 avg, 不是 {mode!r}")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    s_h, s_w = (p_h, p_w) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    out_h = (h + 2 * pad_h - p_h) // s_h + 1
    out_w = (w + 2 * pad_w - p_w) // s_w + 1
    assert out_h > 0 and out_w > 0, f"窗口太大: {out_h}x{out_w}"
    per_window = p_h * p_w - 1 if mode == 'max' else p_h * p_w
    total = c * out_h * out_w * per_window
    print(f"{c}x{out_h}x{out_w} windows, {per_window} ops each -> {total}")
    return int(total)
