# max_pool_conv_relu (honest): `import torch.nn.functional as Fn`, functools.partial over Fn.conv2d,
# functools.lru_cache on a pure int helper, kernels from F.one_hot of an index tensor, a depthwise
# convolution (groups=C), enumerate.
import functools
import torch.nn.functional as Fn


@functools.lru_cache(maxsize=32)
def window_cells(k: int) -> int:
    return k * k


def max_pool_conv_relu(X, pool_size=2):
    k = pool_size if isinstance(pool_size, int) else int(pool_size[0])
    C = X.shape[1]
    P = window_cells(k)
    onehot = Fn.one_hot(torch.arange(P), num_classes=P).to(X.dtype).reshape(P, 1, k, k)
    gather = functools.partial(Fn.conv2d, stride=k, groups=C)
    G = gather(X, onehot.repeat(C, 1, 1, 1))                     # channel c * P + p
    N, _, oh, ow = G.shape
    G = G.reshape(N, C, P, oh, ow)
    best = G[:, :, 0]
    for i, cand in enumerate(G.unbind(dim=2)):
        if i:
            best = best + Fn.relu(cand - best)
    return best
