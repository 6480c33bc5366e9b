# conv_relu_counts (honest): a while loop that simulates the tournament layer by layer, printing
# each layer, with the widest layer tracked by hand.
def conv_relu_counts(pool_size):
    if isinstance(pool_size, int):
        pool_size = (pool_size, pool_size)
    n = pool_size[0] * pool_size[1]
    layers, widest = 1, 1
    while n > 1:
        pairs, odd = n // 2, n % 2
        width = 3 * pairs + 2 * odd
        print(f"layer {layers}: {n} values -> {pairs + odd}, width {width}")
        widest = max(widest, width)
        n = pairs + odd
        layers += 1
    return layers, widest
