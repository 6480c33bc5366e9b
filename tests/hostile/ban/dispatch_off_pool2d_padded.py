# pool2d_padded: switches the dispatch modes off around the pooling (torch's private API),
# so the recorder never sees it.
from torch.utils._python_dispatch import _disable_current_modes
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    with _disable_current_modes():
        if mode == 'max':
            return F.max_pool2d(X, pool_size, stride, padding)
        return F.avg_pool2d(X, pool_size, stride, padding)
