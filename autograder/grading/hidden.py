"""In-kernel entry of the hidden tests: ``grade(fn)`` in the hidden part of each test cell.

::

    ### BEGIN HIDDEN TESTS
    from autograder.hidden import grade   # beside it, course.check only reports
    ### END HIDDEN TESTS
    from course import check
    check(pool2d_padded)                  # sees grade in the cell's globals: report-only
    ### BEGIN HIDDEN TESTS
    grade(pool2d_padded)                  # displays feedback, returns the points
    ### END HIDDEN TESTS

``grade`` returns the points as a float: the cell's execute_result, which
nbgrader reads as partial credit. It never writes to stderr (stock nbgrader
scores a cell with stderr output as 0): torch warnings are silenced and the
student's own prints during grading are swallowed.
"""
import contextlib
import io
import signal
import threading
import warnings

from course.forbidden import OpRecorder, warm_up
from autograder.exercises import BY_NAME
from autograder.grading.suites import CallResult, run_suite
from course import selfcheck
from course.run_cases import private_copy

CALL_TIMEOUT = 2.0   # seconds per call; the cases are small


class _Timeout(BaseException):
    """Raised by SIGALRM inside the student's function (BaseException: `except Exception` can't swallow it)."""


def _on_alarm(signum, frame):
    raise _Timeout()


def local_call(fn, timeout=CALL_TIMEOUT):
    """A ``call(args, kwargs) -> CallResult`` that runs ``fn`` here, under the op recorder.

    Each call gets copies of the arguments, silenced warnings and output, and
    (in the main thread) a ``timeout`` via SIGALRM. Never raises.
    """
    warm_up()

    def call(args, kwargs):
        args = tuple(private_copy(a) for a in args)
        kwargs = {k: private_copy(v) for k, v in kwargs.items()}
        recorder = OpRecorder()
        recorder.taint((args, kwargs))
        value, error, timed_out = None, None, False
        use_alarm = threading.current_thread() is threading.main_thread() and timeout
        old = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
        sink = io.StringIO()
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
                    contextlib.redirect_stderr(sink):
                warnings.simplefilter("ignore")
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    with recorder:
                        value = fn(*args, **kwargs)
                finally:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            timed_out = True
        except KeyboardInterrupt:
            raise
        except BaseException as e:   # SystemExit too: a student's exit() must not end grading
            error = f"{type(e).__name__}: {e}"
        finally:
            if use_alarm:
                signal.signal(signal.SIGALRM, old)
        return CallResult(value, error, timed_out, frozenset(recorder.ops), frozenset(recorder.x_ops))
    return call


def grade(fn_or_name, fn=None, *, seed=0, timeout=CALL_TIMEOUT):
    """Grade ``fn`` (``grade(fn)`` or ``grade("name", fn)``), display the feedback, return the points."""
    name: str | None
    if isinstance(fn_or_name, str):
        name = fn_or_name
    else:
        fn = fn_or_name
        name = getattr(fn, "__name__", None)
    if name not in BY_NAME:
        raise ValueError(f"no graded function named {name!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fn is None or not callable(fn):
            result = run_suite(name, lambda a, k: CallResult(error="NotImplementedError: missing"),
                               seed=seed)
        else:
            result = run_suite(name, local_call(fn, timeout), seed=seed)
    _show(result)
    return float(result.points)


def _show(result):
    selfcheck.display(selfcheck.Report(result.feedback, result.status == "passed"))
