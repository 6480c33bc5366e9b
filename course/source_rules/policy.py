"""The rule tables of the operator ban: which names are tampering, run-time names, pooling or bonus.

Plain data, with the few predicates that read it (``is_pool_name``,
``tamper_module``, ``short_name``). The checker (``scan.py``) applies these
tables to every dotted name, attribute and constant string of an answer cell;
changing what is forbidden means changing this file only.
"""
import functools
import re

# Modules whose mere use in an answer cell is tampering (threads, processes,
# introspection, code loading): no exercise of this section needs any of them.
TAMPER_MODULES = frozenset("""
    threading _thread multiprocessing concurrent ctypes _ctypes cffi subprocess _posixsubprocess
    signal gc inspect asyncio runpy builtins marshal pickle _pickle copyreg shelve dill cloudpickle
    types code codeop pty posix trace sys.monitoring _testcapi _testinternalcapi pdb bdb cProfile profile
    traceback.walk_stack traceback.walk_tb logging.currentframe __main__ zipimport imp pkgutil
    """.split())
OS_BANNED = frozenset("""
    fork forkpty vfork system popen posix_spawn posix_spawnp spawnl spawnle spawnlp spawnlpe spawnv
    spawnve spawnvp spawnvpe execl execle execlp execlpe execv execve execvp execvpe kill killpg
    register_at_fork pidfd_open
    """.split())
SYS_BANNED = frozenset("""
    _getframe _getframemodulename _current_frames _current_exceptions settrace setprofile gettrace
    getprofile modules meta_path path_hooks path_importer_cache addaudithook exc_info exception
    last_traceback last_value last_exc last_type _clear_type_cache monitoring call_tracing
    path
    """.split())
# Attributes that reach frames, code objects or the interpreter's guts, on any object.
TAMPER_ATTRS = frozenset("""
    f_back f_locals f_globals f_code f_builtins f_trace f_lasti tb_frame tb_next gi_frame gi_code
    cr_frame cr_code ag_frame ag_code co_code co_consts co_names func_globals func_code
    __code__ __globals__ __closure__ __builtins__ __subclasses__ __bases__ __base__ __mro__ __dict__
    __getattribute__ __getattr__ __setattr__ __delattr__ __self__ __func__ __defaults__ __kwdefaults__
    __torch_function__ __torch_dispatch__ __reduce__ __reduce_ex__ __loader__ __spec__ __import__
    __traceback__ __wrapped__ __objclass__
    """.split())
# torch's dispatch-mode and override machinery, by name, wherever it appears.
TORCH_MODE_NAMES = frozenset("""
    TorchDispatchMode TorchFunctionMode BaseTorchFunctionMode enable_torch_function_mode
    DisableTorchFunction DisableTorchFunctionSubclass no_dispatch _set_torch_function_mode
    _push_mode _pop_mode _get_current_dispatch_mode _disable_current_modes _python_dispatch
    _set_dispatch_mode has_torch_function handle_torch_function _DisableTorchDispatch
    _len_torch_dispatch_stack _get_dispatch_stack_at _ExcludeDispatchKeyGuard
    """.split())
# torch submodules and functions that load code or change dispatch (public names).
TORCH_TAMPER_PARTS = frozenset("overrides library multiprocessing cpp_extension load_library load_inline".split())
# Of TAMPER_ATTRS, the ones that read or write any name of an object: run-time names, like getattr.
DYNAMIC_ATTRS = frozenset("__dict__ __builtins__ __getattribute__ __getattr__ __setattr__ __delattr__".split())
# Names that compute an attribute, a module or code from a run-time value.
DYNAMIC_CALLS = {"builtins.getattr": 1, "builtins.hasattr": 1, "builtins.setattr": 1, "builtins.delattr": 1,
                 "operator.attrgetter": 0, "operator.methodcaller": 0, "builtins.__import__": 0,
                 "importlib.import_module": 0, "builtins.eval": 0, "builtins.exec": 0, "builtins.compile": 0}
