# max_pool_conv_relu (honest): a small network of nn modules -- an nn.Conv2d gather with copied
# one-hot weights, nn.ReLU, and a 1x1 nn.Conv2d (weights [1, -1], bias 0) for each difference --
# put together in an nn.Module the answer owns and run under torch.no_grad().
class ConvReluMax(nn.Module):
    def __init__(self, k, dtype):
        super().__init__()
        P = k * k
        self.k, self.P = k, P
        self.gather = nn.Conv2d(1, P, k, stride=k, bias=False)
        self.diff = nn.Conv2d(2, 1, 1)                    # out = a - b
        self.relu = nn.ReLU()
        with torch.no_grad():
            self.gather.weight.copy_(torch.eye(P).reshape(P, 1, k, k))
            self.diff.weight.copy_(torch.tensor([1.0, -1.0]).reshape(1, 2, 1, 1))
            self.diff.bias.zero_()
        self.to(dtype)

    def forward(self, X):
        N, C, H, W = X.shape
        g = self.gather(X.reshape(N * C, 1, H, W))
        best = g[:, :1]
        for i in range(1, self.P):
            best = best + self.relu(self.diff(torch.cat([g[:, i:i + 1], best], dim=1)))
        return best.reshape(N, C, H // self.k, W // self.k)


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    with torch.no_grad():
        return ConvReluMax(k, X.dtype)(X)
