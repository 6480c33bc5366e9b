"""One grading configuration: everything a run's graders need to know, built once and passed down.

::

    config = GradingConfig.build(timeout=5, workers=2, scheduler=None, language="en",
                                 allow_weak_sandbox=False, environ=os.environ)
    grade_submissions(subs, out, config=config)      # -> Grader(config) in every worker

Built by the command line (``autograder.cli.commands``), by the nbgrader adapter (the traitlets of
``nbgrader_execute.HardenedExecute``) or by Gradescope's ``run_autograder``; nothing below them
reads an option or the environment (no module of the kit reads it at import). A worker (a pool
process, a Dask task) receives it as ``to_dict()`` JSON and rebuilds it with ``from_dict``.

A leaf: the standard library and ``sandbox/limits.py`` (itself a leaf), no torch.
"""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Any, Mapping, Optional

from autograder.core.limits import Limits

# Environment variables the builders read (never a module at import time).
SOURCE_CHECK_ENV = "AUTOGRADER_SOURCE_CHECK"           # "off": the static check is skipped (tests of the other layers)
CHECK_SECONDS_ENV = "AUTOGRADER_CHECK_SECONDS"         # the static check's wall-clock budget
CHECK_MEMORY_ENV = "AUTOGRADER_CHECK_MEMORY_MB"        # its address space beyond the grader's own
NO_WORKERS_ENV = "AUTOGRADER_DASK_NO_WORKERS_TIMEOUT"  # seconds a Dask run waits with no worker at all

SUITE_CALLS = 3               # a function's whole hidden suite may take this many call timeouts (30 s by default)
NO_WORKERS_TIMEOUT = 60.0     # seconds without any Dask worker before the rest get error rows


@dataclasses.dataclass(frozen=True)
class SourceCheck:
    """The parent's static check of the answer cells (``pipeline/check_source.py``)."""

    enabled: bool = True                  # False only to test the other layers alone (jail, recorder)
    seconds: float = 8.0                  # its wall-clock budget per notebook
    memory: int = 768 << 20               # its address space, beyond the grader's own

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "SourceCheck":
        """``$AUTOGRADER_SOURCE_CHECK`` (off), ``$AUTOGRADER_CHECK_SECONDS``, ``$AUTOGRADER_CHECK_MEMORY_MB``."""
        return cls(enabled=environ.get(SOURCE_CHECK_ENV, "on") != "off",
                   seconds=float(environ.get(CHECK_SECONDS_ENV) or cls.seconds),
                   memory=int(environ.get(CHECK_MEMORY_ENV) or (cls.memory >> 20)) << 20)


@dataclasses.dataclass(frozen=True)
class Scheduler:
    """A Dask cluster to grade on (``--scheduler``). Its TLS certificates are Dask's own configuration
    (``distributed.comm.tls.*``, ``backends/dask.client_security``), read when connecting."""

    address: str                          # tls://HOST:PORT or tcp://HOST:PORT
    no_workers_timeout: float = NO_WORKERS_TIMEOUT

    @staticmethod
    def no_workers_from(environ: Mapping[str, str], warn: Any = None) -> float:
        """``$AUTOGRADER_DASK_NO_WORKERS_TIMEOUT`` in seconds (> 0), else 60 (``warn(text)`` says why)."""
        text = environ.get(NO_WORKERS_ENV, "").strip()
        if not text:
            return NO_WORKERS_TIMEOUT
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if math.isfinite(value) and value > 0:
            return value
        if warn is not None:
            warn(f"ignoring {NO_WORKERS_ENV}={text!r} (seconds > 0); using {NO_WORKERS_TIMEOUT:g}")
        return NO_WORKERS_TIMEOUT


