"""``check(fn)``: the public self-check students run in each test cell.

Runs the small public cases of ``course/public_cases.json`` (inputs, expected
outputs, and the outputs of known wrong implementations, so a recognised
mistake can be named without shipping any solution or mistake code), then
shows each property group, the smallest failing case and a hint.

Before the values, the operator rule, as the grader applies it and in its
words (``course.operator_rule``): the static check of the answer cells
(``course.source_rules`` on the cells the kernel ran, ``course.answer_source``)
and the op recorder during the public calls (``course.forbidden``). A function
the grader would give 0 for the rule is never shown ✓: it is ✗ with the
grader's message and a fix. A construct a person will review is shown as the
feedback page shows it (``⚠``, not a failure); so is a function whose source
cannot be found (the rule is then unchecked, never claimed).

What a failing check does after showing its report depends on where it runs:

* in a Jupyter kernel (the student's notebook) it writes one short line to
  stderr and returns: Run All goes on to the later figures and exercises, no
  traceback repeats the report, and ``nbgrader validate`` still counts the
  test cell as failed (nbgrader fails a grade cell with stderr output);
* outside a kernel (a script, pytest) it raises ``AssertionError`` (an
  untouched stub: ``NotImplementedError``), so a script stops;
* in report-only mode (``check(fn, report_only=True)``; by default, where the
  hidden part of the test cell put the grader's ``grade`` beside the check,
  because there the hidden grade decides the points) it only shows the report.

``attempt()`` is the guard for the notebooks' demo cells that call the
student's functions: an unfinished or failing function prints one line and
the run goes on.
"""
import contextlib
from dataclasses import dataclass
import inspect
import io
import sys
import warnings

from course import forbidden, operator_rule
from course.answer_source import rule_source
from course.compare import compare
from course.describe import format_failure
from course.feedback import GroupLine, format_report, html_report
from course.language import say
from course.messages import group_title, hint, message, misconception_text
from course.picture import case_picture
from course.public_cases import notebook_functions, public_data, rule_of
from course.safe_text import student_text
from course.diagnose import RAISES, Outcome, diagnose, matches
from course.run_cases import Returned, private_copy, run_cases
from course.values import from_json


# ---------------------------------------------------------------------------
# Public cases (their values in the kit's one encoding, course.values)
# ---------------------------------------------------------------------------

@dataclass
class PublicCase:
    """One public case, as ``course/public_cases.json`` holds it."""
    group: str
    args: tuple
    kwargs: dict
    expected: object             # the reference's output (None where the case must raise)
    expect_error: str = None
    scale: float = 1.0
    size: int = 0
    mistakes: list = ()          # outputs of known wrong implementations: [(key, value or RAISES)]


def public_cases(name):
    """The public cases of function ``name``, decoded (``course.values``)."""
    out = []
    for c in public_data()["functions"].get(name, []):
        out.append(PublicCase(
            group=c["group"],
            args=tuple(from_json(a) for a in c["args"]),
            kwargs={k: from_json(v) for k, v in c["kwargs"].items()},
            expected=None if c["expected"] is None else from_json(c["expected"]),
            expect_error=c.get("expect_error"),
            scale=c.get("scale", 1.0),
            size=c.get("size", 0),
            mistakes=[(m["id"], RAISES if m.get("raises") else from_json(m["value"])) for m in c.get("mistakes", [])],
        ))
    return out


# ---------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------

class Report:
    """A check() or grade() report: HTML in Jupyter (with the failing case drawn beside
    the text when there is one), plain text elsewhere."""

    def __init__(self, text, passed, picture=None):
        self.text, self.passed, self.picture = text, passed, picture

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        img = ""
        if self.picture:
            try:
                from course import plots
                img = plots.case_img_tag(self.picture)
            except Exception:          # a figure must never hide the report
                img = ""
        return html_report(self.text, self.passed, img)


