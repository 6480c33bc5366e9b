"""``check(fn)``: the public self-check students run in each test cell.

Runs the small public cases of ``course/public_cases.json`` (inputs, expected
outputs, and the outputs of known wrong implementations, so a recognised
mistake can be named without shipping any solution or mistake code), then
shows each property group, the smallest failing case and a hint.

What a failing check does after showing its report depends on where it runs:

* in a Jupyter kernel (the student's notebook) it writes one short line to
  stderr and returns: Run All goes on to the later figures and exercises, no
  traceback repeats the report, and ``nbgrader validate`` still counts the
  test cell as failed (nbgrader fails a grade cell with stderr output);
* outside a kernel (a script, pytest) it raises ``AssertionError`` (an
  untouched stub: ``NotImplementedError``), so a script stops;
* in report-only mode (importing ``autograder.hidden`` switches it on, because
  there the hidden grade decides the points) it only shows the report.

``attempt()`` is the guard for the notebooks' demo cells that call the
student's functions: an unfinished or failing function prints one line and
the run goes on.
"""
import contextlib
import functools
import inspect
import io
import json
import pathlib
import sys
import warnings

import torch

from course import feedback as fb
from course.diagnose import RAISES, Outcome, diagnose, matches

CASES_FILE = pathlib.Path(__file__).with_name("public_cases.json")

_report_only = False


def set_report_only(flag=True):
    """Report-only mode: display, never raise (used under the hidden grader)."""
    global _report_only
    _report_only = bool(flag)


# ---------------------------------------------------------------------------
# Public cases: JSON <-> python values.
# ---------------------------------------------------------------------------

def encode(v):
    """A JSON-able form of a case value (tensors keep dtype and non-contiguity)."""
    if isinstance(v, torch.Tensor):
        return {"__tensor__": v.tolist(), "dtype": str(v.dtype).replace("torch.", ""),
                "shape": list(v.shape), "noncontiguous": not v.is_contiguous()}
    if isinstance(v, tuple):
        return {"__tuple__": [encode(x) for x in v]}
    if isinstance(v, float) and v != v:
        return {"__float__": "nan"}
    return v


def decode(v):
    if isinstance(v, dict) and "__tensor__" in v:
        t = torch.tensor(v["__tensor__"], dtype=getattr(torch, v["dtype"])).reshape(v["shape"])
        if v.get("noncontiguous") and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t
    if isinstance(v, dict) and "__tuple__" in v:
        return tuple(decode(x) for x in v["__tuple__"])
    if isinstance(v, dict) and "__float__" in v:
        return float(v["__float__"])
    return v


@functools.lru_cache(maxsize=1)
def _raw_cases():
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))


def public_cases(name):
    """Decoded public cases of function ``name``: dicts with group, args, kwargs, expected, ..."""
    out = []
    for c in _raw_cases()["functions"].get(name, []):
        out.append({
            "group": c["group"],
            "args": tuple(decode(a) for a in c["args"]),
            "kwargs": {k: decode(v) for k, v in c["kwargs"].items()},
            "expected": decode(c["expected"]),
            "expect_error": c.get("expect_error"),
            "scale": c.get("scale", 1.0),
            "size": c.get("size", 0),
            # outputs of known wrong implementations: [(misconception id, output)]
            "mistakes": [(m["id"], RAISES if m.get("raises") else decode(m["value"])) for m in c.get("mistakes", [])],
        })
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
        return fb.html_report(self.text, self.passed, img)


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
        print("先完成上面的函数，再运行这个单元格 / finish the function above first, then run this cell")
    except Exception as e:          # the student's bug: say it in one line, the check above explains
        msg = fb.student_text(f"{type(e).__name__}: {e}")
        print(f"这个演示没有运行：你的代码抛出了 {msg}（见上面的检查）"
              f" / this demo did not run: your code raised {msg} (see the check above)")


# ---------------------------------------------------------------------------
# check()
# ---------------------------------------------------------------------------

