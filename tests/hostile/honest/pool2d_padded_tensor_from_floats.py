# pool2d_padded (honest): pads by hand, then Python loops over X's values with .item() building a
# list of floats, and torch.tensor(list, dtype=X.dtype) at the end (allowed: only pooling ops are
# forbidden here); math.floor for the output size.
import math


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        stride = (p_h, p_w)
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = X.shape
    fill = float('-inf') if mode == 'max' else 0.0
    Xp = torch.full((N, C, H + 2 * pad_h, W + 2 * pad_w), fill, dtype=X.dtype)
    Xp[:, :, pad_h:pad_h + H, pad_w:pad_w + W] = X
    out_h = math.floor((H + 2 * pad_h - p_h) / s_h) + 1
    out_w = math.floor((W + 2 * pad_w - p_w) / s_w) + 1
    vals = []
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    window = Xp[n, c, i * s_h: i * s_h + p_h, j * s_w: j * s_w + p_w]
                    if mode == 'max':
                        vals.append(window.max().item())
                    else:
                        vals.append(window.sum().item() / (p_h * p_w))
    return torch.tensor(vals, dtype=X.dtype).reshape(N, C, out_h, out_w)