@dataclasses.dataclass(frozen=True)
class GradingConfig:
    """How a run grades: the child's limits (``Limits``, with the language of the words), the
    suites' time budget, where (workers or a Dask scheduler) and the static source check.

    ``suite_budget`` is derived from the call timeout unless given (``SUITE_CALLS`` of them: 30 s
    for the default 10 s, never less), so ``--timeout`` reaches the suites as it reaches the child.
    """

    limits: Limits = dataclasses.field(default_factory=Limits)
    suite_budget: Optional[float] = None      # seconds for one function's whole hidden suite (None: derived)
    workers: Optional[int] = None             # local worker processes (None: the core count)
    scheduler: Optional[Scheduler] = None     # a Dask cluster instead of local processes
    source_check: SourceCheck = dataclasses.field(default_factory=SourceCheck)
    # No language chosen (no --language, no $COURSE_LANGUAGE): each submission's words are its
    # edition's (``course_dir.EDITION_LANGUAGE``: pooling zh+en, pooling_en en); a choice applies to all.
    by_edition: bool = False

    def __post_init__(self) -> None:
        if self.suite_budget is None:
            # Never below the default's 30 s: a shorter --timeout already bounds each call, and the
            # notebook's own budget (Limits.notebook_timeout) bounds the whole; a longer one lengthens it.
            t = max(float(self.limits.call_timeout), Limits.call_timeout)
            object.__setattr__(self, "suite_budget", SUITE_CALLS * t)

    @property
    def language(self) -> str:
        """The language of the feedback written ("zh+en", "en", "zh"): the limits carry it to every worker."""
        return self.limits.language

    def language_for(self, assignment: Optional[str]) -> str:
        """The language a submission of `assignment` (an edition) is written in."""
        if self.by_edition:
            from autograder.core.course_dir import EDITION_LANGUAGE
            return EDITION_LANGUAGE.get(assignment or "", self.language)
        return self.language

    @property
    def budget(self) -> float:
        """``suite_budget`` as a number (it is never None once built)."""
        assert self.suite_budget is not None
        return float(self.suite_budget)

    @classmethod
    def build(cls, *, timeout: Optional[float] = None, workers: Optional[int] = None,
              scheduler: Optional[str] = None, language: Optional[str] = None,
              allow_weak_sandbox: bool = False, environ: Optional[Mapping[str, str]] = None,
              warn: Any = None, memory_mib: Optional[int] = None) -> "GradingConfig":
        """The configuration of a run from its options (None: the default) and `environ` (default:
        ``os.environ``, read now): the language when none is given, the source check's settings,
        the Dask run's patience without workers. ``memory_mib``: each child's memory limit in MiB
        (``Limits.memory_from_mib``: ValueError outside its range)."""
        from course.language import current_language
        env = os.environ if environ is None else environ
        limits = Limits.from_timeout(timeout, allow_weak_sandbox=bool(allow_weak_sandbox),
                                     language=language or current_language(),
                                     memory=Limits.memory_from_mib(memory_mib))
        sched = Scheduler(scheduler, Scheduler.no_workers_from(env, warn)) if scheduler else None
        chosen = bool(language) or bool(env.get("COURSE_LANGUAGE", "").strip())
        return cls(limits=limits, workers=workers, scheduler=sched,
                   source_check=SourceCheck.from_environment(env), by_edition=not chosen)

    def to_dict(self) -> dict:
        """JSON-able, for a worker process or a Dask task (``from_dict`` makes it again)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "GradingConfig":
        limits = dict(d["limits"])
        if limits.get("drop_to") is not None:
            limits["drop_to"] = tuple(limits["drop_to"])
        sched = d.get("scheduler")
        return cls(limits=Limits(**limits), suite_budget=d.get("suite_budget"), workers=d.get("workers"),
                   scheduler=Scheduler(**sched) if sched else None,
                   source_check=SourceCheck(**d.get("source_check", {})), by_edition=bool(d.get("by_edition")))

    def grading_fields(self) -> dict:
        """What changes a result (the cache key's part of the configuration): the limits (language
        included), the suite budget and the source check; not where the grading runs."""
        fields = {"limits": dataclasses.asdict(self.limits), "suite_budget": self.suite_budget,
                  "source_check": dataclasses.asdict(self.source_check)}
        if self.by_edition:                    # the words follow each edition (only named when so,
            fields["by_edition"] = True        # so a chosen language's keys stay as they were)
        return fields


def as_config(value: "GradingConfig | Limits | None") -> GradingConfig:
    """A GradingConfig from a GradingConfig, from bare ``Limits`` (the default configuration with
    those limits), or from None (the default configuration)."""
    if isinstance(value, GradingConfig):
        return value
    if value is None:
        return GradingConfig()
    if isinstance(value, Limits):
        return GradingConfig(limits=value)
    raise TypeError(f"a GradingConfig or Limits, not {type(value).__name__}")