def _call(fn, args, kwargs):
    """Call with private copies of the tensors; swallow the student's prints and warnings."""
    args = tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
    kwargs = {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in kwargs.items()}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def check(fn_or_name):
    """Run the public checks of a graded function and show the result.

    ``check(pool2d)`` or ``check("pool2d")`` (looked up in the caller's globals).
    Raises AssertionError when a check fails, NotImplementedError for an
    unfinished stub (not in report-only mode).
    """
    __tracebackhide__ = True   # IPython and pytest hide this frame from the student
    if isinstance(fn_or_name, str):
        name = fn_or_name
        fn = inspect.currentframe().f_back.f_globals.get(name)
    else:
        fn = fn_or_name
        name = getattr(fn, "__name__", "")
    cases = public_cases(name)
    if not cases:
        raise ValueError(f"no public checks for {name!r}")
    if fn is None:
        _finish(name, _not_implemented(name), False, NameError(f"{name} is not defined"))
        return

    groups, outcomes = {}, []
    for c in cases:
        g = groups.setdefault(c["group"], fb.GroupLine(c["group"], True))
        g.n_cases += 1
        got, error, diff = None, None, None
        try:
            got = _call(fn, c["args"], c["kwargs"])
        except NotImplementedError as e:
            _finish(name, _not_implemented(name), False, e)
            return
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
        passed = False
        if c["expect_error"]:
            if error is not None and error.split(":")[0] == c["expect_error"]:
                passed = True
            elif error is None:
                diff = fb.should_raise(c["expect_error"])
        elif error is None:
            diff = fb.compare(c["expected"], got, scale=c["scale"])
            passed = diff.ok
        wrong = frozenset(mid for mid, _ in c["mistakes"])
        matched = frozenset()
        expected = f"raise {c['expect_error']}" if c["expect_error"] else c["expected"]
        outcome = Outcome(name, c["args"], c["kwargs"], c["group"], c["size"], passed,
                          expect_error=c["expect_error"], error=error, diff=diff, got=got,
                          expected=expected, matched=matched, wrong=wrong, ref=c)
        if not passed and not c["expect_error"]:
            outcome.matched = frozenset(mid for mid, value in c["mistakes"]
                                        if matches(value, outcome, lambda e, g: fb.compare(e, g, scale=c["scale"])))
        outcomes.append(outcome)
        if not passed:
            g.passed = False
            g.n_failed += 1

    lines = list(groups.values())
    if all(o.passed for o in outcomes):
        text = fb.format_report(f"{name}: ✓", lines, summary="公开检查全部通过 / all public checks passed")
        _finish(name, text, True)
        return
    faults = diagnose(outcomes, order=mistake_order(name))
    mids = [f.mid for f in faults]
    # The case shown is the smallest one of the mistake named first: they always agree.
    shown = faults[0].smallest if faults else min((o for o in outcomes if not o.passed), key=lambda o: o.size)
    failure = fb.format_failure(name, shown.args, shown.kwargs, shown.expected, shown.got, shown.diff, shown.error)
    picture = fb.case_picture(name, shown.args, shown.kwargs, shown.expected, shown.got, shown.diff, shown.error)
    failed = [fb.group_title(g.name) for g in lines if not g.passed]
    text = fb.format_report(f"{name}: ✗", lines, summary="未通过 / failed: " + ", ".join(failed),
                            failure=failure, mistake=mids)
    headline = "; ".join(fb.message(m) for m in mids) if mids else "公开检查未通过 / public checks failed"
    _finish(name, text, False, AssertionError(f"{name}: {headline}"), picture=picture)


def _not_implemented(name):
    return f"{name}: ✗\n{fb.message('not_implemented')}\n{fb.hint('not_implemented')}"


def mistake_order(name):
    """The known mistakes' ids in the grader's order (ties in a diagnosis go to the earlier)."""
    return tuple(_raw_cases().get("mistake_order", {}).get(name, ()))


def _finish(name, text, passed, exc=None, picture=None):
    """Show the report; then, for a failure, signal it as the context asks (module docstring)."""
    __tracebackhide__ = True
    display(Report(text, passed, picture))
    if exc is None or _report_only:
        return
    if in_kernel():
        # One line on stderr: nbgrader validate fails the cell, and Run All goes on.
        sys.stderr.write(f"✗ {name}: 检查未通过，原因见上 / check failed, see the report above\n")
        sys.stderr.flush()
        return
    raise exc
