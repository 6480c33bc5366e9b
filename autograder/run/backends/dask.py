"""Grading on an existing Dask cluster: ``autograder grade ... --scheduler tls://HOST:PORT``.

A scheduler runs whatever task it is sent, as the user who runs its workers:
anyone who can connect to it can run code there. So the cluster should speak
TLS with mutual authentication (``dask scheduler --protocol tls --tls-ca-file
... --tls-cert ... --tls-key ...``, docs/deploy.md): only a holder of a
certificate signed by the course's CA (the instructors' group) connects. For a
``tls://`` address this client takes its certificate from Dask's own
configuration (``distributed.comm.tls.ca-file``, ``.client.cert``,
``.client.key``; e.g. ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE``), and refuses to
connect without one. ``tcp://`` (no encryption, no authentication) is accepted
for a cluster on a machine no one else uses.

One task per submission (one student). The client (this process) reads each
submission's notebooks and ships their bytes with the task, so workers need
only the kit installed, not the client's files. A task grades with the kit's
own per-submission function (``autograder.pipeline.grader.Grader.grade_submission``)
on a grader cached per worker thread, so each worker keeps one zygote for its
whole life. The task returns the result (``SubmissionResult.to_dict()``) as a
JSON string, converted back at the client; the client alone writes every
output, with the grader's own writer (atomic writes).

Tasks are pure: the same bytes give the same result and write nothing but the
jailed child's scratch space, so any task can run again anywhere. Losing
workers never fails a run:

- the address is checked (``tcp://HOST:PORT``, a scheduler answering) before
  anything is graded; ``SchedulerUnavailable`` otherwise;
- the cleanup plugin is registered best effort (a worker leaving during its
  broadcast is not an error);
- a worker that dies mid-task has its tasks re-run elsewhere by the
  scheduler; a task that still fails (``KilledWorker``, a closed comm, its own
  error after ``retries``) is submitted again under a new key, ``ATTEMPTS``
  in all, then gets rows with status ``error``;
- when the cluster has had no worker at all for ``no_workers_timeout()``
  seconds (60, or ``$AUTOGRADER_DASK_NO_WORKERS_TIMEOUT``), the submissions
  left get ``error`` rows and the run ends, with a warning on stderr.

A worker whose sandbox cannot confine student code (``SandboxTooWeak``: no
namespaces and no Landlock there) is not a lost worker: the run stops at once
with the same refusal as local grading (exit status 3), unless the client's
limits allow weak sandboxes (``--allow-weak-sandbox``: the run's ``GradingConfig``,
passed with every task).
"""
import asyncio
import concurrent.futures
import dataclasses
import json
import math
import os
import queue
import secrets
import socket
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING

from autograder.core import terminal
from autograder.run.backends.local import WORKER_ADDRESS_SPACE, limit_worker_memory
from autograder.core import config as grading_config
from autograder.core.config import GradingConfig
from autograder.pipeline.grader import Grader, kit_digest
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook
from autograder.pipeline.find_submissions import Submission
from autograder.pipeline.read_notebook import refusal
from autograder.run.write import student_folder
from autograder.core.results import GRADER_ERROR, SubmissionResult
from autograder.sandbox.runner import SandboxTooWeak, SandboxUnavailable

if TYPE_CHECKING:
    import distributed.security

RETRIES = 1                  # the scheduler re-runs a task that raised, once
REFUSED = "sandbox_too_weak" # a task's answer where its worker cannot confine student code
ATTEMPTS = 3                 # this client submits one submission at most this often (new key each time)
CONNECT_TIMEOUT = 5          # seconds to reach the scheduler (and to close the Client)
REGISTER_TIMEOUT = 30        # seconds to wait for the cleanup plugin's broadcast to the workers
NO_WORKERS_TIMEOUT = grading_config.NO_WORKERS_TIMEOUT   # seconds without any worker: the rest get error rows
NO_WORKERS_ENV = grading_config.NO_WORKERS_ENV
RESULT_TIMEOUT = 60          # seconds to fetch one finished result (a small JSON string)
POLL = 1.0                   # seconds between looks at the cluster while nothing finishes
LOST_PAUSE = 0.2             # seconds before looking again at a result lost with its worker


# ------------------------------------------------------------------ worker side

_local = threading.local()   # one Grader (and so one zygote) per worker thread
_all_graders: list = []            # every Grader of this process, closed when the worker closes
_all_lock = threading.Lock()
_worker_digest = None