DYNAMIC_SCOPES = frozenset(("builtins.globals", "builtins.vars", "builtins.locals"))
# The bonus may use F.conv2d, F.relu and arithmetic only.
BONUS_NAMES = frozenset("""
    max amax maximum fmax argmax aminmax cummax min amin minimum fmin argmin cummin sort sorted
    argsort msort topk kthvalue median nanmedian quantile nanquantile mode clamp clamp_ clamp_min
    clamp_max clip clip_ where abs abs_ absolute sign sgn heaviside gt ge lt le greater greater_equal
    less less_equal logsumexp threshold threshold_ hardtanh relu6 tolist item numpy unique
    searchsorted bucketize histc nanmax nanmin __float__ __int__ __index__ __array__ storage
    untyped_storage _typed_storage data_ptr __dlpack__ from_dlpack to_dlpack apply_ map_ map2_
    """.split())
# Numpy and Python's max/float... are not named here: the rule is about computation on X, and
# constants (kernels, masks) may be built with anything. Values of X taken out of torch are seen
# by the recorder (``tolist``/``numpy``/``__array__`` hooks, ``aten._local_scalar_dense``), and
# by name above when the source says ``.tolist()`` / ``.numpy()`` / ``.item()``, or reaches X's
# memory (storages, dlpack) or hands its values to Python element by element (``apply_``, ``map_``).
POOL_RE = re.compile(r"(?i)(?:max|avg|lp|adaptive|fractional|mkldnn|quantized|un)_?\w*pool")
# torch's dispatch machinery: code under these can change what the op recorder observes
# (the dispatch-mode stack, dispatch keys, operator registration, tracing). A private helper
# elsewhere in torch (``torch.nn.modules.utils._pair``) is inert and allowed.
CAPABILITY_MODULES = ("torch._C", "torch.utils._python_dispatch", "torch.overrides", "torch.library",
                      "torch._library", "torch._ops", "torch._dynamo", "torch._subclasses", "torch._functorch",
                      "torch._higher_order_ops", "torch.fx", "torch.utils.cpp_extension", "torch.multiprocessing",
                      "torch._dispatch", "torch._prims", "torch._refs", "torch._decomp", "torch._inductor",
                      "torch.utils._mode_utils", "torch._guards", "torch.compiler", "torch.compile",
                      "torch.export", "torch.jit._state")
PREAMBLE_ALIASES = {"torch": {"torch"}, "nn": {"torch.nn"}, "F": {"torch.nn.functional"}, "math": {"math"}}


@functools.lru_cache(maxsize=1)
def known_pool_names():
    """Every name containing 'pool' that torch defines, Python API and aten ops alike."""
    names = set()
    try:
        import torch
        import torch.nn.functional as F
        for mod in (torch, F, torch.nn, torch.Tensor, torch._C._nn, torch._C._VariableFunctions):
            names |= {n for n in dir(mod) if "pool" in n.lower()}
        for op in torch._C._dispatch_get_all_op_names():
            if "pool" in op.lower():
                names.add(op.split("::")[-1].split(".")[0])
    except Exception:           # without torch the pattern alone decides
        pass
    names.discard("pooling")    # a submodule name and a plain word; torch.nn.modules.pooling is caught by prefix
    return frozenset(names)


def is_pool_name(name):
    """Whether a name is a pooling operator's: one torch defines, or one shaped like it."""
    return "pool" in name.lower() and (name in known_pool_names() or bool(POOL_RE.search(name)))


