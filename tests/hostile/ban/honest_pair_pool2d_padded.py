# pool2d_padded (honest): PyTorch's own argument helper _pair, F.pad and unfold. _pair is a private
# but inert helper: no flag, full marks.
from torch.nn.modules.utils import _pair
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (p_h, p_w)
    pad_h, pad_w = _pair(padding)
    fill = -math.inf if mode == 'max' else 0.0
    X_pad = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=fill)
    windows = X_pad.unfold(2, p_h, s_h).unfold(3, p_w, s_w)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    return windows.sum(dim=(-2, -1)) / (p_h * p_w)
