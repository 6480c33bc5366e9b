"""How much one jailed child (one notebook) may take: time, memory, files, processes.

A leaf with no imports of the kit (and no torch), so that the command line can
show its defaults without loading the sandbox. The rule that a notebook may
take ``NOTEBOOK_CALLS`` call timeouts is written here and nowhere else.
"""
import dataclasses
from typing import Optional


@dataclasses.dataclass
class Limits:
    """Resource limits of one jailed child (one notebook).

    The notebook's wall clock (and from it the child's CPU rlimit) is derived
    from the call timeout unless given: ``Limits(call_timeout=5)`` is the rule.
    """
    call_timeout: float = 10.0          # wall clock, one call or one cell
    notebook_timeout: float = 0.0       # wall clock, everything of one notebook (0 or None: derived, below)
    memory: int = 2 << 30               # RLIMIT_AS above the warmed-up zygote's own address space
    file_size: int = 16 << 20           # RLIMIT_FSIZE
    open_files: int = 64                # RLIMIT_NOFILE
    processes: int = 16                 # RLIMIT_NPROC (per uid)
    tmp_size: int = 64 << 20            # the child's writable /tmp (tmpfs)
    output_limit: int = 4096            # characters of stdout/stderr kept per request
    max_reply: int = 64 << 20           # bytes the child may send in one reply
    drop_to: tuple = (65534, 65534)     # nobody:nogroup, when root
    namespaces: bool = True             # False: behave as where the OS refuses them (tests the fallback)
    landlock: bool = True               # False: behave as where the kernel has no Landlock (tests the refusal)
    allow_weak_sandbox: bool = False    # grade even where a child's file system or network cannot be
                                        # confined (--allow-weak-sandbox; recorded in run.json)
    language: str = "zh+en"             # the language of the feedback written (course.language: "zh+en",
                                        # "en", "zh"; --language; recorded in run.json). Not a limit, but
                                        # this is the one object every worker (local or Dask) receives.

    MEMORY_MIB = (128, 1 << 16)         # the range --memory accepts, in MiB (memory_from_mib)
    NOTEBOOK_CALLS = 18                 # a notebook may take this many call timeouts in all (its replay
                                        # included: runner.Deadline is shared by both children)

    def __post_init__(self) -> None:
        from course.language import check_language     # a standard-library leaf
        check_language(self.language)
        if not self.notebook_timeout:                  # no notebook runs in no time: derive it
            t = self.call_timeout
            self.notebook_timeout = max(self.NOTEBOOK_CALLS * t, t + 5)

    @classmethod
    def from_timeout(cls, call_timeout: Optional[float] = None, **kw) -> "Limits":
        """The limits for a call timeout in seconds (None: the default), the notebook's derived from it."""
        if call_timeout is None:
            return cls(**kw)
        return cls(call_timeout=float(call_timeout), **kw)

    @classmethod
    def memory_from_mib(cls, mib: Optional[float]) -> int:
        """``memory`` in bytes for `mib` MiB (None: the default); ValueError, in both languages, outside
        ``MEMORY_MIB``: below it torch alone fails in every child, above it no machine has the room."""
        if mib is None:
            return cls.memory
        low, high = cls.MEMORY_MIB
        if not (isinstance(mib, (int, float)) and low <= mib <= high and float(mib).is_integer()):
            raise ValueError(f"--memory must be whole MiB in [{low}, {high}], got {mib} / "
                             f"内存上限必须是 {low} 到 {high} 之间的整数 MiB")
        return int(mib) << 20

    def child_config(self) -> dict:
        """What the zygote passes to the child (JSON); its CPU rlimit is the notebook's wall clock + 5 s."""
        return {"memory": self.memory, "file_size": self.file_size, "open_files": self.open_files,
                "processes": self.processes, "tmp_size": self.tmp_size,
                "output_limit": self.output_limit, "drop_to": list(self.drop_to) if self.drop_to else None,
                "cpu_seconds": int(self.notebook_timeout) + 5, "namespaces": self.namespaces,
                "landlock": self.landlock}
