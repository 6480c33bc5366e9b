# Correct values, but from torch's own pooling (forbidden for pool2d).
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    f = F.max_pool2d if mode == 'max' else F.avg_pool2d
    return f(X[None, None], pool_size, stride=1)[0, 0]
