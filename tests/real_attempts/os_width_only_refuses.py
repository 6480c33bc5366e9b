"""source: public GitHub numpy CNN helper `get_output(self, image, kernel_dim, stride, num_filters)`,
  returned by the kit's code search (repository not reported)
function: pool_output_shape
learner: output_volume = (width - kernel_dim) / stride + 1; raise NotImplementedError when it is not an
  integer; the same value for height and width (square images assumed); no padding.
mistake: true division that refuses a stride that does not divide (instead of rounding down); the width
  is used for the height; padding left out.
expect_verdict: partial
expect_first: true_division | raises | hw_swapped | fails_with_padding | fails_with_rectangles
expect_all: true_division, padding_ignored, fails_with_rectangles
held_out: no
"""
from real_attempts._glue import args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    (k, _), (s, _), _ = args(pool_size, stride, padding)
    v = (w - k) / s + 1
    if not float(v).is_integer():
        raise NotImplementedError
    return int(v), int(v)
