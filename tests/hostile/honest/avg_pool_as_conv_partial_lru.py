# avg_pool_as_conv (honest): functools.lru_cache on a pure int helper (the window's size),
# functools.partial over F.conv2d, torch.full kernel, a docstring and input validation.
import functools


@functools.lru_cache(maxsize=None)
def window_area(kh: int, kw: int) -> int:
    return kh * kw


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    """Average pooling as one depthwise convolution with a constant kernel."""
    if X.dim() != 4:
        raise ValueError(f"expected (N, C, H, W), got shape {tuple(X.shape)}")
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    C = X.shape[1]
    conv = functools.partial(F.conv2d, stride=(kh, kw) if stride is None else stride,
                             padding=padding, groups=C)
    K = torch.full((C, 1, kh, kw), 1.0 / window_area(kh, kw), dtype=X.dtype)
    return conv(X, K)