def in_kernel():
    """Whether we run in a Jupyter kernel (not a plain interpreter, script or pytest)."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def display(obj):
    """Show in a Jupyter kernel (display_data), else print to stdout. Never stderr."""
    if in_kernel():
        from IPython.display import display as ipy_display
        ipy_display(obj)
    else:
        print(repr(obj))


@contextlib.contextmanager
def attempt():
    """Run a demo that calls the student's code; an unfinished or failing function prints
    one bilingual line instead of a traceback, and Run All goes on.

    ::

        with attempt():
            print(pool2d(X, (2, 2)))
    """
    try:
        yield
    except NotImplementedError:
        print(say("先完成上面的函数，再运行这个单元格", "finish the function above first, then run this cell"))
    except Exception as e:          # the student's bug: say it in one line, the check above explains
        msg = student_text(f"{type(e).__name__}: {e}")
        print(say(f"这个演示没有运行：你的代码抛出了 {msg}（见上面的检查）",
                  f"this demo did not run: your code raised {msg} (see the check above)"))


# ---------------------------------------------------------------------------
# check()
# ---------------------------------------------------------------------------

# The module of the hidden tests' grade(): where the hidden part of a test cell imported it
# beside the check, the hidden grade decides the points and the check only reports. The test cells
# import it as ``autograder.hidden`` (a public name), which is the module ``autograder.grading.hidden``.
HIDDEN_GRADERS = ("autograder.grading.hidden", "autograder.hidden")


class Recorded:
    """The operators the public calls dispatched (``ops``) and those on data derived from their
    arguments (``x_ops``), recorded as the grader's sandbox records them."""

    def __init__(self):
        self.ops, self.x_ops = set(), set()


def _call_here(fn, recorded=None):
    """A ``call`` for ``run_cases``: ``fn`` on private copies of the arguments, the student's
    prints and warnings swallowed, under the grader's op recorder when ``recorded`` is given (its
    ops are added there); an unfinished stub's NotImplementedError goes up to check()."""
    def call(args, kwargs):
        args = tuple(private_copy(a) for a in args)
        kwargs = {k: private_copy(v) for k, v in kwargs.items()}
        recorder = contextlib.nullcontext()
        if recorded is not None:
            recorder = forbidden.OpRecorder()
            recorder.taint((args, kwargs))
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                try:
                    with recorder:
                        return Returned(fn(*args, **kwargs))
                finally:
                    if recorded is not None:
                        recorded.ops |= recorder.ops
                        recorded.x_ops |= recorder.x_ops
        except NotImplementedError:
            raise
        except Exception as e:
            return Returned(error=f"{type(e).__name__}: {e}")
    return call


def beside_hidden_grade(namespace):
    """Whether ``namespace`` (a test cell's globals) holds the hidden tests' ``grade``."""
    return getattr(namespace.get("grade"), "__module__", None) in HIDDEN_GRADERS


