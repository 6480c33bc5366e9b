"""Step 2c: the operator rule, read by the trusted parent in the answer cells' source.

Inside one Python process the rule cannot be proven: the op recorder runs in
the untrusted child, and code there can blind it (frames, gc, torch's dispatch
stack, patched modules) in ways no reading of the source can rule out. So the
parent (``course.source_rules``; nothing is run) sorts what it sees:

* **automatic** -- an operator the function's rule forbids, named plainly (any
  spelling the parent resolves statically: aliases, imports, attribute chains,
  folded strings). The function gets 0 points, status ``failed``, misconception
  ``forbidden_op`` / ``conv_relu_only``, the flag ``forbidden_op:<what>``, and
  is not called. The recorder's own verdict (an operator recorded during a call)
  is automatic too (``suites.py``).
* **for a person** -- constructs that could evade the rule: names or code built at
  run time, look-up helpers, patching modules / classes / builtins the answer does
  not own, frames, gc, dispatch internals, threads, a cell the parent cannot parse
  but the child can, a check over its budget. Each is a flag
  ``review:<construct>@cell<N>:line<L>``; the function is graded as usual, its
  points stand until a person decides, and the student's page says so.

The check runs in a forked process with an address-space limit and a deadline
(``budgeted_check``): a submission built to exhaust it gets ``review:check_budget``,
never a hung or bloated grader.
"""
import atexit
import ctypes           # imported here: the forked checker must import nothing (another thread may hold the lock)
import json
import os
import re
import resource
import select
import signal
import threading
import time
from typing import Sequence

from autograder.core import manifest   # names and operator rules: torch-free (the parent of a pool needs no torch)
from autograder.core.cells import AnswerCell
from autograder.core.config import SourceCheck
from autograder.core.results import Row
from course.source_rules import Finding, Notebook
from course import operator_rule
from course.messages import misconception_text

MAX_FLAGS = 8              # a flags cell stays short, whatever the code
# The static check's budget and memory beyond the grader's own: the run's GradingConfig.source_check
# ($AUTOGRADER_CHECK_SECONDS, $AUTOGRADER_CHECK_MEMORY_MB, read by its builder, never at import).
CHECK_SECONDS = SourceCheck.seconds
CHECK_MEMORY = SourceCheck.memory

# The words are the student package's (course/operator_rule.py): course.check() says the same.
REVIEW_NOTE = operator_rule.REVIEW_NOTE
_ORDER = {"pool": 0, "bonus": 1}

CHECK_ERROR = "source_check_error"
UNPARSED = "unparsed_cell"
BUDGET = "check_budget"


def flag_of(finding: Finding, cells: Sequence[AnswerCell] | None = None) -> str:
    """``forbidden_op:F.max_pool2d``; ``review:frames@cell2:line7`` (the notebook's cell number,
    from ``cells`` (AnswerCells) when given, else the answer cell's position): no separators, short."""
    if finding.automatic:
        key = re.sub(r"[^\w.]+", "_", finding.key).strip("_")[:40] or "code"
        return f"forbidden_op:{key}"
    construct = re.sub(r"[^\w.]+", "_", finding.construct).strip("_")[:40] or "code"
    if construct == BUDGET or construct.startswith("patched_"):
        return f"review:{construct}"                     # the whole notebook, no one place
    n = cells[finding.cell].number if cells and finding.cell < len(cells) else finding.cell + 1
    if not finding.line:
        return f"review:{construct}@cell{n}"
    return f"review:{construct}@cell{n}:line{finding.line}"


def review_flag(construct: str, cell: int | None = None, line: int = 0) -> str:
    """``review:<construct>`` for what has no place in a cell (the budget), else with its place."""
    return f"review:{construct}" if cell is None else f"review:{construct}@cell{cell + 1}:line{line}"


def _vm_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _read_frame(fd, deadline=None):
    """One length-prefixed frame from ``fd``; None on EOF or when ``deadline`` passes."""
    buf = b""
    need = None
    while need is None or len(buf) < 8 + need:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        buf += chunk
        if need is None and len(buf) >= 8:
            need = int.from_bytes(buf[:8], "big")
    return buf[8:8 + need]


def _write_frame(fd, data):
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view):]


def _serve_checks(req, rep, memory):
    """The forked checker: reads (cells, names) (cells as ``AnswerCell.to_dict``), answers ``{"ok": ...}`` / ``{"bug": ...}``;
    exits on EOF, and dies (no answer) on MemoryError or RecursionError."""
    limit = _vm_bytes() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        frame = _read_frame(req)
        if frame is None:
            return
        cells, names = json.loads(frame)
        try:
            answer = {"ok": _analyse([AnswerCell.from_dict(c) for c in cells], names)}
        except (RecursionError, MemoryError):
            return                                        # over budget: no answer
        except Exception as e:                            # a checker bug: say so
            answer = {"bug": f"{type(e).__name__}: {e}"[:200]}
        _write_frame(rep, json.dumps(answer).encode())


