# pool2d_padded (honest): `from torch.nn.functional import *` (pad, unfold by their bare names),
# parameters named pool_size / padding, max() on Python ints.
from torch.nn.functional import *


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    Xp = pad(X, (pw, pw, ph, ph), value=-math.inf if mode == 'max' else 0.0)
    cols = unfold(Xp.reshape(N * C, 1, H + 2 * ph, W + 2 * pw), (kh, kw), stride=(sh, sw))
    out = cols.amax(dim=1) if mode == 'max' else cols.mean(dim=1)
    oh, ow = max((H + 2 * ph - kh) // sh + 1, 0), max((W + 2 * pw - kw) // sw + 1, 0)
    return out.reshape(N, C, oh, ow)
