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
    category: str      # 'tampering' | 'dynamic' | 'pool' | 'bonus'
    key: str           # short name of the construct, e.g. 'threading', 'sys._getframe', 'F.max_pool2d'

    @property
    def kind(self):
        """'tampering' for tampering and run-time names, 'forbidden_op' for operators."""
        return "tampering" if self.category in ("tampering", "dynamic") else "forbidden_op"


# The categories each `forbid` rule of an exercise record counts (an unknown rule: as "pooling").
COUNTS = {"none": ("tampering",), "pooling": ("tampering", "dynamic", "pool"),
          "pooling_require_conv": ("tampering", "dynamic", "pool"),
          "conv_relu_only": ("tampering", "dynamic", "pool", "bonus")}

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

