# pool2d_padded (honest): torch.nn.modules.utils._ntuple and _quadruple, as_strided windows over a
# contiguous padded copy, math.inf padding.
from torch.nn.modules.utils import _ntuple, _quadruple

_pair = _ntuple(2)


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    kh, kw = _pair(pool_size)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(padding)
    pads = _quadruple(0)
    pads = (pw, pw, ph, ph) if (ph, pw) != (0, 0) else pads
    Xp = F.pad(X, pads, value=-math.inf if mode == 'max' else 0.0).contiguous()
    N, C, Hp, Wp = Xp.shape
    oh, ow = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    sN, sC, sH, sW = Xp.stride()
    win = Xp.as_strided((N, C, oh, ow, kh, kw), (sN, sC, sH * sh, sW * sw, sH, sW))
    return win.amax(dim=(-1, -2)) if mode == 'max' else win.mean(dim=(-1, -2))
