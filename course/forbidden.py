"""Which torch operators a student's function dispatched, and which of them are forbidden.

``OpRecorder`` is a ``TorchDispatchMode``: every aten operator that runs while
it is active passes through ``__torch_dispatch__``, however it was reached
(``F.max_pool2d``, ``nn.MaxPool2d``, ``torch.ops.aten.max_pool2d_with_indices``,
``getattr(F, 'max_' + 'pool2d')``, ``eval``, ``importlib`` ...). So the check
does not read the student's source at all.

Op names are recorded as ``str(func.overloadpacket)``, e.g. ``'aten.max_pool2d_with_indices'``.

Policies (``autograder.exercises.Exercise.forbid``):

* ``'pooling'``: any op with ``pool`` in its name is forbidden;
* ``'pooling_require_conv'``: the same, and ``aten.convolution`` must appear;
* ``'conv_relu_only'``: only convolution, relu, arithmetic and
  view/shape/creation/padding ops (a whitelist: no max, sort, clamp, where,
  comparisons, abs ...);
* ``'none'``: anything goes.

This file imports only torch: the sandbox's child imports it, and no other course module but
``course.values`` (``autograder/sandbox/child.py``), so keep it self-contained.
"""
import sys
import weakref

import torch
from torch.utils._python_dispatch import TorchDispatchMode

# Bound once, here: the recorder's own look-ups never go through a name student code can rebind.
_Tensor = torch.Tensor
_isinstance, _str, _id, _list, _tuple, _type = isinstance, str, id, list, tuple, type
_sorted, _set = sorted, set         # violations() too: course.check() judges in the student's own process
_KeyedRef = weakref.KeyedRef
# The tensor's memory (its storage object: torch keeps one Python object per storage, alive as long
# as the memory is). Bound before ``install_value_hooks`` wraps it (the hook keeps the real one).
_storage_of = getattr(_Tensor.untyped_storage, "_kit_real", _Tensor.untyped_storage)

# Operators that make a fresh tensor from another's dtype, device and shape only, never its values
# (``X.new_zeros``, ``torch.zeros_like(X)``): torch's own classification of them (the fake-tensor
# machinery's "like" constructors). Their output is not data derived from the input, so a kernel
# built with ``X.new_zeros`` may be checked (``assert K.sum() == P``) like any constant.
try:
    from torch._subclasses.fake_tensor import _like_tensor_constructors
    _FRESH = frozenset(_str(op.overloadpacket) for op in _like_tensor_constructors)
except Exception:          # another torch: every op that reads the input derives its output
    _FRESH = frozenset()


def _tensors(value, out):
    """The tensors in an op's argument or result: a tensor, or a (nested) list / tuple / dict of them."""
    if _isinstance(value, _Tensor):
        out.append(value)
    elif _isinstance(value, (_list, _tuple)):
        for v in value:
            _tensors(v, out)
    elif _isinstance(value, dict):
        for v in value.values():
            _tensors(v, out)
    return out


