# avg_pool_as_conv (honest): torch.nn.modules.utils._pair, torch.ones kernel divided by its size,
# a depthwise F.conv2d (groups=C).
from torch.nn.modules.utils import _pair


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    kernel_size = _pair(pool_size)
    stride = kernel_size if stride is None else _pair(stride)
    padding = _pair(padding)
    C = X.size(1)
    weight = torch.ones(C, 1, *kernel_size, dtype=X.dtype) / (kernel_size[0] * kernel_size[1])
    return F.conv2d(X, weight, bias=None, stride=stride, padding=padding, groups=C)
