"""source: https://github.com/Lindongrey/d2lLearning/blob/HEAD/6.CNN/6.5pooling.py (myPool2d)
function: pool2d
learner: the book's loop (torch.zeros output, max / mean of each window) without `return Y`.
mistake: the function returns None: nothing is handed back.
expect_verdict: zero
expect_first: wrong_type
expect_all: wrong_type
held_out: no
"""
import torch


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
