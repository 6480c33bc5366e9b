# A zero-stride view of 4 bytes just inside the cap on overlapping views (2^20 elements):
# decoded as a view and judged a wrong shape, never materialised.
def pool2d(X, pool_size, mode='max'):
    return torch.zeros(1, dtype=X.dtype).as_strided((2 ** 10, 2 ** 10), (0, 0))
