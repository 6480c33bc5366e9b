"""source: public GitHub d2l-zh (PyTorch port) pooling script with the comment "池化的目的是为了缓解卷积层对位置的过度
  敏感", returned by the kit's code search (repository not reported): pool2d with X = X.float()
function: pool2d
learner: X = X.float() first, then the book's loop into torch.zeros(...); p_h, p_w = pool_size;
  `elif mode == 'avg'` with no else.
mistake: float64 input comes back float32 (X.float() and torch.zeros' default dtype); an int pool_size
  cannot be unpacked; an unknown mode silently returns zeros.
expect_verdict: partial
expect_first: dtype_not_kept | fails_with_int_size | mode_not_validated
expect_all: dtype_not_kept, fails_with_int_size, mode_not_validated
held_out: no
"""
import torch


def pool2d(X, pool_size, mode='max'):
    X = X.float()
    p_h, p_w = pool_size
    Y = torch.zeros(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y