def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Checker:
    """A forked process that runs the static check under an address-space limit, one notebook
    after another (forking a grader with torch loaded costs tens of milliseconds; a request to a
    live checker costs about one). A request over its deadline, or a checker that died, is None,
    and the checker is replaced. It runs only the kit's own code on hostile text, so its JSON
    answer is as trusted as the check itself; what it cannot do is hang or bloat the grader."""

    _lock = threading.Lock()
    _live = None                  # (pid, request fd, reply fd, memory, owner pid)

    @classmethod
    def ask(cls, cells, names, seconds, memory):
        with cls._lock:
            live = cls._live
            if live is None or live[3] != memory or live[4] != os.getpid():
                cls._stop()
                live = cls._live = cls._start(memory)
            pid, req, rep = live[:3]
            try:
                _write_frame(req, json.dumps([cells, names]).encode())
                frame = _read_frame(rep, time.monotonic() + seconds)
            except OSError:
                frame = None
            if frame is None:
                cls._stop()
                return None
            return json.loads(frame)

    @classmethod
    def _start(cls, memory):
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                # Only its two pipes: the grader's sockets (the sandbox zygote's among them) must
                # see EOF when the grader goes, whatever this process is doing; and it dies with
                # the grader.
                keep = sorted((req_r, rep_w))
                os.closerange(3, keep[0])
                os.closerange(keep[0] + 1, keep[1])
                os.closerange(keep[1] + 1, 1 << 16)
                _die_with_parent()
                _serve_checks(req_r, rep_w, memory)
            finally:
                os._exit(0)
        os.close(req_r)
        os.close(rep_w)
        for fd in (req_w, rep_r):
            os.set_inheritable(fd, False)
        return (pid, req_w, rep_r, memory, os.getpid())

    @classmethod
    def _stop(cls):
        live, cls._live = cls._live, None
        if live is None or live[4] != os.getpid():
            return
        pid, req, rep = live[:3]
        for fd in (req, rep):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


atexit.register(_Checker._stop)


def budgeted_check(cells: Sequence[AnswerCell], names: list[str], seconds: float = CHECK_SECONDS,
                   memory: int = CHECK_MEMORY) -> dict | None:
    """The static check of ``cells`` (AnswerCells, as they run) for ``names`` within ``seconds``
    and ``memory`` bytes of address space beyond this process's: ``{"ok": result}``, ``{"bug":
    text}`` when the checker raised, or None when the check went over either budget."""
    wire = [c.to_dict() for c in cells]           # what crosses to the forked checker
    if not hasattr(os, "fork"):
        return {"ok": _analyse([AnswerCell.from_dict(c) for c in wire], list(names))}
    return _Checker.ask(wire, list(names), seconds, memory)


def _analyse(cells, names):
    """{function: [[cell, line, category, key]]} and the unparsed cells: the whole static check."""
    entries = [n for n in names if n in manifest.BY_NAME and manifest.BY_NAME[n].forbid == "conv_relu_only"]
    nb = Notebook([(c.label, c.code) for c in cells], entries)
    out = {}
    for name in names:
        spec = manifest.BY_NAME.get(name)
        if spec is None:
            continue
        own = tuple(i for i, c in enumerate(cells) if c.answers(name))
        found = nb.findings(name, spec.forbid, own)
        if found:
            out[name] = [[f.cell, f.line, f.category, f.key] for f in found]
    return {"found": out, "unparsed": list(nb.unparsed)}


def _warm():
    """What the fork must not import or compute (another thread may hold the import lock)."""
    from course.source_rules.policy import _primitives, known_pool_names
    known_pool_names()
    _primitives()


