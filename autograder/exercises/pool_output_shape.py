"""pool_output_shape (03_cost): the output (out_h, out_w) of a pooling layer."""

from autograder.exercises import transforms as T
from autograder.exercises.draw import form, input_hw, random_window
from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair, window_args


def pool_output_shape(h, w, pool_size, stride=None, padding=0):
    """Output ``(out_h, out_w)`` of a pooling layer on an ``h x w`` input.

    ``out_h = floor((h + 2*pad_h - p_h) / s_h) + 1`` (and the same for w):
    the output shape of ``F.max_pool2d`` wherever PyTorch accepts the
    arguments (padding at most half the window).
    """
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def cases(g):
    cases = []

    def add(group, h, w, k, s, p):
        cases.append(Case(group, (h, w, k, s, p), {}))

    add("basic", 4, 4, 2, 2, 0)
    add("basic", 6, 6, 3, 3, 0)
    add("basic", 4, 4, 3, 2, 1)                     # the seed's nn.MaxPool2d(3, padding=1, stride=2)
    add("basic", 6, 8, 2, 2, 0)                     # not (2, 2) like the three above: no constant passes
    add("stride", 4, 4, 3, None, 0)                 # stride=None: the window
    add("stride", 7, 7, 2, None, 0)
    add("stride", 8, 7, 2, 3, 0)                    # stride larger than the window
    add("stride", 9, 5, (2, 2), (3, 1), 0)
    add("padding", 5, 5, 4, 1, 2)                   # padding exactly half the window
    add("padding", 6, 5, (4, 2), (2, 1), (2, 1))
    add("padding", 4, 4, (2, 3), (2, 3), (0, 1))    # the seed's rectangular example
    add("padding", 7, 6, 3, 2, 1)
    add("shapes", 5, 7, (2, 3), (1, 1), 0)
    add("shapes", 7, 5, (3, 1), (2, 1), (1, 0))
    add("shapes", 9, 4, (1, 4), (1, 2), (0, 2))
    add("edge", 3, 5, (3, 5), 1, 0)                 # window equal to the input
    add("edge", 4, 4, 1, 1, 0)
    add("edge", 1, 1, 1, None, 0)
    add("edge", 2, 3, 4, 3, 2)
    for _ in range(8):
        (kh, kw), stride, pad = random_window(g, max_k=5)
        h, w = input_hw(g, (kh, kw), pad, max_hw=32)
        s = (kh, kw) if stride is None else pair(stride)
        group = "padding" if pad != (0, 0) else "stride" if s != (kh, kw) else "shapes" if kh != kw else "basic"
        add(group, h, w, form(kh, kw), stride, form(*pad))
    return cases


def with_formula(formula):
    """The output size with ``formula(n, k, s, p)`` for each side instead of floor((n + 2p - k)/s) + 1."""
    def wrong(h, w, pool_size, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
        return formula(h, kh, sh, ph), formula(w, kw, sw, pw)
    return wrong


ceil_shape = with_formula(lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1)

EXERCISE = Exercise(
    name="pool_output_shape", notebook="03_cost", position=1, points=2, forbid="pooling",
    contract=('→ `(out_h, out_w)`',
              'the output shape of `F.max_pool2d` wherever PyTorch accepts the arguments'),
    reference=pool_output_shape, cases=cases,
    groups={"basic": 2, "stride": 1, "padding": 1, "shapes": 1, "edge": 1},
    mistakes=(
        T.ceil_mode(ceil_shape),
        Mistake("one_sided_padding", with_formula(lambda n, k, s, p: (n + p - k) // s + 1), catches=("padding",)),
        Mistake("shape_off_by_one", with_formula(lambda n, k, s, p: (n + 2 * p - k) // s)),
        T.hw_swapped(pool_output_shape),
        T.stride_default_one(pool_output_shape),
        T.stride_ignored(pool_output_shape),
    ),
)
