"""Which torch operators a student's function dispatched, and which of them are forbidden.

``OpRecorder`` is a ``TorchDispatchMode``: every aten operator that runs while
it is active passes through ``__torch_dispatch__``, however it was reached
(``F.max_pool2d``, ``nn.MaxPool2d``, ``torch.ops.aten.max_pool2d_with_indices``,
``getattr(F, 'max_' + 'pool2d')``, ``eval``, ``importlib`` ...). So the check
does not read the student's source at all.

Op names are recorded as ``str(func.overloadpacket)``, e.g. ``'aten.max_pool2d_with_indices'``.

Policies (``autograder.functions.GradedFunction.forbid``):

* ``'pooling'``: any op with ``pool`` in its name is forbidden;
* ``'pooling_require_conv'``: the same, and ``aten.convolution`` must appear;
* ``'conv_relu_only'``: only convolution, relu, arithmetic and
  view/shape/creation/padding ops (a whitelist: no max, sort, clamp, where,
  comparisons, abs ...);
* ``'none'``: anything goes.

This file imports only torch: the sandbox's child loads it by path
(``autograder/sandbox/child.py``), so keep it self-contained.
"""
from torch.utils._python_dispatch import TorchDispatchMode


class OpRecorder(TorchDispatchMode):
    """Record the aten op names dispatched inside ``with OpRecorder() as rec:`` into ``rec.ops``."""

    def __init__(self):
        super().__init__()
        self.ops = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.add(str(func.overloadpacket))
        return func(*args, **(kwargs or {}))


CONV = "aten.convolution"

# For 'conv_relu_only': the building blocks max(a, b) = relu(a - b) + b needs,
# plus whatever shaping, creating and padding a reasonable solution does. Not
# _local_scalar_dense: float(t), int(t), t.item() take values out of torch, where
# Python's own `a if a > b else b` would be a max no operator records.
CONV_RELU_ALLOWED = frozenset("aten." + name for name in """
    convolution relu relu_ add add_ sub sub_ rsub mul mul_ div div_ neg sum mean
    view _unsafe_view reshape expand expand_as permute transpose t unsqueeze squeeze
    flatten unflatten select slice narrow split split_with_sizes chunk unbind cat stack
    clone contiguous copy_ _to_copy to detach alias lift_fresh lift_fresh_copy
    empty empty_like empty_strided zeros zeros_like ones ones_like full full_like
    new_zeros new_ones new_full new_empty fill_ zero_ scalar_tensor arange eye
    constant_pad_nd pad repeat tile movedim as_strided unfold im2col
    flip roll index_select index gather _reshape_alias reshape_as squeeze_ unsqueeze_ view_as
    """.split())

POLICIES = ("pooling", "pooling_require_conv", "conv_relu_only", "none")


def violations(policy, ops):
    """Sorted forbidden op names among ``ops`` under ``policy`` (empty: allowed).

    For ``'pooling_require_conv'`` a missing convolution is reported as
    ``'missing:aten.convolution'``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    ops = set(ops)
    if policy == "none":
        return []
    if policy == "conv_relu_only":
        bad = sorted(op for op in ops if op not in CONV_RELU_ALLOWED)
        return bad
    bad = sorted(op for op in ops if "pool" in op)
    if policy == "pooling_require_conv" and CONV not in ops:
        bad.append("missing:" + CONV)
    return bad


_warm = False


def warm_up():
    """Enter the mode once, before the first timed call: its first use imports torch._dynamo
    (seconds), which must not count against a student's time limit. Called by whoever records
    (the in-kernel grader, the sandbox's zygote); the trusted grader, which only judges the
    recorded names, never pays for it."""
    global _warm
    if not _warm:
        import torch
        with OpRecorder():
            torch.zeros(1) + 1
        _warm = True
