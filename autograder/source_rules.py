"""Read answer cells with ``ast`` -- never running them -- for what the operator ban forbids.

The op recorder (``autograder.forbidden``) runs inside the untrusted child, so
a student can switch it off, empty it or work around it (a second thread, a
frame walk, torch's dispatch internals). This module is the trusted parent's
second line: it finds, in the source, the constructs that such tampering needs
and the operators each function's rule forbids.

``Notebook(cells)`` parses a notebook's answer cells once;
``Notebook.findings(function, policy, own_cells)`` lists the ``Finding``s that
count against one graded function. Categories:

* ``tampering`` (every function): threads and processes, frame and gc
  introspection, code objects, torch's private and dispatch-mode API, import
  machinery, builtins, hidden code, assignments to module attributes;
* ``dynamic`` (functions with a ban): names or code computed at run time
  (``getattr`` / ``__import__`` / ``exec`` on what constant folding does not
  resolve, ``globals()``, ``__dict__``), so the ban cannot be checked;
* ``pool`` (functions with a ban): anything named ``*pool*`` in torch, however
  it is spelled (aliases, folded strings, ``torch.ops.aten``);
* ``bonus`` (``conv_relu_only``): max/min/sort/topk/clamp/where/abs..., numpy,
  builtin ``max``/``sorted``/``float``..., values taken out of torch.

Which code counts for function ``f``: its top-level definitions and everything
they reach by global name or by a stored module attribute (helpers, aliases,
containers, ``torch.x = ...``, a patch in another function's body),
transitively; for ``tampering`` and ``dynamic`` also the module-level code of
``f``'s cells and of the cells it reaches into (a student's own comparison
``print(F.max_pool2d(...))`` below the function is not the function). Run-time
names anywhere, and module-level code that could blind the recorder for every
call, count for every function with a ban (``Notebook.spread``).

Policies, flow-insensitive aliasing and scoping are approximations that err
towards flagging: honest code has none of these constructs at all (the kit's
solutions, stubs, examples and mutants are checked in tests/test_check_source.py).
"""
import ast
import base64
import binascii
import builtins
import codecs
import dataclasses
import functools
import re

# ------------------------------------------------------------------ rule tables

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
SAFE_DUNDERS = frozenset("__version__ __name__ __doc__".split())
# Of those, the ones that read or write any name of an object: run-time names, like getattr.
DYNAMIC_ATTRS = frozenset("__dict__ __builtins__ __getattribute__ __getattr__ __setattr__ __delattr__".split())
# Names that compute an attribute, a module or code from a run-time value.
DYNAMIC_CALLS = {"builtins.getattr": 1, "builtins.hasattr": 1, "builtins.setattr": 1, "builtins.delattr": 1,
                 "operator.attrgetter": 0, "operator.methodcaller": 0, "builtins.__import__": 0,
                 "importlib.import_module": 0, "builtins.eval": 0, "builtins.exec": 0, "builtins.compile": 0}
DYNAMIC_SCOPES = frozenset(("builtins.globals", "builtins.vars"))
# The bonus may use F.conv2d, F.relu and arithmetic only.
BONUS_NAMES = frozenset("""
    max amax maximum fmax argmax aminmax cummax min amin minimum fmin argmin cummin sort sorted
    argsort msort topk kthvalue median nanmedian quantile nanquantile mode clamp clamp_ clamp_min
    clamp_max clip clip_ where abs abs_ absolute sign sgn heaviside gt ge lt le greater greater_equal
    less less_equal logsumexp threshold threshold_ hardtanh relu6 tolist item numpy unique
    searchsorted bucketize histc nanmax nanmin __float__ __int__ __index__ __array__ storage
    untyped_storage data_ptr
    """.split())
BONUS_MODULES = frozenset("numpy scipy pandas heapq statistics bisect struct array decimal fractions".split())
# ... and values taken out of torch into Python floats, where `a if a > b else b` is a max
# no operator records (int() is left alone: honest code takes int(H / 2) of a shape).
BONUS_BUILTINS = frozenset("max min sorted abs float complex memoryview".split())
POOL_RE = re.compile(r"(?i)(?:max|avg|lp|adaptive|fractional|mkldnn|quantized|un)_?\w*pool")
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
    return "pool" in name.lower() and (name in known_pool_names() or bool(POOL_RE.search(name)))


# ------------------------------------------------------------------ findings

# Tampering that cannot blind the op recorder of another function's calls: processes and
# signals (seccomp and the jail stop those), threads (a thread must still find the recorder
# through gc or frames, which do blind), public attributes patched (the recorder still sees
# the aten ops underneath) and tensor-subclass hooks (dispatch modes run before them).
_LOCAL_ONLY = ("threading", "_thread", "multiprocessing", "concurrent", "asyncio", "subprocess",
               "_posixsubprocess", "signal", "pty", "posix", "os.", "__torch_function__", "__torch_dispatch__")