class CheckSource:
    """``check(cells, names) -> {function: [Finding]}``, only functions with findings; ``cells``
    are the AnswerCells as they run (``find_answers.runnable``), a Finding's ``cell`` an index in them.

    ``automatic(found)`` / ``reviews(found)`` split them. ``unparsed``: the cells the parent
    could not parse (unverifiable if the child runs them: ``unparsed_flags``). ``over_budget``:
    the check went over its budget (every function gets ``review:check_budget``). ``error`` is
    set when the checker itself failed (a bug, not the student's doing): then nothing is
    rejected, the recorder alone judges, and the rows carry ``source_check_error``.
    """

    error = None
    over_budget = False
    unparsed: tuple = ()

    def __init__(self, settings: SourceCheck | None = None):
        settings = settings or SourceCheck()
        self.seconds, self.memory = settings.seconds, settings.memory
        # Off only to test the other layers alone (the child's jail, the recorder, the protocol).
        self.enabled = settings.enabled

    def check(self, cells: Sequence[AnswerCell], names: list[str]) -> dict[str, list[Finding]]:
        if not self.enabled:
            return {}
        try:
            _warm()
            res = budgeted_check(cells, names, self.seconds, self.memory)
        except Exception as e:                         # a checker bug: never cost an honest student points
            self.error = f"{type(e).__name__}: {e}"[:200]
            return {}
        if res is None:                                # built to exhaust the checker: a person looks
            self.over_budget = True
            over = [Finding(0, 0, "review", BUDGET)]
            return {n: over for n in names if n in manifest.BY_NAME}
        if "bug" in res:
            self.error = str(res["bug"])[:200]
            return {}
        res = res["ok"]
        self.unparsed = tuple(res["unparsed"])
        return {n: sorted(Finding(*f) for f in fs) for n, fs in res["found"].items()}

    @staticmethod
    def automatic(found: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
        """{function: its automatic findings}, only functions that have one (0 points, not called)."""
        out = {n: sorted((f for f in fs if f.automatic), key=lambda f: (_ORDER[f.category], f.cell, f.line, f.key))
               for n, fs in found.items()}
        return {n: fs for n, fs in out.items() if fs}

    @staticmethod
    def reviews(found: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
        """{function: its findings for a person}, only functions that have one."""
        out = {n: [f for f in fs if not f.automatic] for n, fs in found.items()}
        return {n: fs for n, fs in out.items() if fs}

    def unparsed_flags(self, cell_errors: dict[str, str], cells: Sequence[AnswerCell]) -> list[Finding]:
        """Review findings for the cells the parent could not parse but the child ran: unverifiable.
        A cell the child could not compile either (``SyntaxError``) is the student's own mistake.
        ``cell_errors``: the sandbox's, keyed by the cells' labels."""
        out = []
        for i in self.unparsed:
            err = str(cell_errors.get(cells[i].label, "")) if i < len(cells) else ""
            if not err.startswith(("SyntaxError", "IndentationError", "TabError")):
                out.append(Finding(i, 0, "review", UNPARSED))
        return out

    def cell_number(self, finding: Finding, cells: Sequence[AnswerCell]) -> int | None:
        """The notebook cell number of ``finding``'s answer cell, or None."""
        return cells[finding.cell].number if finding.cell < len(cells) else None

    def where(self, finding: Finding, cells: Sequence[AnswerCell]) -> str:
        return operator_rule.place(self.cell_number(finding, cells), finding.line)

    def sentence(self, finding: Finding, cells: Sequence[AnswerCell]) -> str:
        return operator_rule.sentence(finding, self.cell_number(finding, cells))

    def review_fields(self, row: Row, findings: list[Finding], cells: Sequence[AnswerCell]) -> dict:
        """``row``'s fields with the review flags of ``findings`` added: flags, and a note in the
        feedback (the student's page and the instructor's) naming each construct and its line.
        The points stand: a person decides."""
        if not findings:
            return {}
        findings = sorted(set(findings))
        flags = sorted({flag_of(f, cells) for f in findings})[:MAX_FLAGS]
        note = operator_rule.review_note([self.sentence(f, cells) for f in findings])
        feedback = note + ("\n\n" + row.feedback if row.feedback else "")
        return {"flags": row.flags | set(flags), "feedback": feedback}

    def row_fields(self, name: str, findings: list[Finding], cells: Sequence[AnswerCell], max_points: float,
                   reviews: tuple = ()) -> dict:
        """The grades row fields (and the suite-like result) for a function the check rejected:
        an operator its rule forbids, named plainly."""
        from autograder.core.results import FunctionResult, GroupResult, Status
        from autograder.grading.suites import GROUPS
        spec = manifest.BY_NAME[name]
        mid = operator_rule.static_misconception(spec.forbid)
        lines = [self.sentence(f, cells) for f in findings]
        message = operator_rule.rejected_message(lines)
        feedback = "\n".join([
            f"{name}: 0 / {max_points:g}",
            operator_rule.READ_BEFORE.render(),
            operator_rule.listed(lines),
            operator_rule.NOT_RUN.render(),
            misconception_text(mid)])
        groups = [GroupResult(g, w, False, 0, 0) for g, w in GROUPS[name].items()]
        result = FunctionResult(name, 0.0, float(max_points), 0.0, Status.FAILED, message, feedback, mid, groups)
        flags = sorted({flag_of(f) for f in findings})[:MAX_FLAGS]
        return {"points": 0.0, "status": Status.FAILED, "message": message, "misconception": mid,
                "groups_failed": tuple(result.groups_failed), "feedback": feedback,
                "result": result, "flags": frozenset(flags)}
