# max_pool_conv_relu (honest): an nn.Module of the student's own with the one-hot kernel as a
# buffer (built with torch.eye), forward = conv then the relu tournament; @torch.no_grad().
class ConvReluMaxPool(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.register_buffer("weight", torch.eye(k * k).reshape(k * k, 1, k, k))

    def forward(self, X):
        N, C, H, W = X.shape
        Y = F.conv2d(X.reshape(N * C, 1, H, W), self.weight.to(X.dtype), stride=self.k)
        best = Y[:, :1]
        for p in range(1, self.k * self.k):
            best = best + F.relu(Y[:, p:p + 1] - best)
        return best.reshape(N, C, H // self.k, W // self.k)


@torch.no_grad()
def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    return ConvReluMaxPool(k)(X)
