"""conv_relu_counts (02_as_convolution, optional): (layers, channels) of the conv + ReLU construction."""
import math

from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair
from course.language import Text


def conv_relu_counts(pool_size):
    """``(layers, channels)`` of the notebook's conv + ReLU construction of p_h x p_w max pooling.

    The construction (02_as_convolution, exercise 3c): the n = p_h * p_w window elements play a
    tournament of rounds. In a round each pair (a, b) becomes three channels relu(b), relu(-b),
    relu(a - b) (a signed value crosses a ReLU as relu(x) - relu(-x)); an odd element sits the
    round out as two channels relu(x), relu(-x). The next layer reads max(a, b) = b + relu(a - b)
    = relu(b) - relu(-b) + relu(a - b) linearly. The first convolution (p_h x p_w, stride = window)
    makes round 1's channels straight from the window; every further round is a 1x1 convolution
    + ReLU; a last linear 1x1 convolution (no ReLU) adds up the final pair.

    layers: the number of convolution layers (all but the last followed by a ReLU), that is
    ceil(log2 n) + 1; channels: the most channels any layer outputs, per input channel (round 1's:
    3 * (n // 2) + 2 * (n % 2)). A 1x1 window is one identity convolution: (1, 1).
    """
    kh, kw = pair(pool_size)
    n = kh * kw
    layers, channels = 1, 1
    while n > 1:
        channels = max(channels, 3 * (n // 2) + 2 * (n % 2))
        n = n // 2 + n % 2
        layers += 1
    return layers, channels


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
    kh, kw = pair(pool_size)
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
    kh, kw = pair(pool_size)
    return 1, kh * kw


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "counts_no_output_layer": (
        "层数少了一层：最后把 b 和 relu(a − b) 加起来的那个线性层也要算",
        "One layer short: the last linear layer that adds b and relu(a − b) counts too",
        Text("层数 = 比较的轮数 + 1",
             "layers = rounds of comparisons + 1")),
    "counts_rounds_not_ceiled": (
        "比较的轮数要向上取整：元素个数不是 2 的幂时，多出来的元素要轮空一轮",
        "Round the number of rounds up: when the count is not a power of 2, the odd element sits a round out",
        Text("轮数 = ⌈log₂(p_h·p_w)⌉",
             "rounds = ceil(log2(p_h * p_w))")),
    "counts_sign_not_carried": (
        "通道数少了：ReLU 会截掉负数，有符号的值要拆成 relu(x) 和 relu(−x) 两个通道",
        "Too few channels: ReLU clips negatives, so a signed value needs two channels, relu(x) and relu(−x)",
        Text("一对 (a, b) 要 3 个通道：relu(b)、relu(−b)、relu(a − b)；轮空的元素要 2 个",
             "A pair (a, b) needs 3 channels: relu(b), relu(−b), relu(a − b); a bye needs 2")),
    "counts_bye_dropped": (
        "元素个数为奇数时，轮空的那个元素也要占通道",
        "With an odd count, the element that sits a round out still needs channels",
        Text("轮空的元素 x 用 relu(x) 和 relu(−x) 两个通道带到下一轮",
             "carry the bye as relu(x), relu(−x)")),
    "counts_total_channels": (
        "通道数应当是最宽的那一层的通道数，而不是所有层的总和",
        "The channel count is the widest layer's, not the sum over all layers",
        Text("返回 (层数, 最多的通道数)",
             "return (layers, the most channels any layer has)")),
}


# The titles of the property groups only this exercise has (course.messages.GROUP_TITLES, likewise).
GROUP_TITLES = {
    "larger": Text("更大的窗口", "larger windows"),
    "rectangles": Text("长方形窗口", "rectangular windows"),
}


EXERCISE = Exercise(
    name="conv_relu_counts", notebook="02_as_convolution", position=4, points=1, optional=True, forbid="pooling",
    contract=("→ `(layers, channels)` of `max_pool_conv_relu`'s construction",
              "the notebook's construction: `ceil(log2(p_h·p_w)) + 1` layers, the most channels a layer outputs"),
    reference=conv_relu_counts, cases=cases,
    groups={"basic": 2, "larger": 1, "rectangles": 1, "edge": 1},
    messages=MESSAGES, group_titles=GROUP_TITLES,
    mistakes=(
        Mistake("counts_no_output_layer", _counting(output_layer=False), catches=("basic",)),
        Mistake("counts_rounds_not_ceiled", _counting(ceil_rounds=False), catches=("larger",)),
        Mistake("counts_sign_not_carried", _counting(per_pair=2, per_bye=1), catches=("basic",)),
        Mistake("counts_bye_dropped", _counting(per_bye=0), catches=("larger",)),
        Mistake("counts_total_channels", _counting(total=True), catches=("basic",)),
        Mistake("one_conv_relu", _one_conv_relu),
    ),
)
