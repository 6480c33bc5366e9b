"""Which expressions of the answer cells may hold data derived from the input ``X``, statically.

The bonus's rule is about computation on ``X``: a constant kernel may be built with anything
(``torch.where``, ``.item()``, ``.tolist()``, ``.max()`` on a constant are fine), and only an
operator outside conv/ReLU/arithmetic applied to data derived from ``X`` is forbidden. The
recorder knows this at run time (``forbidden.OpRecorder.x_ops``); this module is the parent's
counterpart in the source, so that a bonus operator named plainly costs the points only when
its operands may derive from ``X``.

It over-approximates, flow-insensitively, with Python's scopes (a name is keyed by the scope
that binds it):

* sources: the first parameter of an entry function (the graded function whose rule is about
  ``X``; every parameter when it is decorated, rebound, passed around as a value, or called
  with a derived value beyond ``X``), every parameter of every other function and lambda
  (a helper may be called with ``X``), ``except ... as``, ``match`` captures;
* flow: a name bound (assignment, loop or ``with`` target, walrus, augmented assignment) from
  an expression that reads a derived name is derived; a function or class value is derived
  when its body reads a derived name of an enclosing scope (a closure over ``X``), so calling
  it derives its result; any call reading a derived name derives its result;
* writes: a store into ``a[i]`` / ``a.x``, an augmented assignment, a method call with a derived
  argument, ``out=``, a torch function ending in ``_``, and any call of a non-torch function
  (numpy's ``copyto``, the student's own helpers) with a derived argument derive every name
  written into -- and, since it may be a view, every name it was computed from.

Each name is derived at most once and each binding is re-read only when a name it reads
becomes derived (a worklist), so the analysis is linear in the code times the names read.
"""
import ast
import functools
import types

from course.source_rules.policy import resolve_static
from course.source_rules.scopes import SCOPES, params, target_names

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_GLOBAL = 0
# A tensor's metadata, not its values: ``torch.eye(P, dtype=X.dtype)`` or ``X.shape[0]`` read no
# data of ``X`` (values reach a shape only through an operator on them, which is itself judged).
# Not exempt when the answer stores or defines an attribute of that name anywhere (its own
# object's ``.shape`` may hold anything).
META = frozenset("shape dtype device ndim layout is_cuda requires_grad size dim numel nelement stride "
                 "is_contiguous element_size is_floating_point".split())


