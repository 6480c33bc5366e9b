"""#15: the ETA is sensible from the first few students on, and a worker's start-up is not
counted as a student's time."""
import io

from autograder.cli.progress import Progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_eta_leaves_the_start_up_behind():
    """A run that pays 6 s of start-up, then grades a student every 0.1 s: after the first
    student the ETA comes from the student's own time, after the second from the rate."""
    clock = Clock()
    p = Progress(201, stream=io.StringIO(), mode="lines", clock=clock)
    p.start()
    clock.now += 6.1                       # start-up 6 s, then the first student (0.1 s)
    p.update("s0", seconds=0.1)
    assert p.eta() == 200 * 0.1            # not 200 * 6.1 s = 20 min
    for i in range(1, 5):
        clock.now += 0.1
        p.update(f"s{i}", seconds=0.1)
    assert abs(p.eta() - 196 * 0.1) < 1e-6


def test_eta_follows_parallel_workers():
    """Two workers finishing a student each every 0.2 s: the rate is 10 students a second."""
    clock = Clock()
    p = Progress(100, stream=io.StringIO(), mode="lines", clock=clock)
    p.start()
    clock.now = 5.0
    for i in range(10):
        clock.now += 0.1
        p.update(f"s{i}", seconds=0.2)
    assert abs(p.eta() - 90 * 0.1) < 1e-6


def test_submission_clock_starts_after_the_sandbox(monkeypatch):
    """Grader.grade_submission starts its sandbox (zygote and first child) before it reads the
    clock, so a worker's start-up never lands in a student's seconds (no timing measured here:
    the order of the calls is what is checked)."""
    import pathlib

    from autograder.pipeline import grader as grader_mod
    from autograder.pipeline.find_submissions import Submission

    events = []
    real = grader_mod.time.monotonic

    class Clocked:
        @staticmethod
        def monotonic():
            events.append("clock")
            return real()

    monkeypatch.setattr(grader_mod, "time", Clocked)

    class G(grader_mod.Grader):
        def warm(self):
            events.append("warm")

        def grade_notebook_full(self, *a, **k):
            return [], []

    sub = Submission("a", {"03_cost": pathlib.Path("/nonexistent/x.ipynb")}, "/nonexistent")
    G().grade_submission(sub)
    assert events[0] == "warm" and "clock" in events