class OpRecorder(TorchDispatchMode):
    """Record the aten op names dispatched inside ``with OpRecorder() as rec:``.

    ``rec.ops``: every op. ``rec.x_ops``: the ops that read data derived from the
    tensors given to ``taint`` (the function's inputs) -- the operator rule is about
    computation on ``X``; a constant kernel built with ``one_hot``, ``eye`` or an
    ``nn.Conv2d``'s initialiser reads no such data. A tensor is derived from the input
    when an op that read a derived tensor produced (or wrote into) it. Derived tensors
    are held by weak reference (a freed tensor's id, reused, is never taken for derived).
    """

    def __init__(self):
        super().__init__()
        self.ops = set()
        self.x_ops = set()
        derived = self._derived = {}
        memory = self._memory = {}              # data_ptr -> weak ref to a storage holding derived data

        def forget(ref, derived=derived):
            if derived.get(ref.key) is ref:
                del derived[ref.key]

        def forget_memory(ref, memory=memory):
            if memory.get(ref.key) is ref:
                del memory[ref.key]
        self._forget, self._forget_memory = forget, forget_memory

    def _mark(self, t):
        key = _id(t)
        r = self._derived.get(key)
        if r is None or r() is not t:
            self._derived[key] = _KeyedRef(t, self._forget, key)
        # Its memory too: a tensor that aliases it without any op (``P.data = Y``,
        # ``nn.utils.vector_to_parameters``, a tensor over ``X._typed_storage()``, a dlpack round
        # trip, which wraps the same address in a new storage) reads the same data, whatever
        # object it is. Keyed by address, held by a weak reference to the storage: while it is
        # alive no other memory has that address; once freed, its address is forgotten (a
        # constant allocated there later is a constant). Empty storages have no address.
        s = self._storage(t)
        if s is not None:
            k = s.data_ptr()
            if k:
                r = self._memory.get(k)
                if r is None or r() is None:
                    self._memory[k] = _KeyedRef(s, self._forget_memory, k)

    @staticmethod
    def _storage(t):
        try:
            return _storage_of(t)
        except Exception:                       # no storage (a subclass, sparse, meta ...)
            return None

    def _reads_derived(self, t):
        r = self._derived.get(_id(t))
        if r is not None and r() is t:
            return True
        if not self._memory:
            return False
        s = self._storage(t)
        if s is None:
            return False
        k = s.data_ptr()
        r = self._memory.get(k) if k else None
        return r is not None and r() is not None

    def taint(self, values):
        """Mark the tensors in ``values`` (the call's arguments, any nesting) as the input."""
        for t in _tensors(values, []):
            self._mark(t)

    def derived(self, t):
        """Whether tensor ``t`` holds data derived from the input (it, or the memory it views)."""
        return self._reads_derived(t)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = _str(func.overloadpacket)
        self.ops.add(name)
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        derived = self._derived
        if not (derived or self._memory) or name in _FRESH:
            return out
        ins = []
        for a in args:                          # most arguments are tensors or numbers
            if _type(a) is _Tensor or _isinstance(a, _Tensor):
                ins.append(a)
            elif _isinstance(a, (_list, _tuple)):
                _tensors(a, ins)
        if kwargs:
            _tensors(kwargs, ins)
        reads = self._reads_derived
        for t in ins:
            if reads(t):
                self.x_ops.add(name)
                mark = self._mark
                if _type(out) is _Tensor:
                    mark(out)
                else:
                    for o in _tensors(out, []):
                        mark(o)
                for o in ins:                   # an in-place or out= op writes into its arguments
                    mark(o)
                break
        return out

    def __enter__(self):
        _active.append(self)
        return super().__enter__()

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            if _active and _active[-1] is self:
                _active.pop()


_active = []            # the recorders entered, innermost last (for the value hooks below)


def _dynamo_only_when_in_use(mode: type) -> "object | None":
    """Keep Dynamo out of `mode`'s dispatch frames without importing it while nothing uses it.

    ``TorchDispatchMode`` wraps a subclass's ``__torch_dispatch__`` in ``torch._disable_dynamo``,
    which imports ``torch._dynamo`` (and sympy: over a second of CPU, in every zygote, worker and
    kernel that records) on the first op, only to stop Dynamo from tracing the mode's frames. Dynamo
    can trace a frame only once a frame-evaluation hook is set, and only its own code sets one. So
    the recorder calls its dispatch directly while no hook is set and ``torch._dynamo`` is not
    loaded, and torch's own disabled wrapper (made once) from the first op after either happens
    (``torch.compile`` in student code, or a hook set through ``torch._C``). Returns the function
    that holds the switch (watched in the sandbox's child, ``bindings``), or None on a torch whose
    wrapper differs (then torch's own behaviour stands)."""
    wrapper = mode.__dict__.get("__torch_dispatch__")
    raw = getattr(wrapper, "__wrapped__", None)
    eval_frame = getattr(getattr(torch._C, "_dynamo", None), "eval_frame", None)
    hook_set = getattr(eval_frame, "get_eval_frame_callback", None)
    reads = getattr(getattr(wrapper, "__code__", None), "co_consts", ())
    if raw is None or hook_set is None or "__dynamo_disable" not in reads:
        return None
    modules, disabled = sys.modules, []

    def dispatch_outside_dynamo(*args, **kwargs):
        if not disabled:
            if hook_set() is None and "torch._dynamo" not in modules:
                return raw(*args, **kwargs)
            import torch._dynamo
            disabled.append(torch._dynamo.disable(raw, recursive=True, wrapping=False))
        return disabled[0](*args, **kwargs)

    # The attribute torch's wrapper reads first (torch/_compile.py): set, it never imports Dynamo.
    setattr(raw, "__dynamo_disable", dispatch_outside_dynamo)
    return raw


