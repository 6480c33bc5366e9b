# avg_pool2d_backward (honest): a transposed convolution with a constant 1/(p_h p_w) kernel
# (groups=C), output_padding for the rows and columns no window reached; _pair.
from torch.nn.modules.utils import _pair


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    k = _pair(pool_size)
    s = k if stride is None else _pair(stride)
    p = _pair(padding)
    N, C, H, W = X.shape
    oh, ow = grad_out.shape[-2:]
    extra = (H - ((oh - 1) * s[0] - 2 * p[0] + k[0]), W - ((ow - 1) * s[1] - 2 * p[1] + k[1]))
    weight = torch.full((C, 1, *k), 1.0 / (k[0] * k[1]), dtype=grad_out.dtype)
    return F.conv_transpose2d(grad_out, weight, stride=s, padding=p, output_padding=extra, groups=C)
