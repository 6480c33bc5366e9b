"""What the check reports: a ``Finding``, and which findings count under which ``forbid`` rule.

A finding is one construct at one line of one answer cell, in one category:
``tampering``, ``dynamic`` (run-time names), ``pool`` or ``bonus``. ``COUNTS``
says which categories each exercise record's ``forbid`` rule counts;
``blinds`` says which module-level tampering reaches every function's calls.
"""
import dataclasses


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    cell: int          # index of the answer cell
    line: int          # line within that cell
    category: str      # 'tampering' | 'dynamic' | 'review' | 'pool' | 'bonus'
    key: str           # short name of the construct, e.g. 'threading', 'sys._getframe', 'F.max_pool2d'

    @property
    def kind(self):
        """'review' for tampering and run-time names, 'forbidden_op' for operators."""
        return "review" if self.category in ("tampering", "dynamic", "review") else "forbidden_op"

    @property
    def automatic(self):
        """Whether this finding alone sets the points to 0: an operator the rule forbids, named
        plainly (any spelling the parent resolves statically). Everything else goes to a person."""
        return self.category in ("pool", "bonus")

    @property
    def construct(self):
        """The review flag's construct (``review:<construct>``): what mechanism the code uses."""
        return construct_of(self.category, self.key)


_THREADS = ("threading", "_thread", "multiprocessing", "concurrent", "asyncio")
_PROCESSES = ("subprocess", "_posixsubprocess", "signal", "pty", "posix", "os.")
_CODE = ("marshal", "pickle", "_pickle", "copyreg", "shelve", "dill", "cloudpickle", "types", "code", "codeop",
         "runpy", "zipimport", "imp", "pkgutil", "co_code", "co_consts", "co_names", "__code__", "func_code")
_FRAMES = ("sys._getframe", "sys._current", "sys.settrace", "sys.setprofile", "sys.gettrace", "sys.getprofile",
           "sys.exc_info", "sys.exception", "sys.last", "sys.monitoring", "sys.call_tracing", "inspect", "traceback",
           "logging.currentframe", "trace", "pdb", "bdb", "cProfile", "profile", "f_", "tb_", "gi_", "cr_", "ag_",
           "__globals__", "__closure__", "func_globals", "__builtins__")


def construct_of(category, key):
    """``getattr(...)`` -> 'dynamic_name', ``sys._getframe`` -> 'frames', ``torch.x =`` -> 'monkeypatch'."""
    if category == "review":
        return key.split(" ")[0]
    if category in ("pool", "bonus"):
        return category
    k = key
    if category == "dynamic":
        if k.startswith(("eval", "exec", "compile")):
            return "dynamic_code"
        if "import" in k:
            return "dynamic_import"
        if k.startswith(("getattr", "hasattr", "setattr", "delattr", "__getattr", "__setattr", "__delattr")):
            return "dynamic_name"
        return "lookup_helper"
    if k.endswith(" =") or k.startswith(("setattr(", "delattr(")) or k == "sys.modules[...] =":
        return "monkeypatch"
    if k == "gc":
        return "gc"
    if k.startswith(_THREADS):
        return "threads"
    if k.startswith(_PROCESSES):
        return "processes"
    if k.startswith("torch") or k.startswith("__torch_") or k[:1].isupper() or k.startswith("_") and "mode" in k:
        return "dispatch"
    if k == "/proc":
        return "proc"
    if k.startswith(("importlib", "__import__", "__loader__", "__spec__", "sys.meta_path", "sys.path")):
        return "dynamic_import"
    if k in ("sys.modules",):
        return "lookup_helper"
    if k.startswith(("ctypes", "_ctypes", "cffi", "_testcapi", "_testinternalcapi")):
        return "native"
    if k.startswith(("builtins", "__main__")):
        return "builtins"
    if k.startswith(_CODE):
        return "code_objects"
    if k.startswith(_FRAMES):
        return "frames"
    if k.startswith("__"):
        return "introspection"
    return "introspection"


# The categories each `forbid` rule of an exercise record counts (an unknown rule: as "pooling").
COUNTS = {"none": ("tampering", "review"), "pooling": ("tampering", "dynamic", "review", "pool"),
          "pooling_require_conv": ("tampering", "dynamic", "review", "pool"),
          "conv_relu_only": ("tampering", "dynamic", "review", "pool", "bonus")}

# Tampering that cannot blind the op recorder of another function's calls: processes and
# signals (seccomp and the jail stop those), threads (a thread must still find the recorder
# through gc or frames, which do blind), public attributes patched (the recorder still sees
# the aten ops underneath) and tensor-subclass hooks (dispatch modes run before them).
_LOCAL_ONLY = ("threading", "_thread", "multiprocessing", "concurrent", "asyncio", "subprocess",
               "_posixsubprocess", "signal", "pty", "posix", "os.", "__torch_function__", "__torch_dispatch__")


def blinds(key):
    """Whether module-level tampering named `key` could blind the recorder for every function."""
    if key.endswith(" ="):
        return key.startswith("builtins.")
    return not key.startswith(_LOCAL_ONLY)