def _blinds(key):
    """Whether module-level tampering named `key` could blind the recorder for every function."""
    if key.endswith(" ="):
        return key.startswith("builtins.")
    return not key.startswith(_LOCAL_ONLY)


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


COUNTS = {"none": ("tampering",), "pooling": ("tampering", "dynamic", "pool"),
          "pooling_require_conv": ("tampering", "dynamic", "pool"),
          "conv_relu_only": ("tampering", "dynamic", "pool", "bonus")}


def _short(qual):
    """The spelling students know: F.max_pool2d, nn.MaxPool2d, torch.ops.aten.max_pool2d."""
    for long, short in (("torch.nn.functional", "F"), ("torch.nn", "nn"), ("builtins", "")):
        if qual == long:
            return short or qual
        if qual.startswith(long + "."):
            return (short + "." if short else "") + qual[len(long) + 1:]
    return qual


# ------------------------------------------------------------------ constant folding

_MAX_STRINGS = 64          # beyond this many possible values a string counts as computed
_MAX_LEN = 2000            # nor may one be longer: folding must stay cheap, whatever the cell says
_WIDTH = re.compile(r"\d{4,}")   # a format width that would build a huge string in the parent
_STR_METHODS = {"upper", "lower", "strip", "lstrip", "rstrip", "capitalize", "title", "swapcase",
                "casefold", "replace", "removeprefix", "removesuffix", "format", "join", "decode",
                "encode", "zfill", "ljust", "rjust", "center", "__add__", "__mod__"}


def _call_str_method(s, meth, args):
    if meth in ("decode", "encode"):        # bytes are folded as latin-1 text already
        return s
    if any(isinstance(a, int) and abs(a) > 256 for a in args):
        raise ValueError("width too large to fold")
    if meth in ("format", "__mod__") and _WIDTH.search(s):
        raise ValueError("width too large to fold")
    return getattr(s, meth)(*args)


