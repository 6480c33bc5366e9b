"""Name resolution: what each name of the answer cells may stand for, flow-insensitively.

``Names`` gathers every binding of every scope of every cell (assignments,
imports, loop targets, definitions) and from them the dotted names an
expression may denote -- ``m = torch.nn.functional; g = m.max_pool2d`` makes
``g(...)`` stand for ``torch.nn.functional.max_pool2d`` -- and, with
``folding.Folder``, the constant strings a name holds. Merging all scopes errs
towards flagging: a name that is a module anywhere is taken to be one everywhere.
"""
import ast
import builtins

from course.source_rules.folding import Folder
from course.source_rules.policy import PREAMBLE_ALIASES, star_exports
from course.source_rules.scopes import locals_of, params, target_names

_UNKNOWN = ("unknown", None)
MAX_ALIASES = 64           # dotted names one name may stand for; beyond, the recorder still sees the call


class Names:
    """Bindings, aliases and constants of parsed cells (``trees``; None for a cell that did not parse).

    ``module_bound``: the names module-level code binds; such a name is not the
    builtin or the preamble's module of the same name.
    """

    def __init__(self, trees, module_bound):
        self.module_bound = module_bound
        self._locals = {}
        self._collect_bindings(trees)
        self.fold = Folder(self)
        self._resolve_aliases()

    def locals_of(self, node):
        """``scopes.locals_of``, once per scope node."""
        key = id(node)
        if key not in self._locals:
            self._locals[key] = locals_of(node)
        return self._locals[key]

    def is_module(self, name):
        """Whether ``name`` is bound to a module (the preamble's or an import) anywhere."""
        return name in PREAMBLE_ALIASES or any(k == "import" for k, _ in self.bindings.get(name, ()))

    # ---- bindings (every scope of every cell, merged)

    def _collect_bindings(self, trees):
        self.bindings = {}
        self.star_modules = set()

        def add(name, what):
            self.bindings.setdefault(name, []).append(what)

        for tree in trees:
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        self._bind_target(t, node.value, add)
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    self._bind_target(node.target, node.value, add)
                elif isinstance(node, ast.AugAssign):
                    for n in target_names(node.target):
                        add(n, _UNKNOWN)
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    for n in target_names(node.target):
                        add(n, ("iter", node.iter))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    for n in params(node.args):
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
                        for n in target_names(it.optional_vars) if it.optional_vars is not None else []:
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
                    Names._bind_target(t, v, add)
            else:
                for n in target_names(target):
                    add(n, ("iter", value))
        elif isinstance(target, ast.Starred):
            for n in target_names(target):
                add(n, _UNKNOWN)

    # ---- aliases and constants

    def _resolve_aliases(self):
        """``alias[name]``: the dotted names ``name`` may stand for, grown to a fixed point.

        A worklist: a name is recomputed only when a name its bindings read has grown, and a
        set only grows (at most ``MAX_ALIASES`` entries), so a chain of any length resolves in
        time linear in the bindings times that cap -- not a fixed number of rounds.
        """
        self.alias = {n: set(q) for n, q in PREAMBLE_ALIASES.items()}
        readers = {}
        for name, whats in self.bindings.items():
            for kind, what in whats:
                if kind in ("value", "iter"):
                    for sub in ast.walk(what):
                        if isinstance(sub, ast.Name):
                            readers.setdefault(sub.id, set()).add(name)
        work = list(self.bindings)
        queued = set(work)
        while work:
            name = work.pop()
            queued.discard(name)
            new = set()
            for kind, what in self.bindings.get(name, ()):
                if kind == "import":
                    new.add(what)
                elif kind in ("value", "iter"):
                    new |= self.qual(what)
            cur = self.alias.setdefault(name, set())
            if not new <= cur and len(cur) < MAX_ALIASES:
                cur |= set(sorted(new - cur)[:MAX_ALIASES - len(cur)])
                for r in readers.get(name, ()):
                    if r not in queued:
                        queued.add(r)
                        work.append(r)

    def const_of(self, name, folder):
        """The strings every binding of ``name`` folds to, or None if one of them does not fold."""
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
            if len(out) > 64:              # the folder's own cap, checked as the union grows
                return None
        return frozenset(out)

    def container_of(self, name):
        """The list or tuple literal ``name`` is bound to, when that is its one binding."""
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
                # a star import binds what the module exports (when the parent knows the module)
                out |= {f"{m}.{node.id}" for m in self.star_modules
                        if star_exports(m) is None or node.id in star_exports(m)}
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
