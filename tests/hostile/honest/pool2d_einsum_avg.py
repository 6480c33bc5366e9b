# pool2d (honest): numpy only for the window shape; einsum with a ones tensor for the average,
# Tensor.unfold + max for the maximum.
import numpy as np


def pool2d(X, pool_size, mode='max'):
    """Max or average pooling with stride 1."""
    if mode not in {'max', 'avg'}:
        raise ValueError(f'bad mode: {mode}')
    k = np.broadcast_to(np.asarray(pool_size), (2,))
    p_h, p_w = int(k[0]), int(k[1])
    win = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    if mode == 'max':
        return win.reshape(*win.shape[:2], -1).max(dim=-1)[0]
    ones = torch.ones(p_h, p_w, dtype=X.dtype)
    return torch.einsum('ijkl,kl->ij', win, ones) / (p_h * p_w)