class _Folder:
    """Possible string values of an expression: a frozenset, or None when not a constant."""

    def __init__(self, notebook):
        self.nb = notebook
        self.memo = {}
        self.active = set()

    def __call__(self, node):
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:        # a cycle through names: give up
            return None
        self.active.add(key)
        try:
            out = self._fold(node)
        except Exception:
            out = None
        finally:
            self.active.discard(key)
        if out is not None and (len(out) > _MAX_STRINGS or any(len(x) > _MAX_LEN for x in out)):
            out = None
        self.memo[key] = out
        return out

    def ints(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return [node.value]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.ints(node.operand)
            return None if inner is None else [-v for v in inner]
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for e in node.elts:
                v = self.ints(e)
                if v is None or len(v) != 1:
                    return None
                out += v
            return out
        return None

    def _product(self, parts):
        out = {""}
        for p in parts:
            if p is None:
                return None
            out = {a + b for a in out for b in p}
            if len(out) > _MAX_STRINGS:
                return None
        return frozenset(out)

    def _fold(self, node):
        nb = self.nb
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return frozenset([node.value])
            if isinstance(node.value, bytes):
                return frozenset([node.value.decode("latin-1")])
            return None
        if isinstance(node, ast.Name):
            return nb.const_of(node.id, self)
        if isinstance(node, ast.NamedExpr):
            return self(node.value)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(frozenset([str(v.value)]))
                elif isinstance(v, ast.FormattedValue):
                    inner = self(v.value)
                    if inner is None:
                        ints = self.ints(v.value)
                        inner = frozenset(str(i) for i in ints) if ints and len(ints) == 1 else None
                    if inner is not None and v.conversion == ord("r"):
                        inner = frozenset(repr(s) for s in inner)
                    parts.append(inner)
                else:
                    return None
            return self._product(parts)
        if isinstance(node, ast.BinOp):
            left = self(node.left)
            if isinstance(node.op, ast.Add):
                return self._product([left, self(node.right)])
            if isinstance(node.op, ast.Mult):
                n = self.ints(node.right) or self.ints(node.left)
                s = left if left is not None else self(node.right)
                if s is None or not n or len(n) != 1 or n[0] > 64:
                    return None
                return frozenset(x * n[0] for x in s)
            if isinstance(node.op, ast.Mod) and left is not None:
                if isinstance(node.right, ast.Tuple):
                    parts = [self(e) for e in node.right.elts]
                    if any(p is None for p in parts):
                        return None
                    combos = [()]
                    for p in parts:
                        combos = [c + (x,) for c in combos for x in p]
                    if any(_WIDTH.search(x) for x in left):
                        return None
                    return frozenset(l % c for l in left for c in combos)
                if any(_WIDTH.search(x) for x in left):
                    return None
                right = self(node.right)
                return None if right is None else frozenset(l % r for l in left for r in right)
            return None
        if isinstance(node, ast.IfExp):
            a, b = self(node.body), self(node.orelse)
            return None if a is None or b is None else a | b
        if isinstance(node, ast.BoolOp):
            vals = [self(v) for v in node.values]
            return None if any(v is None for v in vals) else frozenset().union(*vals)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            vals = [self(e) for e in node.elts]
            return None if any(v is None for v in vals) else frozenset().union(*vals)
        if isinstance(node, ast.Dict):
            vals = [self(v) for v in node.values]
            return None if any(v is None for v in vals) else frozenset().union(*vals)
        if isinstance(node, ast.Subscript):
            base = self(node.value)
            if base is None:
                return None
            sl = node.slice
            if isinstance(sl, ast.Slice) and isinstance(node.value, (ast.Constant, ast.Name, ast.BinOp,
                                                                    ast.JoinedStr, ast.Call)):
                bounds = []
                for b in (sl.lower, sl.upper, sl.step):
                    v = [None] if b is None else self.ints(b)
                    if v is None or len(v) != 1:
                        return None
                    bounds.append(v[0])
                return frozenset(s[slice(*bounds)] for s in base)
            return base                  # an element of a container of strings
        if isinstance(node, ast.Call):
            return self._fold_call(node)
        return None

    def _fold_call(self, node):
        f, args = node.func, node.args
        quals = self.nb.qual(f)
        if quals & {"builtins.chr"} and len(args) == 1:
            n = self.ints(args[0])
            return frozenset([chr(n[0])]) if n and len(n) == 1 else None
        if quals & {"builtins.str"} and len(args) == 1:
            return self(args[0])
        if quals & {"builtins.bytes", "builtins.bytearray"} and len(args) == 1:
            n = self.ints(args[0])
            return frozenset([bytes(n).decode("latin-1")]) if n is not None else self(args[0])
        if quals & {"builtins.reversed"} and len(args) == 1:
            s = self(args[0])
            return None if s is None else frozenset(x[::-1] for x in s)
        decoders = {"base64.b64decode": base64.b64decode, "base64.b32decode": base64.b32decode,
                    "base64.b16decode": base64.b16decode, "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
                    "binascii.unhexlify": binascii.unhexlify, "binascii.a2b_hex": binascii.a2b_hex,
                    "builtins.bytes.fromhex": bytes.fromhex}
        for q in quals:
            if q in decoders and len(args) == 1:
                s = self(args[0])
                return None if s is None else frozenset(decoders[q](x).decode("latin-1") for x in s)
            if q == "codecs.decode" and args:
                s = self(args[0])
                enc = self(args[1]) if len(args) > 1 else frozenset(["utf-8"])
                if s is None or enc is None:
                    return None
                return frozenset(str(codecs.decode(x, e)) for x in s for e in enc)
        if isinstance(f, ast.Attribute) and f.attr in _STR_METHODS:
            if f.attr == "join" and len(args) == 1:
                return self._fold_join(self(f.value), args[0])
            base = self(f.value)
            if base is None:
                return None
            arg_sets = [self(a) for a in args]
            if any(a is None for a in arg_sets):
                arg_sets = [frozenset([i[0]]) if i and len(i) == 1 else None for i in map(self.ints, args)]
                if any(a is None for a in arg_sets):
                    return None
            combos = [()]
            for a in arg_sets:
                combos = [c + (x,) for c in combos for x in a]
            out = frozenset(str(_call_str_method(s, f.attr, c)) for s in base for c in combos)
            return out
        return None

    def _fold_join(self, seps, arg):
        """``sep.join(arg)`` for a literal list, a list bound once to a name, a string, or chr()s."""
        if seps is None:
            return None
        if isinstance(arg, ast.Name):
            arg = self.nb.container_of(arg.id) or arg
        if isinstance(arg, (ast.List, ast.Tuple)):
            out = set()
            for sep in seps:
                joined = self._join([self(e) for e in arg.elts], sep)
                if joined is None:
                    return None
                out |= joined
            return frozenset(out)
        if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) and len(arg.generators) == 1:
            gen, elt = arg.generators[0], arg.elt
            codes = self.ints(gen.iter)
            if (codes is not None and isinstance(gen.target, ast.Name) and isinstance(elt, ast.Call)
                    and self.nb.qual(elt.func) & {"builtins.chr"}):
                return frozenset(sep.join(chr(c) for c in codes) for sep in seps)
            return None
        if isinstance(arg, ast.Call) and self.nb.qual(arg.func) & {"builtins.map"} and len(arg.args) == 2:
            codes = self.ints(arg.args[1])
            if codes is not None and self.nb.qual(arg.args[0]) & {"builtins.chr"}:
                return frozenset(sep.join(chr(c) for c in codes) for sep in seps)
            return None
        whole = self(arg)          # a string is joined character by character; reversed(s), s[::-1]
        return None if whole is None else frozenset(sep.join(w) for sep in seps for w in whole)

    def _join(self, parts, sep):
        if any(p is None for p in parts):
            return None
        out = None
        for p in parts:
            out = set(p) if out is None else {a + sep + b for a in out for b in p}
            if len(out) > _MAX_STRINGS:
                return None
        return out if out is not None else {""}