def _under(name, prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def resolve_static(qual):
    """The objects a dotted name passes through, looked up in the parent without running
    anything: module dicts, already-imported submodules and ``inspect.getattr_static`` (no
    ``__getattr__``, no descriptor, no import). Stops at the first part it cannot find."""
    import inspect
    import sys
    parts = qual.split(".")
    cur = sys.modules.get(parts[0])
    if cur is None:
        return []
    out, name = [cur], parts[0]
    for p in parts[1:]:
        name = f"{name}.{p}"
        nxt = sys.modules.get(name) if isinstance(cur, type(sys)) else None
        if nxt is None:
            try:
                nxt = inspect.getattr_static(cur, p)
            except (AttributeError, Exception):
                return out
        out.append(nxt)
        cur = nxt
    return out


@functools.lru_cache(maxsize=256)
def star_exports(module):
    """The names ``from <module> import *`` binds, when the parent has that module (the child runs
    the same installation): its ``__all__``, else its public globals. None when unknown (then any
    name may come from it)."""
    import sys
    mod = sys.modules.get(module)
    if mod is None or not isinstance(mod, type(sys)):
        return None
    try:
        names = inspect_static(mod, "__all__")
        if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
            return frozenset(names)
        return frozenset(n for n in vars(mod) if isinstance(n, str) and not n.startswith("_"))
    except Exception:
        return None


def inspect_static(obj, name):
    import inspect
    try:
        return inspect.getattr_static(obj, name)
    except AttributeError:
        return None


@functools.lru_cache(maxsize=1)
def _primitives():
    """{id(object): qual} of the look-up primitives, resolved in the parent."""
    out = {}
    for q in list(DYNAMIC_CALLS) + list(DYNAMIC_SCOPES):
        objs = resolve_static(q)
        if len(objs) == len(q.split(".")):
            out[id(objs[-1])] = q
    return out


@functools.lru_cache(maxsize=4096)
def canonical(qual):
    """The look-up primitive a dotted name is, by identity, whatever path reaches it
    (``_operator.attrgetter`` is ``operator.attrgetter``); else ``qual`` itself."""
    if qual in DYNAMIC_CALLS or qual in DYNAMIC_SCOPES:
        return qual
    objs = resolve_static(qual)
    if len(objs) == len(qual.split(".")):
        return _primitives().get(id(objs[-1]), qual)
    return qual


@functools.lru_cache(maxsize=4096)
def torch_capability(qual):
    """The capability module a torch name reaches (``torch._C``, ``torch.utils._python_dispatch``),
    or None for an inert name. By the name's path, and for a private name also by where the
    object it stands for is defined (``F.handle_torch_function`` lives in ``torch.overrides``)."""
    parts = qual.split(".")
    for i in range(2, len(parts) + 1):
        head = ".".join(parts[:i])
        if _under(head, CAPABILITY_MODULES):
            return head
    if not any(p.startswith("_") and not p.endswith("__") for p in parts[1:]):
        return None
    for obj in resolve_static(qual)[1:]:
        mod = obj.__name__ if isinstance(obj, type(functools)) else getattr(obj, "__module__", None)
        if isinstance(mod, str) and _under(mod, CAPABILITY_MODULES):
            return mod
    return None


@functools.lru_cache(maxsize=1024)
def torch_setting(qual):
    """Whether assigning ``qual`` sets one of torch's flags rather than replacing code:
    ``torch.backends.cudnn.deterministic = True`` runs the flag's own setter (a data descriptor
    of the module, such as torch's ``ContextProp``) or replaces a plain bool / int / float / str.
    A function, class, module or None there is code (or a slot for it): replacing it is a patch.
    Only outside torch's dispatch machinery (``torch_capability``)."""
    parts = qual.split(".")
    if parts[0] != "torch" or len(parts) < 3 or torch_capability(qual) is not None:
        return False
    objs = resolve_static(qual)
    if len(objs) != len(parts):
        return False
    obj, owner = objs[-1], objs[-2]
    if type(obj) in (bool, int, float, str):
        return True
    # a data descriptor found on the module's class (torch swaps some modules' classes for flags)
    kind = type(owner)
    if not isinstance(owner, type(functools)) or kind is type(functools):
        return False
    return hasattr(type(obj), "__set__") and not callable(obj) and \
        any(parts[-1] in vars(k) for k in kind.__mro__[:-1])


def tamper_module(qual):
    """The tampering module a dotted name lies in ('threading', 'sys.monitoring'), or None."""
    parts = qual.split(".")
    root, two = parts[0], ".".join(parts[:2])
    if two in TAMPER_MODULES:
        return two
    return root if root in TAMPER_MODULES else None


def short_name(qual):
    """The spelling students know: F.max_pool2d, nn.MaxPool2d, torch.ops.aten.max_pool2d."""
    for long, short in (("torch.nn.functional", "F"), ("torch.nn", "nn"), ("builtins", "")):
        if qual == long:
            return short or qual
        if qual.startswith(long + "."):
            return (short + "." if short else "") + qual[len(long) + 1:]
    return qual