_DISPATCH = _dynamo_only_when_in_use(OpRecorder)

# Tensor methods that hand a tensor's values to Python or numpy without dispatching any op: its
# values, or its memory (``untyped_storage``, which ``storage()``, ``_typed_storage()``,
# ``torch.save`` and pickling reach; ``__dlpack__``, which numpy's ``from_dlpack`` reaches).
# ``apply_``, ``map_`` and ``map2_`` hand each value (of the tensor and of its tensor arguments)
# to a Python function, element by element, without dispatching any op either.
# ``data_ptr`` hands out X's address: numpy reads it through any object's ``__array_interface__``.
LEAVING = ("tolist", "numpy", "__array__", "untyped_storage", "__dlpack__", "apply_", "map_", "map2_",
           "data_ptr")


def install_value_hooks():
    """Make ``tolist``, ``numpy`` and ``__array__`` of data derived from the input count as ops
    (``aten.tolist`` ...): values taken out of torch are still computed on. Installed once in
    the sandbox's zygote, before any student code; the child checks after every call that
    they are still in place (``bindings``)."""
    for name in LEAVING:
        real = getattr(_Tensor, name)
        if getattr(real, "_kit_hook", False):
            continue

        def hook(self, *a, _real=real, _op="aten." + name.strip("_"), **k):
            if _active:
                rec = _active[-1]
                if rec.derived(self) or any(_isinstance(v, _Tensor) and rec.derived(v) for v in a):
                    rec.x_ops.add(_op)
                    rec.ops.add(_op)
            return _real(self, *a, **k)
        hook._kit_hook = True
        hook._kit_real = real
        hook.__name__ = name
        setattr(_Tensor, name, hook)


def bindings():
    """What the recorder relies on, by name: compared before and after each call in the child."""
    return {"OpRecorder.__torch_dispatch__": OpRecorder.__dict__["__torch_dispatch__"],
            "OpRecorder.__init__": OpRecorder.__dict__["__init__"],
            "OpRecorder.taint": OpRecorder.__dict__["taint"],
            "OpRecorder.derived": OpRecorder.__dict__["derived"],
            "OpRecorder.__enter__": OpRecorder.__dict__["__enter__"],
            "OpRecorder.__exit__": OpRecorder.__dict__["__exit__"],
            "TorchDispatchMode.__enter__": TorchDispatchMode.__dict__.get("__enter__"),
            "TorchDispatchMode.__exit__": TorchDispatchMode.__dict__.get("__exit__"),
            **{f"Tensor.{n}": _Tensor.__dict__.get(n) for n in LEAVING},
            **({"dispatch.__dynamo_disable": _DISPATCH.__dict__["__dynamo_disable"]}
               if _DISPATCH is not None else {})}


def binding_owners():
    """The object each ``bindings`` label's owner names (its text before the last dot)."""
    owners = {"OpRecorder": OpRecorder, "TorchDispatchMode": TorchDispatchMode, "Tensor": _Tensor}
    if _DISPATCH is not None:
        owners["dispatch"] = _DISPATCH      # OpRecorder.__torch_dispatch__ as torch wrapped it
    return owners


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


def violations(policy, ops, x_ops=None):
    """Sorted forbidden op names among ``ops`` under ``policy`` (empty: allowed).

    ``x_ops`` (the recorder's ops on data derived from the input), when given, is what
    ``'conv_relu_only'`` judges: constants may be built with any operator.

    For ``'pooling_require_conv'`` a missing convolution is reported as
    ``'missing:aten.convolution'``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    ops = _set(ops)
    if policy == "none":
        return []
    if policy == "conv_relu_only":
        judged = ops if x_ops is None else _set(x_ops)
        bad = _sorted(op for op in judged if op not in CONV_RELU_ALLOWED)
        return bad
    bad = _sorted(op for op in ops if "pool" in op)
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
