"""pool_cost (03_cost): the number of arithmetic operations of a pooling layer."""
from autograder.exercises import transforms as T
from autograder.exercises.draw import form, input_hw, random_window
from autograder.exercises.pool_output_shape import ceil_shape
from autograder.exercises.pool_output_shape import pool_output_shape
from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair, window_args
from course.language import Text


def pool_cost(c, h, w, pool_size, stride=None, padding=0, mode='max'):
    """Number of arithmetic operations of a pooling layer on a ``c x h x w`` input.

    Convention (the notebook states the same one):

    * each output element of max pooling costs ``p_h*p_w - 1`` comparisons;
    * each output element of average pooling costs ``p_h*p_w - 1`` additions
      plus 1 division, that is ``p_h*p_w`` operations;
    * total = ``c * out_h * out_w * (per-window operations)``, with
      ``out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)``.

    Padding is per side. The formula also holds where PyTorch refuses the
    padding, e.g. the d2l exercise setting ``padding = (p_h, p_w)``.
    """
    kh, kw = pair(pool_size)
    out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)
    if mode == 'max':
        per_window = kh * kw - 1
    elif mode == 'avg':
        per_window = kh * kw
    else:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    return c * out_h * out_w * per_window


def cases(g):
    cases = []

    def add(group, c, h, w, k, s, p, mode=None):
        kwargs = {} if mode is None else {"mode": mode}
        cases.append(Case(group, (c, h, w, k, s, p), kwargs))

    add("basic", 1, 4, 4, 2, 2, 0)
    add("basic", 1, 6, 6, 3, 3, 0, "max")
    add("basic", 1, 3, 3, 2, 1, 0)
    add("avg", 1, 4, 4, 2, 2, 0, "avg")
    add("avg", 1, 6, 5, (3, 2), (1, 1), 0, "avg")
    add("stride", 1, 8, 7, 2, 3, 0)
    add("stride", 2, 9, 5, (2, 2), (3, 1), 0, "avg")
    add("stride", 1, 7, 7, 2, None, 0)
    add("padding", 1, 4, 4, 3, 2, 1)
    add("padding", 2, 6, 5, (4, 2), (2, 1), (2, 1), "avg")
    add("batch_channels", 3, 4, 4, 2, 2, 0)
    add("batch_channels", 16, 32, 32, 2, 2, 0, "avg")
    # the d2l exercise: padding equal to the window (PyTorch refuses it, the formula does not)
    add("d2l", 3, 8, 8, (2, 2), (2, 2), (2, 2))
    add("d2l", 2, 7, 9, (3, 2), (2, 3), (3, 2), "avg")
    add("d2l", 4, 6, 6, (3, 3), (1, 1), (3, 3), "max")
    add("d2l", 1, 5, 4, (2, 3), (3, 2), (2, 3), "avg")
    for _ in range(6):
        (kh, kw), stride, pad = random_window(g, max_k=5)
        if g.rng.random() < 0.5:
            pad = (kh, kw)
        h, w = input_hw(g, (kh, kw), pad, max_hw=32)
        c = g.randint(1, 8)
        mode = g.choice(["max", "avg"])
        group = "d2l" if pad == (kh, kw) else "avg" if mode == "avg" else "padding" if pad != (0, 0) else "stride"
        add(group, c, h, w, form(kh, kw), stride, form(*pad), mode)
    return cases


def _community(c, h, w, pool_size, stride, padding, mode='max'):
    """The community answer: ((h - p_h)/s_h + 1)((w - p_w)/s_w + 1) p_h p_w: no padding, no c."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, padding)
    return ((h - kh) / sh + 1) * ((w - kw) / sw + 1) * (kh * kw)


def _with(**fixed):
    """The reference with some arguments fixed, whatever the call passes."""
    return T.with_arguments(pool_cost, lambda a: a.update(fixed))


def _no_floor(c, h, w, pool_size, stride, padding, mode='max'):
    """The output size as (h + 2 pad - p) / s: neither rounded down nor + 1."""
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    per_window = kh * kw - 1 if mode == 'max' else kh * kw
    return c * ((h + 2 * ph - kh) / sh) * ((w + 2 * pw - kw) / sw) * per_window


def _ceil(c, h, w, pool_size, stride, padding, mode='max'):
    (kh, kw), _, _ = window_args(pool_size, stride, padding)
    oh, ow = ceil_shape(h, w, pool_size, stride, padding)
    return c * oh * ow * (kh * kw - 1 if mode == 'max' else kh * kw)


# The titles of the property groups only this exercise has (course.messages.GROUP_TITLES, likewise).
GROUP_TITLES = {
    "d2l": Text("练习 3 的设置", "the d2l exercise setting"),
}


EXERCISE = Exercise(
    name="pool_cost", notebook="03_cost", position=2, points=2, forbid="pooling",
    contract=('→ operation count',
              "the notebook's own stated convention, checked against an instrumented count; also valid where PyTorch refuses the padding (the d2l exercise pads by the whole window)"),
    reference=pool_cost, cases=cases,
    groups={"basic": 2, "avg": 1, "stride": 1, "padding": 1, "batch_channels": 1, "d2l": 2},
    group_titles=GROUP_TITLES,
    mistakes=(
        Mistake("cost_padding_ignored", _community, "community", catches=("d2l",)),
        Mistake("cost_padding_ignored", _with(padding=0), catches=("d2l",)),
        Mistake("cost_no_channels", _with(c=1), catches=("basic",)),
        # p_h p_w operations per window in both modes; p_h p_w - 1 (the division forgotten)
        Mistake("cost_per_window", _with(mode="avg"), "window", catches=("avg",)),
        Mistake("cost_per_window", _with(mode="max"), "minus_one", catches=("avg",)),
        Mistake("output_size_formula", _no_floor),
        T.stride_default_one(pool_cost),
        T.stride_ignored(pool_cost),
        Mistake("ceil_mode", _ceil),                      # no edge group here
    ),
)
