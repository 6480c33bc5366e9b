# min_pool2d (honest): nn.MaxPool2d module (allowed here) on -X; _pair.
from torch.nn.modules.utils import _pair


def min_pool2d(X, pool_size, stride=None, padding=0):
    pool = nn.MaxPool2d(_pair(pool_size), stride=None if stride is None else _pair(stride),
                        padding=_pair(padding))
    return -pool(-X)