def _worker_kit_digest():
    """The kit digest of this worker process, computed once."""
    global _worker_digest
    if _worker_digest is None:
        _worker_digest = kit_digest()
    return _worker_digest


def _thread_grader(config: GradingConfig) -> Grader:
    """This thread's Grader, created on first use and kept across tasks (a new one when the
    configuration differs).

    Per thread, not per process: an Engine's zygote is driven over one socket,
    and the zygote dies with the thread that started it (PDEATHSIG).
    """
    g = getattr(_local, "grader", None)
    if g is None or g.config != config:
        if g is not None:
            g.close()
        g = _local.grader = Grader(config)
        with _all_lock:
            _all_graders.append(g)
    return g


def close_graders() -> None:
    """Stop this process's zygotes and remove their scratch directories."""
    with _all_lock:
        graders, _all_graders[:] = list(_all_graders), []
    for g in graders:
        try:
            g.close()
        except Exception:
            pass


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:                      # the kit works without distributed installed
    WorkerPlugin = object


class CloseGraders(WorkerPlugin):
    """Closes the graders when a worker shuts down cleanly (a worker process
    ends with os._exit, so atexit would not run). A killed worker's zygote
    dies with it (PDEATHSIG)."""

    name = "autograder-close-graders"
    idempotent = True        # registered once per scheduler: a retry or a later run broadcasts nothing

    def teardown(self, worker: object) -> None:
        close_graders()


def _address_space():
    """This Dask worker's address-space limit: a pool worker's, plus 0.5 GiB per further thread."""
    try:
        from distributed import get_worker
        threads = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError, TypeError):
        threads = 1
    return WORKER_ADDRESS_SPACE + max(0, threads - 1) * (512 << 20)


def grade_task(sub_dict: dict, config_dict: dict) -> str:
    """Dask task: grade one submission, return its result (``SubmissionResult.to_dict()``) as a JSON string.

    ``sub_dict`` is ``{"student_id", "notebooks": {name: bytes | path | None}}``;
    ``config_dict`` the run's ``GradingConfig.to_dict()``.
    The result carries the worker's address and kit digest, so the client can
    tell when a worker runs a different kit (whose scores could differ).
    """
    config = GradingConfig.from_dict(config_dict)
    limit_worker_memory(_address_space())    # a returned value must not balloon the worker
    sub = Submission.from_dict(sub_dict)
    try:
        from distributed import get_worker
        worker = get_worker().address
    except (ImportError, ValueError):
        worker = None
    try:
        res = _thread_grader(config).grade_submission(sub)
    except SandboxTooWeak as e:
        # An answer, not an exception: the scheduler would retry a raising task, and the kernel
        # would say the same again. The client raises it (``_outcome``) and stops the run.
        return json.dumps({REFUSED: {"missing": e.missing, "notes": e.notes, "worker": worker}})
    res = dataclasses.replace(res, worker=worker, kit_digest=_worker_kit_digest())
    return json.dumps(res.to_dict(), ensure_ascii=False)


# ------------------------------------------------------------------ client side

def _payload(sub):
    """The submission with each notebook's bytes, so the worker needs no shared filesystem.

    Read here with the grader's own checked read (no links, no FIFOs); a file
    it refuses (or too large, or unreadable) is sent as that refusal, which the
    worker's reader reports exactly as local grading would.
    """
    reader, notebooks = ReadNotebook(), dict[str, object]()
    for nb, path in sub.notebooks.items():
        if path is None:
            notebooks[nb] = None
            continue
        try:
            notebooks[nb] = reader.read_path(path, sub.root)
        except InvalidNotebook as e:
            notebooks[nb] = refusal(e)
    return {"student_id": sub.student_id, "notebooks": notebooks, "note": sub.note}


# ------------------------------------------------------------------ the scheduler

class SchedulerUnavailable(Exception):
    """The scheduler address is malformed or no Dask scheduler answers there; nothing was graded."""


def parse_address(address: object) -> str:
    """``tls://HOST:PORT`` or ``tcp://HOST:PORT`` as given (trimmed), or ValueError saying what is wrong."""
    text = str(address or "").strip()
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:                   # a port that is not a number, a broken [IPv6] literal
        parts, port = None, None
    if (parts is None or parts.scheme not in ("tcp", "tls") or not parts.hostname or not port
            or parts.path or parts.query or parts.fragment or parts.username or parts.password):
        raise ValueError(f"调度器地址应为 tls://HOST:PORT 或 tcp://HOST:PORT / the scheduler address must be "
                         f"tls://HOST:PORT or tcp://HOST:PORT (port 1-65535), got {text!r}")
    return f"{parts.scheme}://{parts.netloc}"


