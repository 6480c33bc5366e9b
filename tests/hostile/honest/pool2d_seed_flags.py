# pool2d (honest): the reproducibility lines students copy into every notebook -- seeds and
# torch.backends.cudnn flags set at the top of the cell -- then a plain loop with torch.zeros.
import random

import numpy as np

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f'mode must be max or avg, got {mode}')
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i:i + p_h, j:j + p_w].max() if mode == 'max' else X[i:i + p_h, j:j + p_w].mean()
    return Y
