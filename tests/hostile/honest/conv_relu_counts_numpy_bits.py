# conv_relu_counts (honest): numpy for the window size, int.bit_length for ceil(log2 n), a list of
# layer widths and max() over it.
import numpy as np


def conv_relu_counts(pool_size):
    n = int(np.prod(np.broadcast_to(pool_size, (2,))))
    widths = []
    m = n
    while m > 1:
        widths.append(3 * (m // 2) + 2 * (m % 2))
        m = (m + 1) // 2
    assert len(widths) == (n - 1).bit_length()
    return len(widths) + 1, max(widths, default=1)
