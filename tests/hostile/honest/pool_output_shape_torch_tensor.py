# pool_output_shape (honest): integer maths in torch tensors (torch.div with rounding_mode='floor'),
# .tolist() back to Python ints; a docstring.
def pool_output_shape(h, w, pool_size, stride, padding):
    """(out_h, out_w) = floor((n + 2 * pad - k) / s) + 1 for each side."""
    t = lambda v: torch.tensor([v, v] if isinstance(v, int) else list(v))   # noqa: E731
    k = t(pool_size)
    s = k if stride is None else t(stride)
    n = torch.tensor([h, w])
    out = torch.div(n + 2 * t(padding) - k, s, rounding_mode='floor') + 1
    out_h, out_w = out.tolist()
    return out_h, out_w
