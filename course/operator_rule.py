"""The operator rule in words: what the grader says of a violation, and how to fix it.

The rule itself is code in this package: the op recorder (``course/forbidden.py``)
and the static check of the answer cells (``course/source_rules/``). This module
is the one place for the sentences both of its users print:

* the grader (``autograder/pipeline/check_source.py`` for what the source names,
  ``autograder/grading/suites.py`` for what the recorder saw during the calls);
* ``course.check()``, in the student's kernel, before the grade.

So a student reads before the grade exactly what the grade would say, with a
fix (``FIX``). A review flag (a construct a person will look at) is worded as
the feedback page words it (``REVIEW_NOTE``): not a failure, the points stand.

Cell numbers: the grader's are the notebook's (1-based, every cell counted); a
place whose cell number is unknown is a line alone ("第 3 行 / line 3").
"""
from course.language import Text as T, render, say
from course.messages import message
from course.safe_text import student_text

# (zh, en) templates and sentences; rendered in the course's language (course.language) when used.
SENTENCES = {
    "pool": ("禁止使用汇聚算子 {key}（{where}）", "the pooling operator {key} is not allowed ({where_en})",
             "{zh}/ {en}"),
    "bonus": ("附加题只能用 F.conv2d、F.relu 和加减法，禁止使用 {key}（{where}）",
              "the bonus may use only F.conv2d, F.relu and arithmetic: {key} is not allowed ({where_en})",
              "{zh}/ {en}"),
}
REVIEW_SENTENCE = ("{key}（{where}）", "{key} ({where_en})", "{zh}/ {en}")
REVIEW_NOTE = T("这个答案将由老师复核", "This answer will be reviewed by a person")
REVIEW_POINTS = T("分数暂按运行结果给出", "The points below stand until then.")
REVIEW_POINTS_BEFORE = T("评分时分数照常按运行结果给出，由老师决定是否调整", "When graded, the points stand until a person decides.")
READ_BEFORE = T("评分程序在运行前读了答案单元格的源代码", "The grader read your answer cells before running them:")
NOT_RUN = T("这个函数没有运行，记 0 分", "This function was not run: 0 points.")
MAX_LISTED = 10            # sentences listed in a text; the rest are counted

# How to follow the rule of each exercise record's ``forbid``: what to compute with, and
# that constants (kernels, masks, index tensors) may be built with anything.
_FIX_ZH = {
    "pooling": "自己实现，不调用 torch 的汇聚算子（名字含 pool 的函数、模块和 aten 算子，"
               "如 F.max_pool2d、nn.MaxPool2d）；unfold、切片、循环、amax、sum 都可以",
    "pooling_require_conv": "用 F.conv2d 和一个固定的卷积核计算，不调用 torch 的汇聚算子"
                            "（名字含 pool 的函数、模块和 aten 算子）；卷积核怎么构造都可以",
    "conv_relu_only": "对 X 只用 F.conv2d、F.relu、+ 和 − 计算；常数卷积核随便怎么构造都行"
                      "（one_hot、eye、numpy、索引赋值、nn.Conv2d 模块）",
}
_FIX_EN = {
    "pooling": "implement it yourself: call none of torch's pooling operators (functions, modules or aten ops "
               "named *pool*, such as F.max_pool2d or nn.MaxPool2d); unfold, slicing, loops, amax and sum are fine",
    "pooling_require_conv": "compute with F.conv2d and a fixed kernel, calling none of torch's pooling operators "
                            "(functions, modules or aten ops named *pool*); build the kernel however you like",
    "conv_relu_only": "compute only with F.conv2d, F.relu, + and − on X; build constant kernels however you like "
                      "(one_hot, eye, numpy, index assignment, an nn.Conv2d module)",
}
FIX = {k: T("怎么改：" + _FIX_ZH[k], "How to fix: " + _FIX_EN[k],
            both=f"怎么改 / how to fix: {_FIX_ZH[k]}" + ("" if k == "conv_relu_only" else " ") + f"/ {_FIX_EN[k]}")
       for k in _FIX_ZH}


def place(cell, line):
    """(Chinese, English) of a place: ``cell`` is the notebook's cell number or None, ``line``
    the line in that cell (0: the whole cell)."""
    if line:
        return (f"单元格 {cell} 第 {line} 行" if cell else f"第 {line} 行",
                f"cell {cell}, line {line}" if cell else f"line {line}")
    return (f"单元格 {cell}", f"cell {cell}") if cell else ("", "")


def sentence(finding, cell):
    """The sentence for one ``course.source_rules.Finding`` found in notebook cell ``cell``
    (a number, or None where it is unknown)."""
    where, where_en = place(cell, finding.line)
    key = student_text(finding.key, 60)
    if finding.automatic:
        return _fill(SENTENCES[finding.category], key=key, where=where, where_en=where_en)
    construct = finding.construct
    key = construct if construct == finding.key else f"{construct}: {key}"
    return _fill(REVIEW_SENTENCE, key=key, where=where or "—", where_en=where_en or "—")


def _fill(template, **kw):
    """A ``(zh, en, both)`` template filled in and rendered in the course's language."""
    zh, en, both = template
    zh, en = zh.format(**kw), en.format(**kw)
    return say(zh, en, both=both.format(zh=zh, en=en))


def listed(sentences):
    """The sentences as an indented list, at most ``MAX_LISTED`` of them and a count of the rest."""
    out = "\n".join(f"  - {s}" for s in sentences[:MAX_LISTED])
    if len(sentences) > MAX_LISTED:
        n = len(sentences) - MAX_LISTED
        out += "\n  …" + say(f"（另有 {n} 处）", f"({n} more)", both=f"（另有 {n} 处 / {n} more）")
    return out


def rejected_message(sentences):
    """The one-line message (grades.csv) of a function the static check rejects."""
    more = len(sentences) - 1
    return sentences[0] + (say(f"（另有 {more} 处）", f" ({more} more)", both=f"（另有 {more} 处 / {more} more）")
                           if more > 0 else "")


def review_note(sentences, closing: T = REVIEW_POINTS):
    """The feedback's note for review findings: a person will look, the points stand (``closing``:
    the feedback page's line; check(), before the grade, says ``REVIEW_POINTS_BEFORE``)."""
    return "\n".join([f"{REVIEW_NOTE.render()}:", listed(sentences), render(closing)])


def static_misconception(policy):
    """The misconception of a function whose source names an operator its rule forbids."""
    return "conv_relu_only" if policy == "conv_relu_only" else "forbidden_op"


def recorder_misconception(policy, bad_ops):
    """The misconception of what the recorder saw (``forbidden.violations``), or None when
    the calls broke no rule: a missing convolution alone is ``conv_not_used``."""
    if not bad_ops:
        return None
    # Imported here, not at the top: the recorder imports torch, and the static check's users
    # (a grading run's parent, which may grade through a pool or Dask) need none of it.
    from course.forbidden import CONV
    if list(bad_ops) == ["missing:" + CONV]:
        return "conv_not_used"
    return static_misconception(policy)


def recorder_message(mid):
    """The one-line message (grades.csv) of a function the recorder caught: the catalogue's."""
    return message(mid)
