# softmax_pool2d (honest): pure Python over X's values (.item() / .tolist() are fine outside the
# bonus), math.exp with the window's max subtracted for stability, torch.tensor(list) at the end.
import math


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    N, C, H, W = X.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    data = X.tolist()
    out = []
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    win = [data[n][c][i * sh + a][j * sw + b] for a in range(kh) for b in range(kw)]
                    top = max(v / temperature for v in win)
                    e = [math.exp(v / temperature - top) for v in win]
                    out.append(sum(ei * v for ei, v in zip(e, win)) / sum(e))
    return torch.tensor(out, dtype=X.dtype).reshape(N, C, oh, ow)