# ------------------------------------------------------------------ scopes and bindings

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_UNKNOWN = ("unknown", None)


def _walk_scope(nodes):
    """The nodes of one scope: nested functions, classes, lambdas and comprehensions are not entered."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _target_names(target):
    """Names a store target binds: ``a``, ``a, (b, *c)`` (``a[k]`` and ``a.x`` bind no name)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _params(args):
    out = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    out += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return out


def _locals_of(node):
    """Names local to a function (or lambda, class body, comprehension) scope."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return {n for g in node.generators for n in _target_names(g.target)}
    body = node.body if isinstance(node.body, list) else [node.body]
    names = set(_params(node.args)) if not isinstance(node, ast.ClassDef) else set()
    declared = set()
    for sub in _walk_scope(body):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*"}
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            declared |= set(sub.names)
    return names - declared


@dataclasses.dataclass(eq=False)
class Unit:
    """One module-level piece of an answer cell: a definition, a statement, or a compound header."""
    cell: int
    nodes: list                    # what to scan
    binds: frozenset = frozenset()  # global names it binds
    quals: frozenset = frozenset()  # module attributes it stores (``torch.x = ...``)
    deftime: bool = False          # only the definition-time parts of a def/class (decorators, defaults)


class _ScanResult:
    def __init__(self):
        self.findings, self.names, self.quals = set(), set(), set()
        self.imports = set()        # findings that are only an import (nothing run yet)


class Notebook:
    """The answer cells of one notebook, parsed once: who binds what, aliases, constant strings."""

    def __init__(self, cells):
        self.trees, self.unreadable, self._locals = [], [], {}
        for i, (_label, code) in enumerate(cells):
            try:
                self.trees.append(ast.parse(code))
            except (SyntaxError, ValueError):
                self.trees.append(None)      # the child cannot compile it either
            except (RecursionError, MemoryError):
                # The child can (an earlier cell may raise the recursion limit): what cannot
                # be read cannot be trusted, whichever function it is for.
                self.trees.append(None)
                self.unreadable.append(i)
        self.units = []
        for i, tree in enumerate(self.trees):
            if tree is not None:
                self._units(tree.body, i)
        self.module_bound = {n for u in self.units for n in u.binds}
        self._collect_bindings()
        self.fold = _Folder(self)
        self._resolve_aliases()
        self._index()
        self._scans = {}

    # ---- units

    def _units(self, stmts, cell):
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.units.append(Unit(cell, [st], frozenset([st.name])))
                head = list(st.decorator_list)
                if isinstance(st, ast.ClassDef):
                    head += st.bases + [k.value for k in st.keywords]
                else:
                    head += [d for d in st.args.defaults + st.args.kw_defaults if d is not None]
                self.units.append(Unit(cell, head, deftime=True))
            elif isinstance(st, (ast.If, ast.While)):
                self.units.append(Unit(cell, [st.test]))
                self._units(st.body + st.orelse, cell)
            elif isinstance(st, (ast.For, ast.AsyncFor)):
                self.units.append(Unit(cell, [st.target, st.iter], frozenset(_target_names(st.target))))
                self._units(st.body + st.orelse, cell)
            elif isinstance(st, (ast.With, ast.AsyncWith)):
                names = [n for it in st.items if it.optional_vars is not None for n in _target_names(it.optional_vars)]
                self.units.append(Unit(cell, [it.context_expr for it in st.items], frozenset(names)))
                self._units(st.body, cell)
            elif isinstance(st, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                self._units(st.body + st.orelse + st.finalbody, cell)
                for h in st.handlers:
                    self.units.append(Unit(cell, [h.type] if h.type else [],
                                           frozenset([h.name] if h.name else [])))
                    self._units(h.body, cell)
            elif isinstance(st, ast.Match):
                self.units.append(Unit(cell, [st.subject]))
                for case in st.cases:
                    names = [n.name for n in ast.walk(case.pattern)
                             if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name]
                    self.units.append(Unit(cell, [case.pattern] + ([case.guard] if case.guard else []),
                                           frozenset(names)))
                    self._units(case.body, cell)
            else:
                self.units.append(self._simple_unit(st, cell))

    def _simple_unit(self, st, cell):
        names = set()
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in st.names if a.name != "*"}
        for sub in _walk_scope([st]):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
        if isinstance(st, ast.Global):
            names |= set(st.names)
        return Unit(cell, [st], frozenset(names))

    def _index(self):
        """Who binds what: global names, and module attributes (``torch.x = ...``).

        Besides plain bindings, a unit binds what it changes, wherever in it (a function
        body included, since the suites call the functions one after another in one
        child): a store into or a method call on a global user object (``impl['f'] =
        ...``, ``impl.update(...)``) binds the object's name; a store into a module
        binds only that attribute, so ``torch.allclose = ...`` does not pull every user
        of ``torch`` in; ``M.__dict__`` binds all of ``M``.
        """
        self.by_name, self.by_qual = {}, {}
        for u in self.units:
            binds, quals = set(u.binds), set()
            node0 = u.nodes[0] if len(u.nodes) == 1 else None
            local = self.locals_of(node0) if isinstance(node0, (ast.FunctionDef, ast.AsyncFunctionDef)) else set()
            for node in [n for top in u.nodes for n in ast.walk(top)]:
                if isinstance(node, ast.Global):
                    binds |= set(node.names)      # `global g; g = ...` in a body rebinds g when called
                target, stored = None, False
                if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    target, stored = node, True
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    target = node.func.value
                    if self.qual(node.func) & {"builtins.setattr", "builtins.delattr"}:
                        target = None
                elif isinstance(node, ast.Call) and self.qual(node.func) & {"builtins.setattr", "builtins.delattr"} \
                        and len(node.args) >= 2:
                    names = self.fold(node.args[1]) or ()
                    quals |= {f"{b}.{n}" for b in self.qual(node.args[0]) for n in names}
                    target = node.args[0]
                if target is None:
                    continue
                for q in self.qual(target):
                    if q.endswith(".__dict__"):
                        quals.add(q[:-len(".__dict__")])
                    elif stored:
                        quals.add(q)
                root = _root_name(target)
                if root is not None and root not in local and not self._is_module(root):
                    binds.add(root)
            u.binds, u.quals = frozenset(binds), frozenset(quals)
            for n in u.binds:
                self.by_name.setdefault(n, []).append(u)
            for q in u.quals:
                self.by_qual.setdefault(q, []).append(u)

    def locals_of(self, node):
        key = id(node)
        if key not in self._locals:
            self._locals[key] = _locals_of(node)
        return self._locals[key]

    def _is_module(self, name):
        return name in PREAMBLE_ALIASES or any(k == "import" for k, _ in self.bindings.get(name, ()))

    # ---- bindings, aliases, constants (flow-insensitive: every scope of every cell, merged)

    def _collect_bindings(self):
        self.bindings = {}
        self.star_modules = set()

        def add(name, what):
            self.bindings.setdefault(name, []).append(what)

        for tree in self.trees:
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        self._bind_target(t, node.value, add)
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    self._bind_target(node.target, node.value, add)
                elif isinstance(node, ast.AugAssign):
                    for n in _target_names(node.target):
                        add(n, _UNKNOWN)
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    for n in _target_names(node.target):
                        add(n, ("iter", node.iter))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    for n in _params(node.args):
                        add(n, _UNKNOWN)
                    if not isinstance(node, ast.Lambda):
                        add(node.name, ("def", node))
                elif isinstance(node, ast.ClassDef):
                    add(node.name, ("def", node))
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        if a.asname:
                            add(a.asname, ("import", a.name))
                        else:
                            add(a.name.split(".")[0], ("import", a.name.split(".")[0]))
                elif isinstance(node, ast.ImportFrom):
                    mod = ("." * node.level) + (node.module or "")
                    for a in node.names:
                        if a.name == "*":
                            self.star_modules.add(mod)
                        else:
                            add(a.asname or a.name, ("import", f"{mod}.{a.name}"))
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    for it in node.items:
                        for n in _target_names(it.optional_vars) if it.optional_vars is not None else []:
                            add(n, _UNKNOWN)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    add(node.name, _UNKNOWN)
                elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                    add(node.name, _UNKNOWN)

    @staticmethod
    def _bind_target(target, value, add):
        if isinstance(target, ast.Name):
            add(target.id, ("value", value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) and \
                    not any(isinstance(e, ast.Starred) for e in target.elts):
                for t, v in zip(target.elts, value.elts):
                    Notebook._bind_target(t, v, add)
            else:
                for n in _target_names(target):
                    add(n, ("iter", value))
        elif isinstance(target, ast.Starred):
            for n in _target_names(target):
                add(n, _UNKNOWN)

    def _resolve_aliases(self):
        self.alias = {n: set(q) for n, q in PREAMBLE_ALIASES.items()}
        for _ in range(8):
            changed = False
            for name, whats in self.bindings.items():
                new = set()
                for kind, what in whats:
                    if kind == "import":
                        new.add(what)
                    elif kind in ("value", "iter"):
                        new |= self.qual(what)
                cur = self.alias.setdefault(name, set())
                if not new <= cur:
                    cur |= new
                    changed = True
            if not changed:
                break

    def const_of(self, name, folder):
        whats = self.bindings.get(name)
        if not whats:
            return None
        out = set()
        for kind, what in whats:
            if kind not in ("value", "iter"):
                return None
            v = folder(what)
            if v is None:
                return None
            out |= v
        return frozenset(out)

    def container_of(self, name):
        whats = self.bindings.get(name) or []
        if len(whats) == 1 and whats[0][0] == "value" and isinstance(whats[0][1], (ast.List, ast.Tuple)):
            return whats[0][1]
        return None

    def qual(self, node, local=frozenset()):
        """Dotted names an expression may stand for: {'torch.nn.functional.max_pool2d'}; set() if unknown."""
        try:
            return self._qual(node, local, 0)
        except RecursionError:
            return set()

    def _qual(self, node, local, depth):
        if depth > 50:
            return set()
        q = lambda n: self._qual(n, local, depth + 1)  # noqa: E731
        if isinstance(node, ast.Name):
            out = set(self.alias.get(node.id, ()))
            if node.id not in local and node.id not in self.module_bound:
                if node.id in PREAMBLE_ALIASES:
                    out |= PREAMBLE_ALIASES[node.id]
                if hasattr(builtins, node.id) or node.id in ("__builtins__", "__import__"):
                    out.add("builtins." + node.id)
                out |= {f"{m}.{node.id}" for m in self.star_modules}
            return out
        if isinstance(node, ast.Attribute):
            return {f"{b}.{node.attr}" for b in q(node.value)}
        if isinstance(node, ast.Call):
            fq = q(node.func)
            if fq & {"builtins.getattr"} and len(node.args) >= 2:
                names = self.fold(node.args[1])
                return {f"{b}.{n}" for b in q(node.args[0]) for n in (names or ["?"])}
            if fq & {"importlib.import_module", "builtins.__import__"} and node.args:
                names = self.fold(node.args[0]) or set()
                return set(names) | {n.split(".")[0] for n in names}
            if fq & {"builtins.vars"} and node.args:
                return {f"{b}.__dict__" for b in q(node.args[0])}
            return set()
        if isinstance(node, ast.Subscript):
            base = q(node.value)
            keys = self.fold(node.slice)
            out = {b for b in base if not b.endswith((".__dict__", "sys.modules"))}
            for b in base:
                if keys and b.endswith(".__dict__"):
                    out |= {f"{b[:-len('.__dict__')]}.{k}" for k in keys}
                elif keys and b == "sys.modules":
                    out |= set(keys)
            return out
        if isinstance(node, (ast.IfExp,)):
            return q(node.body) | q(node.orelse)
        if isinstance(node, ast.BoolOp):
            return set().union(*(q(v) for v in node.values))
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return set().union(set(), *(q(e) for e in node.elts))
        if isinstance(node, ast.Dict):
            return set().union(set(), *(q(v) for v in node.values))
        if isinstance(node, (ast.NamedExpr, ast.Starred)):
            return q(node.value)
        return set()

    # ---- regions and findings

    def scan(self, unit, code_of=None):
        key = id(unit)
        if key not in self._scans:
            res = _ScanResult()
            scanner = _Scan(self, unit.cell, res)
            for node in unit.nodes:
                try:
                    scanner.visit(node)
                except RecursionError:
                    res.findings.add(Finding(unit.cell, getattr(node, "lineno", 0), "tampering",
                                             "code nested too deeply to check"))
            self._scans[key] = res
        return self._scans[key]

    def reach(self, start):
        seen, stack = {}, list(start)
        while stack:
            u = stack.pop()
            if id(u) in seen:
                continue
            seen[id(u)] = u
            res = self.scan(u)
            for n in res.names:
                stack += self.by_name.get(n, [])
            for qual in res.quals:
                parts = qual.split(".")
                for i in range(1, len(parts) + 1):
                    stack += self.by_qual.get(".".join(parts[:i]), [])
        return list(seen.values())

    def spread(self):
        """What counts against every function with a ban, wherever it is.

        Run-time names or code anywhere in the answer cells (they could patch or
        redefine anything in the child), and tampering that runs at module level
        (before any call: module statements, class bodies and what they reach) and
        could blind the recorder for every later call: gc, frames, code objects,
        torch's dispatch internals, builtins, hidden code (marshal, pickle, types).
        """
        if not hasattr(self, "_spread"):
            out = {f for u in self.units for f in self.scan(u).findings if f.category == "dynamic"}
            module_level = [u for u in self.units if not (
                len(u.nodes) == 1 and isinstance(u.nodes[0], (ast.FunctionDef, ast.AsyncFunctionDef)))]
            for u in self.reach(module_level):
                res = self.scan(u)
                out |= {f for f in res.findings - res.imports if f.category == "tampering" and _blinds(f.key)}
            self._spread = out
        return self._spread

    def findings(self, function, policy, cells_of_function=()):
        """Sorted findings that count against ``function`` under ``policy``.

        ``cells_of_function``: indexes of the cells that are this function's answer.
        Counted in full: the definitions of ``function`` and all they reach. For
        tampering only: the module-level code of its own cells and of every cell it
        reaches into (that code runs in the same child, before any call).
        """
        counts = COUNTS.get(policy, COUNTS["pooling"])
        defs = [u for u in self.by_name.get(function, []) if not u.deftime]
        full = self.reach(defs)
        full_ids = {id(u) for u in full}
        cells = set(cells_of_function) | {u.cell for u in full}
        own = [u for u in self.units if u.cell in cells
               and (u.deftime or not isinstance(u.nodes[0] if u.nodes else None,
                                                (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))]
        module_level = [u for u in self.reach(own) if id(u) not in full_ids]
        out = {Finding(i, 0, "tampering", "code too deeply nested to check") for i in self.unreadable}
        for u in full:
            out |= {f for f in self.scan(u).findings if f.category in counts}
        for u in module_level:
            out |= {f for f in self.scan(u).findings if f.category in ("tampering", "dynamic")}
        out = {f for f in out if f.category in counts}
        if "dynamic" in counts:
            out |= self.spread()
        return sorted(out)


# ------------------------------------------------------------------ the scanner

class _Scan(ast.NodeVisitor):
    """Walks one unit's nodes with scopes; records findings, global names and attribute quals loaded."""

    def __init__(self, nb, cell, res):
        self.nb, self.cell, self.res = nb, cell, res
        self.scopes = []
        self.called = set()

    # -- helpers

    def add(self, node, category, key):
        self.res.findings.add(Finding(self.cell, getattr(node, "lineno", 0), category, str(key)[:60]))

    def local(self):
        return frozenset().union(*self.scopes) if self.scopes else frozenset()

    def qual(self, node):
        return self.nb.qual(node, self.local())

    def check_qual(self, node, q):
        """Rules on a dotted name; returns the categories found."""
        found = set()
        parts = q.split(".")
        root, two = parts[0], ".".join(parts[:2])

        def hit(category, key):
            self.add(node, category, key)
            found.add(category)

        if (root in TAMPER_MODULES and root != "builtins") or two in TAMPER_MODULES:
            hit("tampering", two if two in TAMPER_MODULES else root)
        if len(parts) > 1:
            if root == "os" and parts[1] in OS_BANNED:
                hit("tampering", two)
            if root == "sys" and parts[1] in SYS_BANNED:
                hit("tampering", two)
            if root == "importlib" and parts[1] != "import_module":
                hit("tampering", two)
            if root == "builtins" and parts[1] in BONUS_BUILTINS:
                hit("bonus", parts[1] + "()")
        if root == "torch":
            for i, p in enumerate(parts[1:], 1):
                head = ".".join(parts[:i + 1])
                if p.startswith("_") and not (p.startswith("__") and p.endswith("__")):
                    hit("tampering", head)
                    break
                if p in TORCH_TAMPER_PARTS or p in TORCH_MODE_NAMES:
                    hit("tampering", head)
                    break
                if "pool" in p.lower():
                    hit("pool", _short(head))
                    break
            if parts[-1] in BONUS_NAMES:
                hit("bonus", _short(q))
        if root in BONUS_MODULES:
            hit("bonus", root)
        return found

    def check_name(self, node, name, skip=()):
        """Rules on a bare attribute name, whatever the object."""
        if name in DYNAMIC_ATTRS:
            self.add(node, "dynamic", name)
        elif name in TAMPER_ATTRS or name in TORCH_MODE_NAMES:
            if "tampering" not in skip:
                self.add(node, "tampering", name)
        if "pool" not in skip and is_pool_name(name):
            self.add(node, "pool", name)
        if "bonus" not in skip and name in BONUS_NAMES:
            self.add(node, "bonus", name)

    def check_string(self, node, s):
        if not s or len(s) > 100 or any(c.isspace() for c in s):
            return
        for p in re.split(r"[.:]+", s):
            if is_pool_name(p):
                self.add(node, "pool", p)
            if p in TAMPER_ATTRS or p in TORCH_MODE_NAMES or (p.startswith("_") and p in SYS_BANNED):
                self.add(node, "tampering", p)
        if s in BONUS_NAMES:
            self.add(node, "bonus", s)
        if "/proc/" in s or s.startswith("/proc"):
            self.add(node, "tampering", "/proc")        # /proc/self/mem rewrites the process (fallback mode)

    def folded(self, node):
        vals = self.nb.fold(node)
        for s in vals or ():
            self.check_string(node, s)

    # -- scopes

    def _function(self, node):
        for d in node.decorator_list:
            self.visit(d)
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs + [node.args.vararg, node.args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)
        if node.returns is not None:
            self.visit(node.returns)
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self.add(node, "tampering", node.name)
        self.scopes.append(self.nb.locals_of(node))
        for st in node.body:
            self.visit(st)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node):
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        self.scopes.append(self.nb.locals_of(node))
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node):
        for n in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(n)
        self.scopes.append(self.nb.locals_of(node))
        for st in node.body:
            self.visit(st)
        self.scopes.pop()

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)
        self.scopes.append(self.nb.locals_of(node))
        for i, g in enumerate(node.generators):
            self.visit(g.target)
            if i:
                self.visit(g.iter)
            for c in g.ifs:
                self.visit(c)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    # -- names, attributes, calls

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.local():
                self.res.names.add(node.id)
            if node.id in ("__builtins__", "__import__", "__loader__", "__spec__"):
                self.add(node, "dynamic" if node.id in DYNAMIC_ATTRS else "tampering", node.id)
            for q in self.qual(node):
                self.check_qual(node, q)
                if q.startswith("builtins."):
                    self.res.quals.add(q)           # a builtin a cell may have replaced (builtins.sum = ...)
                if (q in DYNAMIC_CALLS or q in DYNAMIC_SCOPES) and id(node) not in self.called:
                    self.add(node, "dynamic", _short(q))     # getattr passed around: its names are unseen

    def visit_Attribute(self, node):
        quals = self.qual(node)
        found = set()
        for q in quals:
            found |= self.check_qual(node, q)
            if isinstance(node.ctx, ast.Load):
                self.res.quals.add(q)
            elif isinstance(node.ctx, (ast.Store, ast.Del)):
                shown = q if q.startswith("builtins.") else _short(q)
                self.add(node, "tampering", f"{shown} =")      # monkeypatching a module
        self.check_name(node, node.attr, skip=found)
        self.visit(node.value)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            for q in self.qual(node.value):
                if q.endswith(".__dict__") or q == "builtins.__builtins__":
                    self.add(node, "dynamic", f"{_short(q)}[...] =")
                elif q == "sys.modules":
                    self.add(node, "tampering", "sys.modules[...] =")
        self.folded(node)
        self.generic_visit(node)

    def visit_Call(self, node):
        self.called.add(id(node.func))
        for q in self.qual(node.func):
            if q in DYNAMIC_CALLS:
                self._dynamic_call(node, q)
            elif q in DYNAMIC_SCOPES:
                self.add(node, "dynamic", _short(q) + "()")
        self.folded(node)
        self.generic_visit(node)

    def _dynamic_call(self, node, q):
        idx = DYNAMIC_CALLS[q]
        arg = node.args[idx] if len(node.args) > idx else None
        if arg is None:
            kw = [k.value for k in node.keywords if k.arg in ("name", "source", "object")]
            arg = kw[0] if kw else None
        names = self.nb.fold(arg) if arg is not None else None
        short = _short(q)
        if names is None:
            self.add(node, "dynamic", f"{short}(...)")
            return
        if short in ("eval", "exec", "compile"):
            self.add(node, "dynamic", f"{short}()")     # code from a string: also its constant text is checked
            for src in names:
                self._scan_source(node, src)
            return
        if short in ("__import__", "importlib.import_module"):
            for n in names:
                self._check_module(node, n)
            return
        base = self.qual(node.args[0]) if node.args and idx == 1 else set()
        for n in names:
            for part in n.split("."):
                self.check_name(node, part)
            for b in base:
                self.check_qual(node, f"{b}.{n}")
                if short in ("setattr", "delattr"):
                    self.add(node, "tampering", f"{short}({_short(b)})")

    def _scan_source(self, node, src):
        """exec/eval of a constant string: check that code too, at the line of the call."""
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        sub = _ScanResult()
        inner = _Scan(self.nb, self.cell, sub)
        inner.scopes = list(self.scopes)
        inner.visit(tree)
        line = getattr(node, "lineno", 0)
        self.res.findings |= {dataclasses.replace(f, line=line) for f in sub.findings}
        self.res.names |= sub.names
        self.res.quals |= sub.quals

    def _check_module(self, node, name):
        parts = name.split(".")
        if parts[0] == "builtins" or parts[0] in TAMPER_MODULES or ".".join(parts[:2]) in TAMPER_MODULES:
            self.add(node, "tampering", ".".join(parts[:2]) if ".".join(parts[:2]) in TAMPER_MODULES
                     else parts[0])
            return
        if parts[0] == "importlib" and len(parts) > 1:
            self.add(node, "tampering", name)
            return
        for i in range(1, len(parts) + 1):
            self.check_qual(node, ".".join(parts[:i]))

    def visit_Import(self, node):
        before = set(self.res.findings)
        for a in node.names:
            self._check_module(node, a.name)
        self.res.imports |= self.res.findings - before

    def visit_ImportFrom(self, node):
        before = set(self.res.findings)
        mod = node.module or ""
        self._check_module(node, mod)
        for a in node.names:
            if a.name != "*":
                self.check_qual(node, f"{mod}.{a.name}")
                self.check_name(node, a.name, skip=("pool", "bonus"))
        self.res.imports |= self.res.findings - before

    # -- strings

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self.check_string(node, node.value)

    def visit_JoinedStr(self, node):
        self.folded(node)
        self.generic_visit(node)

    def visit_BinOp(self, node):
        self.folded(node)
        self.generic_visit(node)
