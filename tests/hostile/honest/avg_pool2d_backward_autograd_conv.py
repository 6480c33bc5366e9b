# avg_pool2d_backward (honest): autograd through the student's own average pooling written as a
# depthwise convolution (torch.enable_grad, Tensor.backward, .grad).
def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    stride = (kh, kw) if stride is None else stride
    C = X.shape[1]
    with torch.enable_grad():
        x = X.detach().clone().requires_grad_()
        kernel = torch.ones(C, 1, kh, kw, dtype=X.dtype) / (kh * kw)
        y = F.conv2d(x, kernel, stride=stride, padding=padding, groups=C)
        y.backward(grad_out)
    return x.grad
