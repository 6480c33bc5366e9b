"""The words a student reads: the misconception catalog (id -> Chinese, English, hint)
and the property groups' titles.

Data only, shared by ``course.check`` (public cases) and the hidden grader
(``autograder.grading.suites``), so both say exactly the same thing. Every sentence is
stored once with both languages (Chinese, English; a hint is a ``course.language.Text``)
and rendered in the course's language (``course.language``: "zh+en", "en" or "zh") by
the functions below, when it is shown.

The misconceptions only one exercise's mistakes name, and the titles of the property groups only
one exercise has, are written in that exercise's record (``autograder/exercises/<name>.py``, its
``MESSAGES`` and ``GROUP_TITLES``); ``autograder.grading.make_public_cases`` copies them into
``exercise_messages.json`` beside this module, and ``CATALOG`` and ``GROUP_TITLES`` have them from there.
"""
import json
import pathlib

from course.language import Text as T, say

EXERCISE_MESSAGES = pathlib.Path(__file__).with_name("exercise_messages.json")

# ---------------------------------------------------------------------------
# Message catalog: misconception id -> (zh, en, one-line hint).
# ---------------------------------------------------------------------------

CATALOG = {
    # general
    "not_implemented": (
        "函数尚未实现",
        "The function is not implemented yet",
        T("删掉 raise NotImplementedError，写出函数体",
          "Replace `raise NotImplementedError` with your code")),
    "raises": (
        "函数在某些输入上抛出了异常",
        "The function raised an exception on some inputs",
        T("看看报错信息，检查该用例的形状和参数",
          "Read the error and check that case's shapes and arguments")),
    "timeout": (
        "函数运行超时",
        "The function took too long",
        T("窗口很小，输入也很小；检查是否有死循环",
          "Inputs are small: look for an endless loop")),
    "forbidden_op": (
        "使用了被禁止的汇聚算子",
        "Used a forbidden pooling operator",
        T("本题要求自己实现：不能调用 torch 的汇聚函数（F.max_pool2d、nn.MaxPool2d 等）",
          "Implement it yourself: torch's pooling operators are not allowed here")),
    "conv_not_used": (
        "没有使用卷积 F.conv2d",
        "F.conv2d is never called",
        T("本题要求用固定卷积核的 F.conv2d 实现",
          "This exercise asks for an F.conv2d with a fixed kernel")),
    "tampering": (
        "篡改评分或绕过算子限制",
        "Tampering with the grading or evading the operator rules",
        T("答案单元格里不能用线程、进程、帧或 gc 自省、torch 内部接口，也不能在运行时计算名字",
          "Answer cells may not use threads, processes, frame or gc introspection, torch internals, or names computed at run time")),
    "conv_relu_only": (
        "使用了卷积、ReLU 和算术以外的算子",
        "Used an operator other than convolution, ReLU and arithmetic",
        T("提示：max(a, b) = relu(a − b) + b",
          "Hint: max(a, b) = relu(a − b) + b")),
    "wrong_signature": (
        "函数的参数和题目要求的不一样：题目传入的参数它不接受",
        "The function's parameters differ from the exercise's: it refuses arguments the exercise passes",
        T("照着题目写函数头的参数，例如附加题是 max_pool_conv_relu(X, pool_size=2)",
          "Take the parameters from the exercise, e.g. the bonus is max_pool_conv_relu(X, pool_size=2)")),
    "wrong_type": (
        "返回值的类型不对",
        "The return value has the wrong type",
        T("返回一个 torch.Tensor（形状计算题返回整数）",
          "Return a torch.Tensor (ints for the shape/cost questions)")),
    "wrong_values": (
        "几乎每个用例的数值都不对，基本用例也不对：先检查核心的计算",
        "Wrong values on nearly every case, the basic ones too: check the core computation first",
        T("把上面显示的用例手算一遍，和你的输出逐个元素对照",
          "Work the case shown above by hand and compare it with your output element by element")),
    "wrong_shape": (
        "输出形状不对",
        "The output has the wrong shape",
        T("输出高 = ⌊(h + 2·pad_h − p_h)/s_h⌋ + 1",
          "out_h = floor((h + 2·pad_h − p_h)/s_h) + 1")),
    "dtype_not_kept": (
        "输出的 dtype 与输入不一致",
        "The output dtype differs from the input's",
        T("用 torch.zeros(..., dtype=X.dtype) 或 X.new_zeros(...) 创建输出",
          "Create the output with dtype=X.dtype or X.new_zeros")),
    "nonfinite": (
        "输出中出现了 NaN 或 inf，而正确结果是有限的",
        "The output has NaN or inf where the correct result is finite",
        T("检查除以零、溢出和 −∞ 填充是否泄漏到结果中",
          "Look for division by zero, overflow, or −inf padding leaking out")),
    "mode_not_validated": (
        "mode 不是 'max' 或 'avg' 时应当抛出 ValueError",
        "An unknown mode must raise ValueError",
        T("在函数开头、循环之前检查 mode：不是 'max' 或 'avg' 就 raise ValueError(...)",
          "Check mode first, before any loop: raise ValueError for anything but 'max' or 'avg'")),
    # padding, stride, layout
    "max_zero_padding": (
        "最大汇聚的填充应当用 −∞，而不是 0",
        "Max-pool padding must be −∞, not 0",
        T("全为负数的输入上，0 填充会“赢”；用 F.pad(..., value=-inf)",
          "With all-negative inputs a 0 pad wins: pad with -inf")),
    "avg_exclude_pad": (
        "平均汇聚应当把填充的 0 计入分母（count_include_pad=True）",
        "Average pooling must count the padded zeros (count_include_pad=True)",
        T("每个窗口都除以 p_h·p_w，包括边缘的窗口",
          "Divide every window by p_h·p_w, edge windows included")),
    "stride_ignored": (
        "步幅被忽略了：输出就是步幅为 1 时的结果",
        "The stride is ignored: the output is the stride-1 result",
        T("把 stride 传下去（F.conv2d(..., stride=...)，或循环里第 i 个窗口从 i * s_h 开始）；stride=None 表示等于窗口",
          "Pass the stride on (F.conv2d(..., stride=...), or window i starting at i * s_h); stride=None means the window")),
    "stride_default_one": (
        "stride=None 表示步幅等于窗口大小，而不是 1",
        "stride=None means stride = window size, not 1",
        T("先写 if stride is None: stride = pool_size",
          "start with: if stride is None: stride = pool_size",
          both="先写 / start with: if stride is None: stride = pool_size")),
    "one_sided_padding": (
        "填充是每一侧的：上下左右各填 padding 行/列",
        "Padding is per side: `padding` rows/columns on each side",
        T("F.pad(X, (pad_w, pad_w, pad_h, pad_h)) 而不是只填一侧",
          "F.pad(X, (pad_w, pad_w, pad_h, pad_h)): pad both sides, not one",
          both="F.pad(X, (pad_w, pad_w, pad_h, pad_h)) 而不是只填一侧 / pad both sides, not one")),
    "channels_mixed": (
        "不同通道（或样本）被混在了一起；汇聚应当在每个通道上单独进行",
        "Channels (or samples) got mixed; pooling works on each channel separately",
        T("卷积核应为 (C, 1, p_h, p_w) 并设 groups=C，或先 reshape 成 (N·C, 1, H, W)",
          "Use a (C, 1, p_h, p_w) kernel with groups=C, or reshape to (N·C, 1, H, W)")),
    "hw_swapped": (
        "高和宽弄反了（窗口、步幅或填充的 (h, w) 顺序）",
        "Height and width are swapped (window, stride or padding)",
        T("pool_size=(p_h, p_w)：第一个数对应高（行）",
          "pool_size=(p_h, p_w): the first number is the height (rows)",
          both="pool_size=(p_h, p_w)：第一个数对应高（行） / The first number is the height (rows)")),
    "ceil_mode": (
        "输出大小应当向下取整（ceil_mode=False）",
        "The output size rounds down (ceil_mode=False)",
        T("最后一个不完整的窗口不算",
          "An incomplete last window is dropped")),
    "shape_off_by_one": (
        "输出大小差了一（少了 + 1 或多算了一个窗口）",
        "The output size is off by one",
        T("窗口个数 = ⌊(h + 2·pad_h − p_h)/s_h⌋ + 1",
          "number of windows = floor((h + 2·pad_h − p_h)/s_h) + 1")),
    "avg_as_sum": (
        "平均汇聚忘了除以窗口大小",
        "Average pooling forgot to divide by the window size",
        T("平均值 = 和 / (p_h·p_w)",
          "mean = sum / (p_h·p_w)")),
    # min pooling
    "one_conv_relu": (
        "一个卷积加一个 ReLU 算不出最大值：ReLU 之前是仿射的，ReLU 之后不会有负数",
        "One convolution and one ReLU cannot compute a maximum: before the ReLU it is affine, after it nothing is negative",
        T("ReLU 之前的卷积是仿射的（见上面的论证）；要逐层比较 max(a, b) = b + relu(a − b)，最后一层不加 ReLU",
          "The conv before the ReLU is affine (see the argument above): compare in rounds with max(a, b) = b + relu(a − b), and end without a ReLU")),
    # windows and settings: what separates the failing cases from the passing ones
    "windows_not_gathered": (
        "没有把每个窗口取出来：softmax 和加权求和要在每个窗口内部做，而不是在整张图上",
        "The windows are never gathered: the softmax and the weighted sum must run inside each window, not over the whole plane",
        T("先把窗口排成最后一维：X.unfold(2, p_h, s_h).unfold(3, p_w, s_w)",
          "Put each window in the last dims first: X.unfold(2, p_h, s_h).unfold(3, p_w, s_w)")),
    "fails_with_channels": (
        "只对一个通道正确，多个通道时出错：卷积把通道混在了一起，或者代码假设了 C = 1",
        "Works for one channel, fails for several: the convolution mixes the channels or the code assumes C = 1",
        T("卷积核用 (C, 1, p_h, p_w) 并设 groups=C，或 reshape 成 (N·C, 1, H, W)；不要写死通道数",
          "Use a (C, 1, p_h, p_w) kernel with groups=C, or reshape to (N·C, 1, H, W); never hard-code C")),
    "fails_with_batch": (
        "只对一个样本正确，多个样本时出错：代码假设了 N = 1",
        "Works for one sample, fails for a batch: the code assumes N = 1",
        T("形状从 X.shape 读出来，reshape 时保留第 0 维",
          "Read the sizes from X.shape; keep dim 0 when reshaping")),
    "fails_with_padding": (
        "没有填充时正确，有填充时出错：填充被忽略了，或者填错了",
        "Works without padding, fails with it: the padding is ignored or done wrong",
        T("每一侧各填 padding 行/列：F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=...) 或 F.conv2d(..., padding=padding)",
          "Pad each side: F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=...) or F.conv2d(..., padding=padding)")),
    "fails_with_stride": (
        "步幅为 1 时正确，其他步幅时出错：步幅没有用对",
        "Works with stride 1, fails with other strides: the stride is not used right",
        T("把 stride 传下去（F.conv2d(..., stride=...)，或循环里用 i * s_h）；stride=None 表示等于窗口",
          "Pass the stride on (F.conv2d(..., stride=...), or i * s_h in loops); stride=None means the window")),
    "fails_unless_stride_is_window": (
        "步幅等于窗口时正确，否则出错：步幅被当成了窗口大小",
        "Works only when the stride equals the window: the stride is taken to be the window",
        T("用传进来的 stride；只有 stride=None 时才等于窗口",
          "Use the stride given; only stride=None means the window")),
    "fails_with_overlap": (
        "窗口不重叠时正确，重叠时出错",
        "Works for non-overlapping windows, fails when they overlap",
        T("重叠的位置会被几个窗口用到：梯度要累加 (+=)",
          "Overlapping positions get gradient from several windows: add up")),
    "fails_with_int_size": (
        "pool_size 是整数时出错：整数 p 表示 p×p 的窗口",
        "Fails when pool_size is an int: an int p means a p×p window",
        T("先统一成二元组：p_h, p_w = (p, p) if isinstance(p, int) else p",
          "normalise first: p_h, p_w = (p, p) if isinstance(p, int) else p",
          both="先统一成二元组 / normalise first: p_h, p_w = (p, p) if isinstance(p, int) else p")),
    "fails_with_rectangles": (
        "正方形时正确，长方形（高 ≠ 宽）时出错：高和宽在某处弄混了",
        "Works for squares, fails for rectangles (height ≠ width): height and width get mixed up somewhere",
        T("第一个数是高（行），第二个是宽（列）；F.pad 的顺序是 (左, 右, 上, 下)",
          "The first number is the height (rows); F.pad takes (left, right, top, bottom)")),
    "fails_with_big_window": (
        "2×2 窗口正确，更大的窗口出错：某处写死了 2×2",
        "Works for 2×2 windows, fails for larger ones: 2×2 is hard-coded somewhere",
        T("k×k 窗口有 k² 个元素，比较的轮数是 ⌈log₂ k²⌉",
          "A k×k window has k² elements: ceil(log2 k²) rounds")),
    "fails_with_dtype": (
        "float32 正确，float64 出错：中间张量（卷积核、输出）的 dtype 没有跟随输入",
        "Works for float32, fails for float64: an intermediate tensor (kernel, output) does not follow the input's dtype",
        T("用 dtype=X.dtype 创建卷积核和输出",
          "Create kernels and outputs with dtype=X.dtype")),
    "fails_with_noncontiguous": (
        "连续的张量正确，非连续的视图出错：.view() 要求张量连续",
        "Works on contiguous tensors, fails on a non-contiguous view: .view() needs contiguity",
        T("用 .reshape() 代替 .view()",
          "Use .reshape() instead of .view()")),
    "fails_with_avg": (
        "最大模式正确，平均模式出错",
        "Works in max mode, fails in avg mode",
        T("平均 = 窗口之和 / (p_h·p_w)；填充的 0 也计入分母",
          "mean = window sum / (p_h·p_w), padded zeros included")),
    "fails_with_max": (
        "平均模式正确，最大模式出错",
        "Works in avg mode, fails in max mode",
        T("每个窗口取最大值；有填充时，填充的位置永远不能被选中（不能用 0 填充）",
          "Take each window's maximum; with padding, a padded position must never win (not a 0 pad)")),
    "fails_with_temperature": (
        "温度为 1 时正确，其他温度出错",
        "Works at temperature 1, fails at other temperatures",
        T("权重是 softmax(x / T)，加权的是 x 本身",
          "The weights are softmax(x / T) and multiply x itself")),
    "fails_with_large_values": (
        "小的输入正确，大的输入或低温度时出错：数值溢出了",
        "Works on small inputs, fails on large ones or at low temperature: overflow",
        T("先减去窗口最大值再求 exp",
          "subtract the window maximum before exp")),
    # softmax pooling
    # backward
    "backward_overwrite": (
        "窗口重叠时梯度应当累加（+=），而不是覆盖（=）",
        "Where windows overlap, gradients add up (+=), not overwrite (=)",
        T("用 += 累加",
          "accumulate with +=: dX[..., i:i+p_h, j:j+p_w] += ...")),
    "grad_out_ignored": (
        "忘了乘上游梯度 grad_out",
        "grad_out (the upstream gradient) is ignored",
        T("链式法则：dX = Σ grad_out · ∂Y/∂X",
          "chain rule: dX = Σ grad_out · ∂Y/∂X",
          both="链式法则：dX = Σ grad_out · ∂Y/∂X / chain rule")),
    # cost
    "cost_padding_ignored": (
        "计算量忽略了填充（或步幅）",
        "The cost ignores the padding (or the stride)",
        T("先用 ⌊(h + 2·pad_h − p_h)/s_h⌋ + 1 算输出大小",
          "Start from the output size with padding")),
    "cost_no_channels": (
        "计算量忘了乘通道数 c",
        "The cost forgets the c channels",
        T("每个通道单独汇聚",
          "Each channel is pooled separately")),
    "output_size_formula": (
        "输出大小算错了：要先向下取整，再加 1",
        "The output size is wrong: round down, then add 1",
        T("out_h = ⌊(h + 2·pad_h − p_h)/s_h⌋ + 1，用整数除法 //",
          "out_h = (h + 2*pad_h - p_h) // s_h + 1")),
    "true_division": (
        "用了真除法（/）：窗口个数是整数，要向下取整",
        "True division (/): the number of windows is an integer, rounded down",
        T("用整数除法 //：(h + 2·pad_h − p_h) // s_h + 1",
          "Use floor division: (h + 2*pad_h - p_h) // s_h + 1")),
    "padding_ignored": (
        "输出大小没有算上填充",
        "The output size leaves the padding out",
        T("上下各 pad_h 行：h + 2·pad_h",
          "pad_h rows on each side: h + 2·pad_h")),
    "cost_counts_inputs": (
        "数的是输入的元素，而不是窗口（输出的元素）：每个输出元素才对应一次窗口运算",
        "Counts the input's elements instead of the windows (the output's elements): one window per output element",
        T("先算输出大小 out_h·out_w，再乘每个窗口的运算次数",
          "Start from out_h·out_w, then times the operations per window")),
    "cost_per_window": (
        "每个窗口的运算次数不对",
        "Wrong number of operations per window",
        T("本讲义约定：最大 p_h·p_w − 1 次比较；平均 p_h·p_w − 1 次加法 + 1 次除法",
          "Convention: max p_h·p_w − 1 comparisons; avg p_h·p_w − 1 additions + 1 division")),
}


