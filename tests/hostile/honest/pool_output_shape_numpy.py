# pool_output_shape (honest): numpy arrays for both sides at once, np.floor_divide, converted back
# to Python ints.
import numpy as np


def pool_output_shape(h, w, pool_size, stride, padding):
    size = np.array([h, w])
    k = np.broadcast_to(np.asarray(pool_size), (2,))
    s = k if stride is None else np.broadcast_to(np.asarray(stride), (2,))
    p = np.broadcast_to(np.asarray(padding), (2,))
    out = np.floor_divide(size + 2 * p - k, s) + 1
    return tuple(int(v) for v in out)
