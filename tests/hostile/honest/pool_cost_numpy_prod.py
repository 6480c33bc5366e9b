# pool_cost (honest): numpy for the integer maths (np.prod of the window, np.floor_divide), the
# result converted to a Python int.
import numpy as np


def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    k = np.broadcast_to(pool_size, 2).astype(np.int64)
    s = k if stride is None else np.broadcast_to(stride, 2).astype(np.int64)
    p = np.broadcast_to(padding, 2).astype(np.int64)
    out = np.floor_divide(np.array([h, w]) + 2 * p - k, s) + 1
    per_window = int(np.prod(k)) - (1 if mode == 'max' else 0)
    return int(c) * int(np.prod(out)) * per_window
