"""Progress reporting for a grading run, shared by the local and the Dask paths.

On a terminal: one bar on stderr, redrawn in place, with an ETA.
Otherwise (a pipe, a log file, or ``CI`` set): plain lines such as
``graded 12/200 alice 0.4s eta 31s`` that read well in a log.

    with Progress(total=len(students)) as progress:
        for student in ...:
            progress.update(student)

The reporter only writes to its stream; it never touches grading outputs. The name of a
submission is the student's (a folder name): it is shown through ``course.safe_text.visible``,
so none of its characters can act on the terminal (ESC, CSI, OSC, ``\r``, bidi...).
"""
import collections
import os
import sys
import time

from course.safe_text import visible

# A bar redrawn more often than this is only flicker (and costs a write per student).
_REDRAW_SECONDS = 0.1
# The ETA's rate: over the last this-many completions (the start-up left behind).
_WINDOW = 32
# The first item's ETA: when the time since the start is this many times the item's own
# seconds, start-up dominated it, and the item's seconds are the better guess.
_STARTUP_FACTOR = 3.0
# Characters of a submission's name on the bar.
_BAR_NAME = 48


def in_ci(environ=None) -> bool:
    """True when the ``CI`` variable says we run under continuous integration."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def choose_mode(stream, environ=None) -> str:
    """'bar' on an interactive terminal outside CI, 'lines' otherwise."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return "bar" if tty and not in_ci(environ) else "lines"


def format_seconds(seconds: float) -> str:
    """Short human duration: 42s, 3m05s, 1h02m."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts finished submissions and reports them with an ETA.

    ``mode`` is 'bar', 'lines', 'off' or None (choose from the stream and ``CI``).
    ``clock`` is injectable so tests need no sleeping.
    """

    def __init__(self, total, *, stream=None, mode=None, label=None,
                 width=30, clock=time.monotonic, environ=None):
        self.total = int(total)
        self.stream = stream if stream is not None else sys.stderr
        self.mode = mode or choose_mode(self.stream, environ)
        from course.language import say        # the kit's words: the language chosen now (course.language)
        self.label = visible(label if label is not None else say("已评分", "graded", both="graded"))
        self.width = width
        self.clock = clock
        self.done = 0
        self.failed = 0
        self.started = None
        self._last_draw = None
        self._drawn = False
        self._marks = collections.deque(maxlen=_WINDOW)   # (time, done) at the latest completions
        self._first_seconds = None

    # -- context manager -------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- reporting -------------------------------------------------------
    def start(self):
        if self.started is None:
            self.started = self.clock()
        return self

    def eta(self):
        """Seconds left; None before the first finished item.

        A run pays its start-up once (interpreters, ``import torch``, a zygote per worker)
        before the first item finishes, so the mean time per item since the start says
        little early on. From the second item on, the rate is the recent one: items per
        second between the last completions (a sliding window, which also follows the
        workers' real parallelism). For the first item alone: the time since the start,
        unless the item's own ``seconds`` show that start-up dominated it."""
        if self.started is None or self.done == 0:
            return None
        left = max(0, self.total - self.done)
        if len(self._marks) >= 2:
            (t0, d0), (t1, d1) = self._marks[0], self._marks[-1]
            if t1 > t0 and d1 > d0:
                return left * (t1 - t0) / (d1 - d0)
        elapsed = self.clock() - self.started
        per_item = elapsed / self.done
        if self._first_seconds and per_item > _STARTUP_FACTOR * self._first_seconds:
            per_item = self._first_seconds
        return per_item * left

    def update(self, name="", *, seconds=None, ok=True, n=1):
        """Record ``n`` finished items (the last one called ``name``, which took ``seconds``)."""
        self.start()
        self.done += n
        self._marks.append((self.clock(), self.done))
        if self._first_seconds is None and seconds:
            self._first_seconds = float(seconds)
        if not ok:
            self.failed += n
        if self.mode == "lines":
            self._write(self._line(name, seconds) + "\n")
        elif self.mode == "bar":
            now = self.clock()
            # Always draw the last item, otherwise at most every _REDRAW_SECONDS.
            if (self._last_draw is None or now - self._last_draw >= _REDRAW_SECONDS
                    or self.done >= self.total):
                self._last_draw = now
                self._write("\r" + self._bar(name) + "\x1b[K")
                self._drawn = True

    def close(self):
        """Finish the bar's line and print a one-line summary."""
        if self.mode == "off" or self.started is None:
            return
        elapsed = self.clock() - self.started
        if self.mode == "bar" and self._drawn:
            self._write("\r" + self._bar("") + "\x1b[K\n")
        from course.language import say
        tail = say(f"，{self.failed} 份出错", f", {self.failed} with errors",
                   both=f", {self.failed} with errors") if self.failed else ""
        took = say(f"，用时 {format_seconds(elapsed)}", f" in {format_seconds(elapsed)}",
                   both=f" in {format_seconds(elapsed)}")
        self._write(f"{self.label} {self.done}/{self.total}{took}{tail}\n")
        self.started = None  # close() twice prints once

    # -- formatting ------------------------------------------------------
    def _eta_text(self):
        eta = self.eta()
        return "eta ?" if eta is None else f"eta {format_seconds(eta)}"

    def _line(self, name, seconds):
        parts = [f"{self.label} {self.done}/{self.total}"]
        if name:
            parts.append(visible(name))
        if seconds is not None:
            parts.append(f"{seconds:.1f}s")
        if not (self.done >= self.total):
            parts.append(self._eta_text())
        return " ".join(parts)

    def _bar(self, name):
        frac = 1.0 if self.total <= 0 else min(1.0, self.done / self.total)
        fill = int(round(frac * self.width))
        bar = "#" * fill + "-" * (self.width - fill)
        text = f"[{bar}] {self.done}/{self.total} {frac:4.0%} {self._eta_text()}"
        if name:
            shown = visible(name)
            # one terminal line, so "\r" redraws it: a long name (up to 255 bytes, longer once
            # escaped) is cut here; the lines mode and the warnings show it whole
            text += f" {shown if len(shown) <= _BAR_NAME else shown[:_BAR_NAME - 1] + '…'}"
        return text

    def _write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            # A closed or broken stderr must never stop grading.
            pass


def progress_for(total, *, enabled=True, **kwargs):
    """A Progress, or a silent one when ``enabled`` is False (e.g. ``--quiet``)."""
    if not enabled:
        kwargs["mode"] = "off"
    return Progress(total, **kwargs)
