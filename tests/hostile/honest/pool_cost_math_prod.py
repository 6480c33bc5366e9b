# pool_cost (honest): math.prod and math.floor, _ntuple(2), a dict of per-window costs.
from torch.nn.modules.utils import _ntuple

two = _ntuple(2)
PER_WINDOW = {'max': lambda area: area - 1,      # p_h * p_w - 1 comparisons
              'avg': lambda area: area}          # p_h * p_w - 1 additions and one division


def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode not in PER_WINDOW:
        raise ValueError(mode)
    k = two(pool_size)
    s = k if stride is None else two(stride)
    p = two(padding)
    outs = [math.floor((n + 2 * q - kk) / ss) + 1 for n, kk, ss, q in zip((h, w), k, s, p)]
    return c * math.prod(outs) * PER_WINDOW[mode](math.prod(k))
