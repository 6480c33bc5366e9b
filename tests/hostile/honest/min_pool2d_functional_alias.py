# min_pool2d (honest): `from torch.nn import functional as nnf`, max pooling of the negation with
# torch.neg, a docstring, functools.wraps in a small validating decorator.
import functools
from torch.nn import functional as nnf


def needs_4d(fn):
    @functools.wraps(fn)
    def wrapper(X, *args, **kwargs):
        if X.dim() != 4:
            raise ValueError(f"X must be (N, C, H, W), got {X.dim()} dimensions")
        return fn(X, *args, **kwargs)
    return wrapper


@needs_4d
def min_pool2d(X, pool_size, stride=None, padding=0):
    """min over each window = -max(-window); padding never wins after the negation either."""
    return torch.neg(nnf.max_pool2d(torch.neg(X), pool_size, stride, padding))
