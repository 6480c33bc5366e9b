# pool_cost (honest): calls pool_output_shape from the other answer cell; type hints, a docstring,
# an assertion on the result.
from typing import Optional, Tuple, Union

Size = Union[int, Tuple[int, int]]


def pool_cost(c: int, h: int, w: int, pool_size: Size, stride: Optional[Size], padding: Size,
              mode: str = 'max') -> int:
    """Operations of a pooling layer: c * out_h * out_w * (operations per window)."""
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)
    k_h, k_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    per_window = k_h * k_w - 1 if mode == 'max' else k_h * k_w
    total = c * out_h * out_w * per_window
    assert total >= 0, total
    return total
# ---- answer_pool_output_shape ----
def pool_output_shape(h, w, pool_size, stride, padding):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