def read_exercise_messages(path=EXERCISE_MESSAGES, groups=False) -> dict:
    """The records' own misconceptions, as ``make_public_cases`` wrote them: id -> (zh, en, hint);
    with ``groups``, the records' own property-group titles: name -> Text. Empty before that file is
    first written (``make_public_cases`` imports this module to write it; the tests check that the
    file is current and that the wheel has it)."""
    path = pathlib.Path(path)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if groups:
        return {name: T(zh, en, both=both) for name, (zh, en, both) in data.get("groups", {}).items()}
    return {mid: (zh, en, T(hint_zh, hint_en, both=hint_both))
            for mid, (zh, en, hint_zh, hint_en, hint_both) in data.get("misconceptions", {}).items()}


GENERAL = frozenset(CATALOG)      # the ids written here; the records' own come next
CATALOG.update(read_exercise_messages())


def message(mid, language=None):
    """The one-line message for a misconception id (``'zh / en'`` in the default language)."""
    zh, en, _ = CATALOG[mid]
    return say(zh, en, language=language)


def brief(mid, language=None):
    """A short name of a misconception: each message's first clause."""
    zh, en, _ = CATALOG[mid]
    return say(zh.split('：')[0].split('，')[0], en.split(':')[0].split(';')[0], language=language)


def hint(mid, language=None):
    """The one-line hint for a misconception id."""
    return CATALOG[mid][2].render(language)



