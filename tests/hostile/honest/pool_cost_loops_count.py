# pool_cost (honest): counts the windows with plain loops over their top-left corners (padding
# included), then multiplies; enumerate-free but printing a debug line.
def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode != 'max' and mode != 'avg':
        raise ValueError('mode')
    kh, kw = (pool_size, pool_size) if type(pool_size) == int else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if type(stride) == int else stride)
    ph, pw = (padding, padding) if type(padding) == int else padding
    rows = len(range(0, h + 2 * ph - kh + 1, sh))
    cols = len(range(0, w + 2 * pw - kw + 1, sw))
    ops = kh * kw - 1 if mode == 'max' else kh * kw
    print('windows:', rows, 'x', cols, 'ops per window:', ops)
    return c * rows * cols * ops
