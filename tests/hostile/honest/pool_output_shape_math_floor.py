# pool_output_shape (honest): math.floor of a true division, _pair from torch.nn.modules.utils.
from torch.nn.modules.utils import _pair


def pool_output_shape(h, w, pool_size, stride, padding):
    (p_h, p_w), (pad_h, pad_w) = _pair(pool_size), _pair(padding)
    s_h, s_w = (p_h, p_w) if stride is None else _pair(stride)
    out_h = math.floor((h + 2 * pad_h - p_h) / s_h) + 1
    out_w = math.floor((w + 2 * pad_w - p_w) / s_w) + 1
    return out_h, out_w
