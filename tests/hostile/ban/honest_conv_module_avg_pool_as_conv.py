# avg_pool_as_conv (honest): the kernel's weights are copied into an nn.Conv2d module (its
# initialiser runs aten.uniform_ on its own weights, not on X) and the conv is F.conv2d.
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)
    p_h, p_w = pair(pool_size)
    stride = pair(stride) if stride is not None else (p_h, p_w)
    padding = pair(padding)
    C = X.shape[1]
    conv = nn.Conv2d(C, C, (p_h, p_w), groups=C, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0 / (p_h * p_w))
    return F.conv2d(X, conv.weight.detach().to(X.dtype), stride=stride, padding=padding, groups=C)