def client_security(address: str) -> "distributed.security.Security":
    """The ``distributed.security.Security`` to reach `address` with: Dask's TLS configuration for a
    ``tls://`` address (SchedulerUnavailable when it names no CA and client certificate: a TLS
    scheduler of the kit's set-up refuses a client without one); none for ``tcp://``."""
    from distributed.security import Security
    if not address.startswith("tls://"):
        return Security()
    security = Security(require_encryption=True)
    if not (security.tls_ca_file and security.tls_client_cert):
        raise SchedulerUnavailable(
            "tls:// 需要 Dask 的 TLS 配置（CA 与客户端证书）/ a tls:// scheduler needs Dask's TLS configuration: "
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and "
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY (docs/deploy.md)")
    return security


def _in_own_thread(fn, *args):
    """Run coroutine function ``fn`` to its end on a fresh event loop (works inside a running loop too)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(fn(*args))).result()


async def _identity(address, timeout, security):
    """The scheduler's identity dict, over one short-lived connection."""
    from distributed.core import rpc
    async with rpc(address, timeout=timeout, connection_args=security.get_connection_args("client")) as remote:
        return await asyncio.wait_for(remote.identity(n_workers=0), timeout)


def _unreachable(address: str, timeout: float) -> OSError | None:
    """Why nothing can answer at `address`'s host and port (refused, or no answer to the connection
    within `timeout`), or None (it accepted; or something else went wrong, which Dask's own connection
    says). Dask retries a refused connection until its timeout, as for a scheduler still starting: a
    mistyped port would cost the whole wait, and a host that drops the connection two of them."""
    parts = urllib.parse.urlsplit(address)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()
    except (ConnectionRefusedError, TimeoutError) as e:
        return e
    except OSError:
        pass
    return None


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> str:
    """The address, once a Dask scheduler has answered there; else SchedulerUnavailable.

    A bare RPC rather than a Client: a Client that fails to connect blocks for
    twice its timeout when it is garbage-collected (it tries to close itself).
    """
    try:
        address = parse_address(address)
    except ValueError as e:
        raise SchedulerUnavailable(str(e)) from None
    try:
        security = client_security(address)
    except ImportError:
        raise SchedulerUnavailable("未安装 Dask / Dask (distributed) is not installed") from None
    unreachable = _unreachable(address, timeout)
    if unreachable is not None:
        detail = unreachable.strerror or str(unreachable) or f"no answer within {timeout:g} s"
        raise SchedulerUnavailable(f"{address} 没有 Dask 调度器应答 / no Dask scheduler answers at {address} "
                                   f"({type(unreachable).__name__}: {detail})"[:300])
    try:
        ident = _in_own_thread(_identity, address, timeout, security)
    except ImportError:
        raise SchedulerUnavailable("未安装 Dask / Dask (distributed) is not installed") from None
    except Exception as e:               # refused, timed out, not speaking Dask's protocol
        detail = str(e) or f"no answer within {timeout:g} s"
        raise SchedulerUnavailable(f"{address} 没有 Dask 调度器应答 / no Dask scheduler answers at "
                                   f"{address} ({type(e).__name__}: {detail})"[:300]) from None
    if not isinstance(ident, dict) or ident.get("type") != "Scheduler":
        raise SchedulerUnavailable(f"{address} 不是 Dask 调度器 / {address} is not a Dask scheduler")
    return address


def _connect(address):
    """A Client on ``address``, checked first so a dead address never leaves a half-made Client."""
    from distributed import Client
    address = check_scheduler(address)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False, security=client_security(address))
    except Exception as e:               # the scheduler went away between the check and now
        raise SchedulerUnavailable(f"cannot connect to {address}: {type(e).__name__}: {e}"[:300]) from e


def _close(client):
    """Close our Client without waiting long for a scheduler that may be gone."""
    try:
        client.close(timeout=CONNECT_TIMEOUT)
    except Exception:
        pass


def _register_cleanup(client, wait=REGISTER_TIMEOUT):
    """Put CloseGraders on every worker; a worker leaving (or hanging) meanwhile is not an error.

    The scheduler stores the plugin before broadcasting it, so workers that
    join later get it anyway, and the broadcast fails (CommClosedError,
    "Stream is closed") only because of a worker that is gone. Cleanup is best
    effort: grading never depends on it, nor waits more than ``wait`` seconds
    for it (a stopped worker would stall the broadcast).
    """
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_try_register(client)),
                              name="autograder-register-plugin", daemon=True)
    thread.start()
    thread.join(wait)
    problem = outcome[0] if outcome else f"no answer within {wait:g} s"
    if problem:
        terminal.warn(f"the cleanup plugin is not on every Dask worker ({problem}); "
              "grading goes on")
    return not problem