def misconception_text(mid, language=None):
    """The named mistake(s) and hint(s): one id, or a list of ids (every independent fault)."""
    mids = [m for m in ([mid] if isinstance(mid, str) or mid is None else list(mid)) if m in CATALOG]
    if not mids:
        return ""
    likely, hint_label = say("可能的错误", "likely mistake", language=language), say("提示", "hint", language=language)
    if len(mids) == 1:
        return f"{likely}: {message(mids[0], language)}\n{hint_label}: {hint(mids[0], language)}"
    n = len(mids)
    lines = [say(f"可能的错误（{n} 处）", f"likely mistakes ({n})", both=f"可能的错误（{n} 处）/ likely mistakes ({n})",
                 language=language) + ":"]
    for i, m in enumerate(mids, 1):
        lines.append(f"  {i}. {message(m, language)}\n     {hint_label}: {hint(m, language)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Property groups: names shown to students.
# ---------------------------------------------------------------------------

GROUP_TITLES = {
    "basic": T("基本用例", "basic"),
    "avg": T("平均模式", "avg mode"),
    "mode": T("mode 参数", "mode argument"),
    "shapes": T("窗口形状", "window shapes"),
    "padding": T("填充", "padding"),
    "stride": T("步幅", "stride"),
    "batch_channels": T("多样本、多通道", "batch and channels"),
    "dtype": T("数据类型", "dtype"),
    "noncontiguous": T("非连续输入", "non-contiguous input"),
    "edge": T("边界情况", "edge cases"),
    "overlap": T("重叠窗口", "overlapping windows"),
}


GENERAL_GROUPS = frozenset(GROUP_TITLES)   # the titles written here; the records' own come next
GROUP_TITLES.update(read_exercise_messages(groups=True))


def group_title(name, language=None):
    """The title shown for property group ``name`` (the name itself when it has none)."""
    title = GROUP_TITLES.get(name)
    return name if title is None else title.render(language)