class Taint:
    """``Taint(trees, names, entries).derived(expr)``: whether ``expr`` may hold data derived from
    the input. ``names`` is the cells' ``names.Names`` (scopes, qualified names); ``entries`` are
    the graded functions whose first parameter is the input."""

    def __init__(self, trees, names, entries=()):
        self.names = names
        self.entries = frozenset(entries)
        self.scope_of = {}               # id(node) -> the scope node it is in (None: the module)
        self.parent_scope = {}           # id(scope) -> enclosing scope node (None: the module)
        self.scope_nodes = {}            # id(scope) -> scope node
        self._own = set()                # attribute names the answer stores or defines
        self._name_loads = {}            # entry name -> its Name loads
        self._call_of = {}               # id(call.func) -> call
        for tree in trees:
            if tree is not None:
                self._index(tree, None)
        self.meta = META - self._own
        self.tainted = set()             # keys (id(scope) or 0, name)
        self._deps = {}                  # key -> [rule index]
        self._rules = []                 # (kind, target, reads)
        self._sources = {}               # key -> keys its bindings read (for writes into views)
        self._mutated = set()
        self._work = []
        self._collect(trees)
        self._solve()

    # ---- scopes

    def _index(self, node, scope):
        stack = [(node, scope)]
        while stack:
            n, s = stack.pop()
            self.scope_of[id(n)] = s
            self._note(n)
            inner = s
            if isinstance(n, SCOPES):
                self.parent_scope[id(n)] = s
                self.scope_nodes[id(n)] = n
                inner = n
            for c in ast.iter_child_nodes(n):
                # decorators, defaults, bases and a comprehension's first iterable belong to the outer scope
                outer = isinstance(n, SCOPES) and (
                    c in getattr(n, "decorator_list", ()) or c in getattr(n, "bases", ()) or
                    (isinstance(n, _FUNCS) and c is n.args) or
                    (hasattr(n, "generators") and c is n.generators[0]) or c is getattr(n, "returns", None))
                if outer and hasattr(n, "generators") and c is n.generators[0]:
                    # the first iterable is outer, its target and conditions inner
                    self.scope_of[id(c)] = n
                    stack.append((c.iter, s))
                    stack += [(x, n) for x in [c.target] + list(c.ifs)]
                    continue
                stack.append((c, s if outer else inner))

    def _note(self, n):
        """What one walk notes besides scopes: attribute names the answer stores (``h.shape = X``,
        ``setattr(h, 'shape', X)``) or defines in a class body -- such an attribute may hold
        anything --, the entries' loads, and which call each callee belongs to."""
        if isinstance(n, ast.Attribute) and not isinstance(n.ctx, ast.Load):
            self._own.add(n.attr)
        elif isinstance(n, ast.ClassDef):
            self._own |= self.names.locals_of(n)
        elif isinstance(n, ast.Call):
            self._call_of[id(n.func)] = n
            if len(n.args) >= 2 and self.names.qual(n.func) & {"builtins.setattr", "builtins.delattr"}:
                folded = self.names.fold(n.args[1])
                self._own |= set(META) if folded is None else set(folded)
        elif isinstance(n, ast.Name) and n.id in self.entries and isinstance(n.ctx, ast.Load):
            self._name_loads.setdefault(n.id, []).append(n)

    def key(self, node, name):
        """The key of ``name`` read or bound at ``node``: the scope that binds it, by Python's rules."""
        scope = self.scope_of.get(id(node))
        first = True
        while scope is not None:
            if (first or not isinstance(scope, ast.ClassDef)) and name in self.names.locals_of(scope):
                return (id(scope), name)
            first = False
            scope = self.parent_scope.get(id(scope))
        return (_GLOBAL, name)

    def reads(self, expr, inside=None):
        """Keys of the names ``expr`` reads, leaving out names local to a function, lambda or
        comprehension nested in ``expr`` (``inside``: ``expr`` itself is such a scope)."""
        if expr is None:
            return set()
        own, names, stack = set(), [], [expr]
        while stack:
            n = stack.pop()
            if isinstance(n, SCOPES):
                own.add(id(n))
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                names.append(n)
            elif isinstance(n, ast.Attribute) and n.attr in self.meta and isinstance(n.value, ast.Name):
                continue                                     # X.shape, X.dtype, X.size(): metadata
            stack.extend(ast.iter_child_nodes(n))
        out = set()
        for n in names:
            k = self.key(n, n.id)
            if k[0] not in own:
                out.add(k)
        return out

    # ---- rules

    def _rule(self, kind, target, reads):
        i = len(self._rules)
        self._rules.append((kind, target, frozenset(reads)))
        for k in reads:
            self._deps.setdefault(k, []).append(i)
        if not reads and kind == "always":
            self._rules[i] = ("flow", target, frozenset())
            self._taint(target)

    def _bind(self, node, name, value_reads):
        k = self.key(node, name)
        self._sources.setdefault(k, set()).update(value_reads)
        self._rule("flow", k, value_reads)

    def _collect(self, trees):
        entry_defs = {}
        for tree in trees:
            if tree is None:
                continue
            for node in ast.walk(tree):
                self._collect_node(node, entry_defs)
        self._entry_rules(trees, entry_defs)

    def _collect_node(self, node, entry_defs):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = getattr(node, "value", None)
            reads = self.reads(value)
            if isinstance(node, ast.AugAssign):
                reads |= self.reads(ast.Expression(body=node.target)) if isinstance(node.target, ast.Name) else set()
            for t in targets:
                for n in target_names(t):
                    self._bind(node, n, reads)
                self._writes_into(t, reads)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            reads = self.reads(node.iter)
            for n in target_names(node.target):
                self._bind(node.target, n, reads)
            self._writes_into(node.target, reads)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for it in node.items:
                if it.optional_vars is not None:
                    for n in target_names(it.optional_vars):
                        self._bind(it.optional_vars, n, self.reads(it.context_expr))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._rule("always", self.key(node, node.name), ())
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self._rule("always", self.key(node, node.name), ())
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self._rule("always", self.key(node, node.rest), ())
        elif isinstance(node, _FUNCS + (ast.ClassDef,)):
            if not isinstance(node, ast.Lambda):
                # a function or class value is derived when its body reads a derived outer name
                self._bind(node, node.name, self.reads(node, inside=node) | self._head_reads(node))
            if not isinstance(node, ast.ClassDef):
                self._params(node, entry_defs)
        elif isinstance(node, ast.Call):
            self._call(node)

    def _head_reads(self, node):
        head = list(getattr(node, "decorator_list", []))
        if isinstance(node, ast.ClassDef):
            head += node.bases + [k.value for k in node.keywords]
        return set().union(set(), *(self.reads(h) for h in head))

    def _params(self, node, entry_defs):
        keys = [(id(node), p) for p in params(node.args)]
        if isinstance(node, ast.FunctionDef) and node.name in self.entries and \
                self.scope_of.get(id(node)) is None:
            entry_defs.setdefault(node.name, []).append((node, keys))
            return
        for k in keys:
            self._rule("always", k, ())

    def _entry_rules(self, trees, entry_defs):
        """The entry's first parameter is the input; the rest are the grader's integers unless the
        entry is decorated, bound more than once or otherwise, read as a value, or called with a
        derived value beyond the first."""
        for name, defs in entry_defs.items():
            all_keys = [k for _node, keys in defs for k in keys]
            # bound once, by this def (any binding of the name in any scope counts: a local of the
            # same name is conservatively taken for a rebinding)
            plain = len(defs) == 1 and not defs[0][0].decorator_list and \
                len(self.names.bindings.get(name, ())) == 1
            node, keys = defs[0]
            pos = node.args.posonlyargs + node.args.args
            first = [(id(node), pos[0].arg)] if pos else []
            rest = [k for k in all_keys if k not in first]
            for k in first + [(id(node), a.arg) for a in (node.args.vararg, node.args.kwarg) if a is not None]:
                self._rule("always", k, ())
            if not plain:
                for k in all_keys:
                    self._rule("always", k, ())
                continue
            args = node.args
            pos_defaults = list(zip((args.posonlyargs + args.args)[::-1], args.defaults[::-1]))
            for a, d in pos_defaults + [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]:
                self._rule("flow", (id(node), a.arg), self.reads(d))      # a default evaluated at def time
            callers = [n for n in self._name_loads.get(name, ()) if self.key(n, name) == (_GLOBAL, name)]
            called = self._call_of
            for n in callers:
                call = called.get(id(n))
                if call is None:                      # read as a value: anyone may call it with anything
                    for k in rest:
                        self._rule("always", k, ())
                    continue
                later = call.args[1:] + [k.value for k in call.keywords]
                if any(isinstance(a, ast.Starred) for a in call.args[:1]):
                    later = call.args + [k.value for k in call.keywords]
                reads = set().union(set(), *(self.reads(a) for a in later))
                for k in rest:
                    self._rule("flow", k, reads)

    def _writes_into(self, target, reads):
        """A store into ``a[i]`` / ``a.x`` writes the value into ``a``."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for e in target.elts:
                self._writes_into(e, reads)
        elif isinstance(target, ast.Starred):
            self._writes_into(target.value, reads)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            extra = self.reads(target.slice) if isinstance(target, ast.Subscript) else set()
            for k in self._written(target, stored=True):
                self._rule("write", k, reads | extra)

    def _written(self, expr, stored=False):
        """The keys a write into ``expr`` writes into: its root name (``a`` of ``a[i].x``), or, when
        the object is computed (``torch.from_numpy(a).copy_(X)``, ``np.asarray(a)[...] = X``:
        possibly a view of it), every name the computation reads that may hold the answer's data.
        ``stored``: an assignment (``np.saved = X`` writes into the module too), not a call's
        argument (``F.conv2d``'s module ``F`` is not written into)."""
        root = _root(expr)
        if root is not None:
            if stored:
                return [self.key(root, root.id)]
            if self._module(root):
                return []
            k = self.key(root, root.id)
            return [k] if k[0] != _GLOBAL or root.id in self.names.bindings else []   # not a builtin
        return [k for k in self.reads(expr) if not self._inert(k)]

    def _call(self, node):
        args = list(node.args) + [k.value for k in node.keywords]
        reads = set().union(set(), *(self.reads(a) for a in args))
        written = [k.value for k in node.keywords if k.arg == "out"]
        # a method of a value (not a function reached through a module: ``torch.Tensor.copy_(K, X)``)
        method = isinstance(node.func, ast.Attribute) and not self.names.qual(node.func.value)
        if method:
            written.append(node.func.value)             # a method may write its arguments into its object
        else:
            quals = self.names.qual(node.func)
            if not quals or not all(_torch_operator(q) for q in quals):
                # numpy's copyto, the student's helpers, and torch's own Python utilities that
                # store an argument's data in another (``torch.save(X, buf)``,
                # ``nn.utils.vector_to_parameters(X, params)``) ...
                written += list(node.args)
            elif any(q.endswith("_") and not q.endswith("__") for q in quals):
                written += list(node.args[:1])          # torch's in-place functions
        flat = []
        while written:                                  # ``f(X, [P, Q])``: written into P and Q
            w = written.pop()
            if isinstance(w, (ast.List, ast.Tuple, ast.Set)):
                written += w.elts
            elif isinstance(w, ast.Dict):
                written += [v for v in w.values if v is not None]
            else:
                flat.append(w)
        for w in flat:
            for k in self._written(w):
                self._rule("write", k, reads)

    def _inert(self, key):
        """A global that holds no data of the answer's: a builtin or preamble name the cells never
        bind, or a module (bound only by imports). A class the answer defines is not inert: its
        attributes may hold data."""
        if key[0] != _GLOBAL:
            return False
        return all(w[0] == "import" for w in self.names.bindings.get(key[1], ()))

    def _module(self, name_node):
        """A module the answer imported (``F`` of ``F.conv2d``): calling its functions writes into
        no module. Only a global name that is bound to a module and nothing else."""
        k = self.key(name_node, name_node.id)
        whats = self.names.bindings.get(name_node.id, ())
        return k[0] == _GLOBAL and self.names.is_module(name_node.id) and all(w[0] == "import" for w in whats)

    # ---- solving

    def _taint(self, k):
        if k in self.tainted:
            return
        self.tainted.add(k)
        self._work.append(k)

    def _mutate(self, k):
        stack = [k]
        while stack:
            k = stack.pop()
            if k in self._mutated:
                continue
            self._mutated.add(k)
            self._taint(k)
            # a write into a view writes into what it was computed from: data, not the module,
            # builtin or function that computed it (``torch`` of ``torch.eye(C)``)
            stack += [s for s in self._sources.get(k, ()) if not self._inert(s)]

    def _solve(self):
        # rules with no reads that are not sources never fire; the rest fire once a read is derived
        fired = set()
        while self._work:
            k = self._work.pop()
            for i in self._deps.get(k, ()):
                if i in fired:
                    continue
                fired.add(i)
                kind, target, _reads = self._rules[i]
                if kind == "write":
                    self._mutate(target)
                else:
                    self._taint(target)

    # ---- queries

    def derived(self, expr):
        """Whether ``expr`` may hold (or compute from) data derived from the input."""
        return any(k in self.tainted for k in self.reads(expr))


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


# Where torch's operators are defined as Python functions (``F.conv2d`` is a builtin, ``F.pad``,
# ``F.unfold``, ``torch.einsum`` are Python): they return their result and write only into
# ``out=`` or, named with a trailing ``_``, their first argument.
_OPERATOR_MODULES = ("torch.nn.functional", "torch.functional", "torch._jit_internal", "torch._tensor")


@functools.lru_cache(maxsize=1024)
def _torch_operator(qual):
    """Whether the torch name ``qual`` is one of torch's operators (a C binding, an ``OpOverload``,
    a class, or a Python function where the operators are defined), judged by the object it
    names in the parent. Any other Python function of torch (``torch.save``,
    ``torch.nn.utils.*``) is a utility like the student's own: it may store its arguments' data
    in one another. An unresolvable name counts as such a utility (the stricter reading)."""
    if qual.split(".")[0] != "torch":
        return False
    objs = resolve_static(qual)
    if len(objs) != len(qual.split(".")):
        return False
    obj = objs[-1]
    fn = getattr(obj, "__func__", obj)               # a staticmethod / classmethod found statically
    if not isinstance(fn, types.FunctionType):
        return True                                  # C bindings, OpOverloadPackets, classes, modules
    return getattr(fn, "__module__", None) in _OPERATOR_MODULES