def _try_register(client, attempts=3):
    """None once the plugin is registered, else what went wrong the last time."""
    last = None
    for attempt in range(attempts):
        try:
            client.register_plugin(CloseGraders(), name=CloseGraders.name)
            return None
        except Exception as e:
            last = " ".join(f"{type(e).__name__}: {e}".split())[:200]
            time.sleep(0.5 * (attempt + 1))
    return last


def no_workers_timeout() -> float:
    """Seconds without any worker before giving up: $AUTOGRADER_DASK_NO_WORKERS_TIMEOUT or 60, read
    now (``GradingConfig.build`` reads it so for a run)."""
    return grading_config.Scheduler.no_workers_from(os.environ, terminal.warn)


class WorkerWatch:
    """How long the cluster has had no worker at all (the scheduler not answering counts as none)."""

    def __init__(self, client, limit, clock=time.monotonic):
        self.client, self.limit, self.clock = client, limit, clock
        self.workers = self.threads = 0
        self.empty_since = None
        self.last_look = -math.inf

    def look(self) -> int:
        """Ask the scheduler for its workers now; returns the number of worker threads."""
        try:
            nthreads = self.client.nthreads(callback_timeout=CONNECT_TIMEOUT)
        except Exception:
            nthreads = {}
        self.workers, self.threads = len(nthreads), sum(nthreads.values())
        now = self.last_look = self.clock()
        if self.threads:
            self.empty_since = None
        elif self.empty_since is None:
            self.empty_since = now
        return self.threads

    def expired(self) -> bool:
        """True once there has been no worker for ``limit`` seconds (asks at most every POLL s)."""
        if self.clock() - self.last_look >= POLL:
            self.look()
        return self.empty_since is not None and self.clock() - self.empty_since >= self.limit


# ------------------------------------------------------------------ the batch

class InFlight:
    """The tasks submitted and not yet collected; a finished future lands in a queue.

    Each (re)submission gets its own key, so the scheduler's count of workers
    lost under a task (``allowed-failures``) starts afresh.
    """

    def __init__(self, client, config_dict: dict):
        self.client, self.config_dict = client, config_dict
        self.run = secrets.token_hex(4)
        self.finished: queue.Queue = queue.Queue()
        self.tasks: dict = {}            # future key -> (future, submission, cache key, attempt)

    def __len__(self):
        return len(self.tasks)

    def submit(self, sub: Submission, key: str, attempt: int = 0) -> None:
        fut = self.client.submit(grade_task, _payload(sub), self.config_dict,
                                 key=f"autograde-{student_folder(sub.student_id)}-{key[:12]}-{self.run}-{attempt}",
                                 retries=RETRIES, pure=False)
        self.tasks[fut.key] = (fut, sub, key, attempt)
        fut.add_done_callback(self.finished.put)   # runs in Dask's callback thread

    def next(self, timeout: float) -> tuple | None:
        """The next finished task (future, submission, key, attempt), or None after ``timeout`` s."""
        try:
            fut = self.finished.get(timeout=timeout)
        except queue.Empty:
            return None
        return self.tasks.get(fut.key)

    def rewatch(self, item: tuple) -> None:
        """Wait again for a task whose result was lost with its worker (the scheduler recomputes it)."""
        item[0].add_done_callback(self.finished.put)

    def forget(self, item: tuple) -> None:
        """Drop a task: the client stops wanting it (no blocking call to the scheduler)."""
        fut = item[0]
        self.tasks.pop(fut.key, None)
        fut.release()

    def abandon(self) -> list[tuple[Submission, str]]:
        """Drop every task still in flight; returns their (submission, key)."""
        items = list(self.tasks.values())
        for item in items:
            self.forget(item)
        return [(sub, key) for _fut, sub, key, _attempt in items]


def _outcome(fut):
    """(SubmissionResult, None), or (None, the exception standing for the failure)."""
    try:
        answer = json.loads(fut.result(timeout=RESULT_TIMEOUT))
        if isinstance(answer, dict) and isinstance(answer.get(REFUSED), dict):
            refused = answer[REFUSED]
            return None, SandboxTooWeak(refused.get("missing") or [], refused.get("notes"))
        return SubmissionResult.from_dict(answer), None
    except Exception as e:               # KilledWorker, CommClosedError, a timeout, the task's own error
        return None, e


