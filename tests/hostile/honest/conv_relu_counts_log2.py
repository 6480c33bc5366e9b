# conv_relu_counts (honest): math.ceil(math.log2(n)) rounds; the widest layer is the first.
def conv_relu_counts(pool_size):
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    n = p_h * p_w
    if n == 1:
        return 1, 1
    rounds = math.ceil(math.log2(n))
    return rounds + 1, 3 * (n // 2) + 2 * (n % 2)
