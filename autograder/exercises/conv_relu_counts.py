"""conv_relu_counts (02_as_convolution, optional): (layers, channels) of the conv + ReLU construction."""
import math

from autograder import references as R
from autograder.exercises.record import Case, Exercise, Mistake


def cases(g):
    cases = []

    def add(group, k):
        cases.append(Case(group, (k,), {}))

    add("basic", 2)
    add("basic", 3)
    add("basic", (2, 2))
    add("basic", (3, 3))
    add("larger", 4)
    add("larger", 5)
    add("larger", 6)
    add("rectangles", (2, 3))
    add("rectangles", (1, 4))
    add("rectangles", (3, 5))
    add("rectangles", (1, 2))
    add("edge", 1)
    add("edge", (1, 1))
    add("edge", 8)
    for _ in range(3):
        kh, kw = g.randint(1, 7), g.randint(1, 7)
        add("rectangles" if kh != kw else "larger" if kh > 3 else "basic", kh if kh == kw else (kh, kw))
    return cases


def _counts(pool_size, *, output_layer=True, ceil_rounds=True, per_pair=3, per_bye=2, total=False):
    """The reference's tournament with one of its rules changed."""
    kh, kw = R.pair(pool_size)
    n = kh * kw
    widths = []
    if ceil_rounds:
        while n > 1:
            widths.append(per_pair * (n // 2) + per_bye * (n % 2))
            n = n // 2 + n % 2
    else:
        for _ in range(int(math.floor(math.log2(n))) if n > 1 else 0):
            widths.append(per_pair * (n // 2) + per_bye * (n % 2))
            n = n // 2 + n % 2
    layers = len(widths) + (1 if output_layer else 0)
    channels = (sum(widths) + 1) if total else max(widths + [1])
    return layers, channels


def _counting(**rule):
    def wrong(pool_size):
        return _counts(pool_size, **rule)
    return wrong


def _one_conv_relu(pool_size):
    """"One convolution and a ReLU do it": one layer, one channel per window element."""
    kh, kw = R.pair(pool_size)
    return 1, kh * kw


EXERCISE = Exercise(
    name="conv_relu_counts", notebook="02_as_convolution", points=1, forbid="pooling",
    reference=R.conv_relu_counts, cases=cases,
    groups={"basic": 2, "larger": 1, "rectangles": 1, "edge": 1},
    mistakes=(
        Mistake("counts_no_output_layer", _counting(output_layer=False), catches=("basic",)),
        Mistake("counts_rounds_not_ceiled", _counting(ceil_rounds=False), catches=("larger",)),
        Mistake("counts_sign_not_carried", _counting(per_pair=2, per_bye=1), catches=("basic",)),
        Mistake("counts_bye_dropped", _counting(per_bye=0), catches=("larger",)),
        Mistake("counts_total_channels", _counting(total=True), catches=("basic",)),
        Mistake("one_conv_relu", _one_conv_relu),
    ),
)