def check(fn_or_name, *, report_only=None):
    """Run the public checks of a graded function and show the result.

    ``check(pool2d)`` or ``check("pool2d")`` (looked up in the caller's globals).
    Raises AssertionError when a check fails, NotImplementedError for an
    unfinished stub, unless ``report_only``: then it only shows the report.
    ``report_only=None`` (the default) means: only where the caller's globals
    hold the hidden tests' ``grade`` (imported from ``autograder.hidden`` by
    the hidden part of the same test cell), because there the hidden grade
    decides the points.
    """
    __tracebackhide__ = True   # IPython and pytest hide this frame from the student
    caller = inspect.currentframe().f_back.f_globals
    if report_only is None:
        report_only = beside_hidden_grade(caller)
    if isinstance(fn_or_name, str):
        name = fn_or_name
        fn = caller.get(name)
    else:
        fn = fn_or_name
        name = getattr(fn, "__name__", "")
    cases = public_cases(name)
    if not cases:
        raise ValueError(f"no public checks for {name!r}")
    if fn is None:
        _finish(name, _not_implemented(name), False, NameError(f"{name} is not defined"), report_only=report_only)
        return
    policy = rule_of(name) or "none"
    static = rule_source(name, fn, caller, policy, notebook_functions(name))
    if static.automatic:            # named plainly in the source: the grader gives 0 and never calls it
        text, headline = _static_report(name, policy, static)
        _finish(name, text, False, AssertionError(f"{name}: {headline}"), report_only=report_only)
        return
    _record_like_the_grader()
    recorded = Recorded()
    try:
        runs = list(run_cases(cases, [c.expected for c in cases], _call_here(fn, recorded)))
    except NotImplementedError as e:
        _finish(name, _not_implemented(name), False, e, report_only=report_only)
        return
    bad_ops = forbidden.violations(policy, recorded.ops, recorded.x_ops)
    rule_mid = operator_rule.recorder_misconception(policy, bad_ops)
    calls = [r for r in runs if not r.case.expect_error]
    if rule_mid == "conv_not_used" and calls and all(r.result.error is not None for r in calls):
        rule_mid = None             # it never returned: the grader says it raised, not "no conv"
    if rule_mid:
        text = _recorder_report(name, policy, rule_mid, bad_ops, static)
        _finish(name, text, False, AssertionError(f"{name}: {operator_rule.recorder_message(rule_mid)}"),
                report_only=report_only)
        return

    groups, outcomes = {}, []
    for r in runs:
        g = groups.setdefault(r.case.group, GroupLine(r.case.group, True))
        g.n_cases += 1
        outcomes.append(_outcome(name, r))
        if not r.passed:
            g.passed = False
            g.n_failed += 1

    lines = list(groups.values())
    notes = _rule_notes(static)
    if all(o.passed for o in outcomes):
        # ✓ only when the rule is known to hold: a review or an unchecked rule is ⚠ (not a failure)
        mark = "⚠" if notes else "✓"
        text = format_report(f"{name}: {mark}", lines, summary=say("公开检查全部通过", "all public checks passed"))
        _finish(name, "\n".join([text] + notes), True, report_only=report_only)
        return
    faults = diagnose(outcomes, order=mistake_order(name))
    mids = [f.mid for f in faults]
    # The case shown is the smallest one of the mistake named first: they always agree.
    shown = faults[0].smallest if faults else min((o for o in outcomes if not o.passed), key=lambda o: o.size)
    failure = format_failure(name, shown.args, shown.kwargs, shown.expected, shown.got, shown.diff, shown.error)
    picture = case_picture(name, shown.args, shown.kwargs, shown.expected, shown.got, shown.diff, shown.error)
    failed = [group_title(g.name) for g in lines if not g.passed]
    text = format_report(f"{name}: ✗", lines, summary=say("未通过", "failed") + ": " + ", ".join(failed),
                            failure=failure, mistake=mids)
    text = "\n".join([text] + notes)
    headline = "; ".join(message(m) for m in mids) if mids else say("公开检查未通过", "public checks failed")
    _finish(name, text, False, AssertionError(f"{name}: {headline}"), picture=picture, report_only=report_only)


_hooks = []


def _record_like_the_grader():
    """The recorder as the grader's sandbox sets it up: values taken out of torch (``tolist``,
    ``numpy``, ``__array__`` of data derived from the arguments) count as operators. The hooks
    act only inside a recorder, on derived data; elsewhere they call torch's own methods. (No
    ``warm_up``: check() times nothing, so the first recorded op may import what it needs -- a
    stub that dispatches no op costs nothing.)"""
    if not _hooks:
        forbidden.install_value_hooks()
        _hooks.append(True)


def _fix(policy):
    return operator_rule.FIX.get(policy, operator_rule.FIX["pooling"]).render()


