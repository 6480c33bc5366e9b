"""source: public GitHub PyTorch module `class SoftmaxPooling(nn.Module)` ("Compute a weighted sum over a
  specified dimension"), returned by the kit's code search (repository not reported)
function: softmax_pool2d
learner: __init__(dim, temperature=1.0) stores only dim; forward computes F.softmax(x / self.temperature,
  dim) and sum(weights * x, dim) over one whole dimension.
mistake: self.temperature is never stored (AttributeError on every call); and the softmax would run over
  a whole dimension, never over windows.
expect_verdict: zero
expect_first: raises
expect_all: raises
held_out: no
glue: the module built with dim=-1 and called on X, as the learner's code would be used
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class _SoftmaxPooling(nn.Module):
    def __init__(self, dim, temperature=1.0):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        weights = F.softmax(x / self.temperature, dim=self.dim)
        return torch.sum(weights * x, dim=self.dim)


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    return _SoftmaxPooling(-1, temperature)(X)
