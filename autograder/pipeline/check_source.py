"""Step 2c: the operator ban, checked by the trusted parent in the answer cells' source.

The op recorder runs inside the untrusted child, so alone it is advisory: a
second thread, a frame walk or torch's dispatch internals can blind it. Here
the parent reads the cells with ``ast`` (``autograder.source_rules``; nothing
is run) and a function whose code tampers, computes names at run time, or
names an operator its rule forbids gets 0 points, status ``failed``,
misconception ``tampering`` (or ``forbidden_op`` / ``conv_relu_only``, as the
recorder would say), a message naming the construct and its line, and flags
``tampering:<what>`` / ``forbidden_op:<what>`` for the report. Such a
function is not called at all.
"""
import os
import re

from autograder import functions
from autograder.pipeline.find_answers import label_cell, label_functions
from autograder.source_rules import Finding, Notebook
from course.messages import misconception_text
from course.safe_text import student_text

MAX_FLAGS = 8              # a flags cell stays short, whatever the code
MAX_LISTED = 10            # findings listed in the feedback text

_SENTENCES = {
    "tampering": "禁止使用 {key}（{where}）/ {key} is not allowed ({where_en})",
    "dynamic": "禁止在运行时计算名字或代码：{key}（{where}）/ names or code computed at run time are not "
               "allowed: {key} ({where_en})",
    "pool": "禁止使用汇聚算子 {key}（{where}）/ the pooling operator {key} is not allowed ({where_en})",
    "bonus": "附加题只能用 F.conv2d、F.relu 和加减法，禁止使用 {key}（{where}）/ the bonus may use only "
             "F.conv2d, F.relu and arithmetic: {key} is not allowed ({where_en})",
}
_ORDER = {"tampering": 0, "dynamic": 1, "pool": 2, "bonus": 3}


def flag_of(finding):
    """``tampering:threading``, ``forbidden_op:F.max_pool2d``: no separators, short."""
    key = re.sub(r"[^\w.]+", "_", finding.key).strip("_")[:40] or "code"
    return f"{finding.kind}:{key}"


CHECK_ERROR = "source_check_error"


class CheckSource:
    """``check(cells, names) -> ({function: [Finding]}, labels)``, only functions with findings.

    ``error`` is set when the checker itself failed on these cells (a bug, not the
    student's doing): then nothing is rejected, the recorder alone judges, and the
    rows carry the flag ``source_check_error`` for a person to look at.
    """

    error = None
    # Off only to test the other layers alone (the child's jail, the recorder, the protocol).
    enabled = os.environ.get("AUTOGRADER_SOURCE_CHECK", "on") != "off"

    def check(self, cells, names):
        labels = [label for label, _code in cells]
        if not self.enabled:
            return {}, labels
        try:
            return self._check(cells, names, labels), labels
        except (RecursionError, MemoryError):          # code built to exhaust the checker: not trusted
            deep = [Finding(0, 0, "tampering", "code too deeply nested to check")]
            return {n: deep for n in names if n in functions.BY_NAME}, labels
        except Exception as e:                         # a checker bug: never cost an honest student points
            self.error = f"{type(e).__name__}: {e}"[:200]
            return {}, labels

    def _check(self, cells, names, labels):
        nb = Notebook(cells)
        out = {}
        for name in names:
            spec = functions.BY_NAME.get(name)
            if spec is None:
                continue
            own = tuple(i for i, label in enumerate(labels) if name in label_functions(label))
            found = nb.findings(name, spec.forbid, own)
            if found:
                out[name] = sorted(found, key=lambda f: (_ORDER[f.category], f.cell, f.line, f.key))
        return out

    def sentence(self, finding, labels):
        n = label_cell(labels[finding.cell]) if finding.cell < len(labels) else None
        key = student_text(finding.key, 60)
        if finding.line:
            where = f"单元格 {n} 第 {finding.line} 行" if n else f"第 {finding.line} 行"
            where_en = f"cell {n}, line {finding.line}" if n else f"line {finding.line}"
        else:
            where, where_en = (f"单元格 {n}", f"cell {n}") if n else ("", "")
        return _SENTENCES[finding.category].format(key=key, where=where, where_en=where_en)

    def row_fields(self, name, findings, labels, max_points):
        """The grades row fields (and the suite-like result) for a function the check rejected."""
        from autograder.suites import GROUPS, FunctionResult, GroupResult
        spec = functions.BY_NAME[name]
        if any(f.kind == "tampering" for f in findings):
            mid = "tampering"
        else:
            mid = "conv_relu_only" if spec.forbid == "conv_relu_only" else "forbidden_op"
        lines = [self.sentence(f, labels) for f in findings]
        more = len(lines) - 1
        message = lines[0] + (f"（另有 {more} 处 / {more} more）" if more > 0 else "")
        listed = "\n".join(f"  - {s}" for s in lines[:MAX_LISTED])
        if len(lines) > MAX_LISTED:
            listed += f"\n  …（另有 {len(lines) - MAX_LISTED} 处 / {len(lines) - MAX_LISTED} more）"
        feedback = "\n".join([
            f"{name}: 0 / {max_points:g}",
            "评分程序在运行前读了答案单元格的源代码 / The grader read your answer cells before running them:",
            listed,
            "这个函数没有运行，记 0 分 / This function was not run: 0 points.",
            misconception_text(mid)])
        groups = [GroupResult(g, w, False, 0, 0) for g, w in GROUPS[name].items()]
        result = FunctionResult(name, 0.0, float(max_points), 0.0, "failed", message, feedback, mid, groups)
        flags = sorted({flag_of(f) for f in findings})[:MAX_FLAGS]
        return {"points": 0.0, "status": "failed", "message": message, "misconception": mid,
                "groups_failed": ";".join(result.groups_failed), "feedback": feedback,
                "result": result.to_dict(), "flags": ";".join(flags)}
