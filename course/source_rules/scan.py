"""The checker proper: walk one unit of an answer cell and record what the rules forbid in it.

``Scan`` visits a unit's nodes with Python's scopes in mind and applies the
tables of ``policy.py`` to every dotted name it resolves (``names.Names.qual``),
every bare attribute name, every import and every call that resolves names or
code (``getattr``, ``exec``, ``__import__``: a string folding resolves is
checked as the name it becomes, a constant ``exec`` string is parsed and
scanned in turn; a bare string is only text). It
also records the global names and module attributes the unit loads, so that
``notebook.Notebook`` can follow them to the code they reach.
"""
import ast
import dataclasses

from course.source_rules.finding import Finding
from course.source_rules.policy import (BONUS_NAMES, DYNAMIC_ATTRS, DYNAMIC_CALLS, DYNAMIC_SCOPES,
                                            OS_BANNED, SYS_BANNED, TAMPER_ATTRS, TORCH_MODE_NAMES,
                                            TORCH_TAMPER_PARTS, canonical, is_pool_name, short_name,
                                            tamper_module, torch_capability, torch_setting)
from course.source_rules.scopes import defaults


class ScanResult:
    """What one unit holds: findings, and the global names and module attributes it loads."""

    def __init__(self):
        self.findings, self.names, self.quals = set(), set(), set()
        self.imports = set()        # findings that are only an import (nothing run yet)


