"""A graded function's one-line message (grades.csv's ``message``), from its typed result alone.

The grader writes each row's message in the language of its run (or of its edition); the report
and the exports may be read in another (issue #25). What a message says is fully typed in the
function's result -- its status, the faults named (ids of ``course.messages.CATALOG`` or the
operator rule's) and the property groups that failed -- so the same function renders it again in
any language. No student text goes into it. Light: ``course`` only.
"""
from typing import Optional

from course import messages, operator_rule
from course.language import LANGUAGES, Text, say

# Misconceptions that come from the operator policy, not from wrong values.
OP_MISCONCEPTIONS = ("forbidden_op", "conv_not_used", "conv_relu_only")

# The kit's fixed messages for a row no suite graded: a row holding one of them (in any language)
# is rendered again as well. Every such fixed message is declared here, where the pipeline takes it.
NOT_SUBMITTED = Text("未提交", "notebook not submitted")
UNKNOWN_TEST = Text("未知的测试单元，未评分", "unknown test cell, not graded")
FIXED_MESSAGES = (NOT_SUBMITTED, UNKNOWN_TEST)


def fixed_message(message: str) -> Optional[str]:
    """``message`` in the current language when it is one of :data:`FIXED_MESSAGES` as rendered in
    any language (the whole message, exactly); else None."""
    for fixed in FIXED_MESSAGES:
        if any(message == fixed.render(language) for language in LANGUAGES):
            return fixed.render()
    return None


def function_message(status, mids, failed) -> str:
    """A graded function's one-line message, in the current language, from its typed result alone:
    ``status`` ("passed", "failed", "timeout", ...), ``mids`` (the faults named, primary first: ids
    of ``course.messages.CATALOG`` or the operator rule's) and ``failed`` (the property groups that
    failed). No student text goes in, so a report can render it again in another language."""
    mid = mids[0] if mids else None
    if mid in OP_MISCONCEPTIONS:
        return operator_rule.recorder_message(mid)
    if status == "passed":
        return say("全部通过", "all checks passed")
    if len(mids) > 1:          # every fault, briefly, most telling first
        return (say(f"{len(mids)} 处错误", f"{len(mids)} faults") + ": "
                + "; ".join(messages.brief(m) for m in mids if m in messages.CATALOG))
    return messages.message(mid) if mid else say(f"{len(failed)} 个性质组未通过", f"{len(failed)} property groups failed")