def _run_batch(flight, todo, window, watch, finish, fail):
    """Keep ``window`` tasks in flight until every submission is finished.

    A task whose worker died, that came back with an error or whose result
    could not be fetched is submitted again (``ATTEMPTS`` in all), then gets
    error rows. Returns the (submission, key) given up on because the cluster
    had no worker for ``watch.limit`` seconds.
    """
    pending = iter(todo)

    def refill():
        while len(flight) < window:
            item = next(pending, None)
            if item is None:
                return
            flight.submit(*item)

    refill()
    while len(flight):
        item = flight.next(POLL)
        if item is None:
            if watch.expired():
                return flight.abandon() + list(pending)
            continue
        fut, sub, key, attempt = item
        if fut.status in ("pending", "lost"):
            # Finished, then its worker died before we fetched it: the scheduler recomputes it once a
            # worker is back. A lost future calls its callback at once, so look again only after a
            # pause (no busy loop), and give up with the rest when the cluster stays empty.
            if watch.expired():
                return flight.abandon() + list(pending)
            time.sleep(LOST_PAUSE)
            flight.rewatch(item)
            continue
        res, err = _outcome(fut)
        flight.forget(item)
        if err is None:
            finish(sub, key, res)
        elif isinstance(err, SandboxTooWeak):
            # A worker whose kernel cannot confine student code: deterministic, so no retry, and
            # never rows of zeros: the run stops with the refusal (exit status 3).
            flight.abandon()
            raise err
        elif attempt + 1 < ATTEMPTS:
            flight.submit(sub, key, attempt + 1)
        elif isinstance(err, SandboxUnavailable):  # no worker tried could run student code: stop, no zeros
            raise err
        else:
            fail(sub, key, f"{GRADER_ERROR}: 评分进程失败 / grading task failed on the cluster: "
                           f"{type(err).__name__}: {err}")
        refill()
    return []


class DaskBackend:
    """Grade on the Dask cluster at ``address``: one task per submission, every output written here.

    ``client``: an existing ``distributed.Client`` to use instead of connecting.
    ``no_workers``: seconds without any worker before the rest get error rows
    (default ``no_workers_timeout()``). Raises SchedulerUnavailable when nobody answers.
    The tasks grade under the configuration of the run's grader (``grader.config``).
    """

    def __init__(self, address: str, *, client=None, no_workers: float | None = None):
        self.address = address
        self.client, self.no_workers = client, no_workers

    def grade(self, todo: list, grader: Grader, finish, fail) -> dict:
        digest = kit_digest()
        where, mismatched = {}, []

        def finish_checked(sub, key, res, ok=True):
            if res.worker:
                where[sub.student_id] = res.worker
            if (res.kit_digest or digest) != digest and res.worker not in mismatched:
                mismatched.append(res.worker)
                terminal.warn(f"worker {res.worker} runs a different kit than this "
                      "client; install the same kit everywhere or scores may differ")
            finish(sub, key, res, ok)

        client, own_client = self.client, self.client is None and bool(todo)   # nothing to grade: no cluster
        n_workers = 0
        try:
            if own_client:
                client = _connect(self.address)
            if todo:
                watch = WorkerWatch(client, self.no_workers or no_workers_timeout())
                watch.look()
                n_workers = watch.workers
                _register_cleanup(client)
                # A bounded window of tasks in flight keeps the client's memory flat
                # however large the class: bytes are read only when a task is submitted.
                window = max(8, 4 * watch.threads)
                flight = InFlight(client, grader.config.to_dict())
                given_up = _run_batch(flight, todo, window, watch, finish_checked, fail)
                _give_up(given_up, watch.limit, fail)
        finally:
            if own_client and client is not None:
                _close(client)
        return {"workers": n_workers, "scheduler": self.address, "worker_of": where,
                "kit_mismatch_workers": mismatched}


def _give_up(given_up, limit, fail):
    """Error rows for the submissions left when the cluster had no worker for ``limit`` seconds."""
    if not given_up:
        return
    why = f"{GRADER_ERROR}: 没有可用的 Dask worker（{limit:g} 秒）/ no Dask worker for {limit:g} s: not graded"
    for sub, key in given_up:
        fail(sub, key, why)
    terminal.warn(f"连续 {limit:g} 秒没有 Dask worker / no Dask worker for {limit:g} s: "
          f"{len(given_up)} submission(s) not graded, their rows have status error")