def _static_report(name, policy, static):
    """(report, headline) of a function whose source names an operator its rule forbids: the
    grader's sentences, then what the grade will be and how to fix it."""
    sentences = [operator_rule.sentence(f, static.number(f)) for f in static.automatic]
    headline = operator_rule.rejected_message(sentences)
    mid = operator_rule.static_misconception(policy)
    lines = [f"{name}: ✗", headline,
             say("评分程序会在运行前读答案单元格的源代码，这样写会得 0 分",
                 "The grader reads your answer cells before running them; as written, this function gets 0 points:"),
             operator_rule.listed(sentences), _fix(policy), misconception_text(mid)]
    return "\n".join(lines + _rule_notes(static)), headline


def _recorder_report(name, policy, mid, bad_ops, static):
    """The report of a function the recorder caught during the public calls: the grader's
    message, the operators seen, what the grade will be and how to fix it."""
    shown = [student_text(op, 60) for op in bad_ops if not op.startswith("missing:")]
    ops = ", ".join(shown[:3]) + (" …" if len(shown) > 3 else "")
    seen = (say(f"评分程序运行这个函数时会记录到这些算子：{ops}，这样写会得 0 分",
                f"The grader records these operators while it runs your function: {ops}; as written, it gets 0 points.")
            if ops else
            say("评分程序运行这个函数时没有记录到 F.conv2d，这样写会得 0 分",
                "The grader records no F.conv2d while it runs your function; as written, it gets 0 points."))
    lines = [f"{name}: ✗", operator_rule.recorder_message(mid), seen, _fix(policy), misconception_text(mid)]
    return "\n".join(lines + _rule_notes(static))


def _rule_notes(static):
    """What the report says of the rule beside the values: the review note, as the feedback page
    words it; and, where the source could not be read, that the rule was not checked here."""
    notes = []
    if static.reviews:
        notes.append(operator_rule.review_note([operator_rule.sentence(f, static.number(f))
                                                for f in static.reviews], operator_rule.REVIEW_POINTS_BEFORE))
    if static.unknown_self:
        notes.append(say(f"找不到 {static.name} 的源代码，这里只在运行时检查了算子规则，没有读源代码（评分时两者都会检查）",
                         f"The source of {static.name} could not be found: the operator rule was checked only "
                         "while it ran, not in its source (the grader checks both)"))
    return notes


def _outcome(name, ran):
    """The ``course.diagnose.Outcome`` of one public case as run; the known mistakes whose
    recorded output the student's reproduces are matched here."""
    c, res = ran.case, ran.result
    expected = f"raise {c.expect_error}" if c.expect_error else c.expected
    outcome = Outcome(name, c.args, c.kwargs, c.group, c.size, ran.passed,
                      expect_error=c.expect_error, error=res.error, diff=ran.diff, got=res.value,
                      expected=expected, wrong=frozenset(mid for mid, _ in c.mistakes), ref=c)
    if not ran.passed and not c.expect_error:
        outcome.matched = frozenset(mid for mid, value in c.mistakes
                                    if matches(value, outcome, lambda e, g: compare(e, g, scale=c.scale)))
    return outcome


def _not_implemented(name):
    return f"{name}: ✗\n{message('not_implemented')}\n{hint('not_implemented')}"


def mistake_order(name):
    """The known mistakes' ids in the grader's order (ties in a diagnosis go to the earlier)."""
    return tuple(public_data().get("mistake_order", {}).get(name, ()))


def _finish(name, text, passed, exc=None, picture=None, *, report_only=False):
    """Show the report; then, for a failure, signal it as the context asks (module docstring)."""
    __tracebackhide__ = True
    display(Report(text, passed, picture))
    if exc is None or report_only:
        return
    if in_kernel():
        # One line on stderr: nbgrader validate fails the cell, and Run All goes on.
        sys.stderr.write(f"✗ {name}: " + say("检查未通过，原因见上", "check failed, see the report above") + "\n")
        sys.stderr.flush()
        return
    raise exc