class Scan(ast.NodeVisitor):
    """Walks one unit's nodes with scopes; records findings, global names and attribute quals loaded."""

    def __init__(self, names, cell, res, taint=None):
        self.names, self.cell, self.res = names, cell, res
        self.taint = taint              # () -> Taint; None: every bonus operator counts (exec strings)
        self.scopes = []
        self.called = set()
        self.call_of = {}               # id(call.func) -> the call

    # -- helpers

    def add(self, node, category, key):
        if category == "bonus" and not self.on_input(node):
            return
        self.res.findings.add(Finding(self.cell, getattr(node, "lineno", 0), category, str(key)[:60]))

    def on_input(self, node):
        """Whether a bonus operator named at ``node`` may compute on data derived from ``X``: its
        object or arguments may be derived (``taint.Taint``). A constant kernel may be built with
        anything. What cannot be judged counts: an operator passed around rather than called, one
        reached through ``getattr`` or ``exec``. An import is judged where the name is used."""
        if self.taint is None:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return False
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return True
        call = self.call_of.get(id(node))
        if call is None:
            return True
        operands = list(call.args) + [k.value for k in call.keywords]
        if isinstance(node, ast.Attribute):
            operands.append(node.value)
        taint = self.taint()
        return any(taint.derived(o) for o in operands)

    def local(self):
        return frozenset().union(*self.scopes) if self.scopes else frozenset()

    def qual(self, node):
        return self.names.qual(node, self.local())

    def check_qual(self, node, q):
        """Rules on a dotted name; returns the categories found."""
        found = set()
        parts = q.split(".")
        root, two = parts[0], ".".join(parts[:2])

        def hit(category, key):
            self.add(node, category, key)
            found.add(category)

        module = tamper_module(q)
        if module is not None and not q.startswith("builtins."):    # a bare builtin name is not `import builtins`
            hit("tampering", module)
        if len(parts) > 1:
            if root == "os" and parts[1] in OS_BANNED:
                hit("tampering", two)
            if root == "sys" and parts[1] in SYS_BANNED:
                hit("tampering", two)
            if root == "importlib" and parts[1] != "import_module":
                hit("tampering", two)
        if root == "torch":
            cap = torch_capability(q)
            pooled = [i for i, p in enumerate(parts[1:], 1) if "pool" in p.lower()]
            if cap is not None and not pooled:
                hit("tampering", cap)              # torch's dispatch machinery, however it is reached
            for i, p in enumerate(parts[1:], 1):
                head = ".".join(parts[:i + 1])
                if cap is None and (p in TORCH_TAMPER_PARTS or p in TORCH_MODE_NAMES):
                    hit("tampering", head)
                    break
                if "pool" in p.lower():
                    hit("pool", short_name(head))
                    break
            if parts[-1] in BONUS_NAMES:
                hit("bonus", short_name(q))
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
        """A string is only text until code resolves it (getattr, import, eval: checked there), and
        the recorder sees whatever operator it ends up naming. Only a path into ``/proc``, which can
        rewrite the process (``/proc/self/mem``), is a construct in itself."""
        if s.startswith("/proc") or "/proc/" in s[:4096]:
            self.add(node, "tampering", "/proc")

    def folded(self, node):
        vals = self.names.fold(node)
        for s in vals or ():
            self.check_string(node, s)

    # -- scopes

    def _function(self, node):
        for d in node.decorator_list:
            self.visit(d)
        for d in defaults(node.args):
            self.visit(d)
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs + [node.args.vararg, node.args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)
        if node.returns is not None:
            self.visit(node.returns)
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self.add(node, "tampering", node.name)
        self.scopes.append(self.names.locals_of(node))
        for st in node.body:
            self.visit(st)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node):
        for d in defaults(node.args):
            self.visit(d)
        self.scopes.append(self.names.locals_of(node))
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node):
        for n in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(n)
        self.scopes.append(self.names.locals_of(node))
        for st in node.body:
            self.visit(st)
        self.scopes.pop()

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)
        self.scopes.append(self.names.locals_of(node))
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
                c = canonical(q)
                if (c in DYNAMIC_CALLS or c in DYNAMIC_SCOPES) and id(node) not in self.called:
                    self.add(node, "dynamic", short_name(c))     # getattr passed around: its names are unseen

    def visit_Attribute(self, node):
        quals = self.qual(node)
        found = set()
        for q in quals:
            found |= self.check_qual(node, q)
            c = canonical(q)
            if c != q and (c in DYNAMIC_CALLS or c in DYNAMIC_SCOPES) and id(node) not in self.called:
                self.add(node, "dynamic", short_name(c))         # a look-up primitive by another path
            if isinstance(node.ctx, ast.Load):
                self.res.quals.add(q)
            elif isinstance(node.ctx, ast.Store) and torch_setting(q):
                pass                                            # setting a torch flag, by its own setter
            elif isinstance(node.ctx, (ast.Store, ast.Del)):
                shown = q if q.startswith("builtins.") else short_name(q)
                self.add(node, "tampering", f"{shown} =")      # monkeypatching a module
        # A pooling name on an object the parent cannot resolve (``self.maxpool``, a student's own
        # method) is not plain: torch's own are resolved by check_qual, and the recorder sees
        # whatever operator such a call dispatches.
        self.check_name(node, node.attr, skip=found | {"pool"})
        self.visit(node.value)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            for q in self.qual(node.value):
                if q.endswith(".__dict__") or q == "builtins.__builtins__":
                    self.add(node, "dynamic", f"{short_name(q)}[...] =")
                elif q == "sys.modules":
                    self.add(node, "tampering", "sys.modules[...] =")
        self.folded(node)
        self.generic_visit(node)

    def visit_Call(self, node):
        self.called.add(id(node.func))
        self.call_of[id(node.func)] = node
        for q in {canonical(q) for q in self.qual(node.func)}:
            if q in DYNAMIC_CALLS:
                self._dynamic_call(node, q)
            elif q in DYNAMIC_SCOPES:
                self.add(node, "dynamic", short_name(q) + "()")
        self.folded(node)
        self.generic_visit(node)

    def _dynamic_call(self, node, q):
        idx = DYNAMIC_CALLS[q]
        arg = node.args[idx] if len(node.args) > idx else None
        if arg is None:
            kw = [k.value for k in node.keywords if k.arg in ("name", "source", "object")]
            arg = kw[0] if kw else None
        names = self.names.fold(arg) if arg is not None else None
        short = short_name(q)
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
                    self.add(node, "tampering", f"{short}({short_name(b)})")

    def _scan_source(self, node, src):
        """exec/eval of a constant string: check that code too, at the line of the call."""
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        sub = ScanResult()
        inner = Scan(self.names, self.cell, sub)
        inner.scopes = list(self.scopes)
        inner.visit(tree)
        line = getattr(node, "lineno", 0)
        self.res.findings |= {dataclasses.replace(f, line=line) for f in sub.findings}
        self.res.names |= sub.names
        self.res.quals |= sub.quals

    def _check_module(self, node, name):
        module = tamper_module(name)
        if module is not None:
            self.add(node, "tampering", module)
            return
        parts = name.split(".")
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
