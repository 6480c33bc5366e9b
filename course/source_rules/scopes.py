"""Python's scoping rules, as far as the checker needs them: which names a scope binds.

A name used inside a function that the function itself binds (a parameter, an
assignment, an import) is not the global of the same name, so it neither
reaches another definition nor stands for a module; these helpers say which
names are local where, without running anything.
"""
import ast

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFINITIONS = FUNCTIONS + (ast.ClassDef,)


def walk_scope(nodes):
    """The nodes of one scope: nested functions, classes, lambdas and comprehensions are not entered."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))


def target_names(target):
    """Names a store target binds: ``a``, ``a, (b, *c)`` (``a[k]`` and ``a.x`` bind no name)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in target_names(e)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


def root_name(node):
    """The name an expression starts from: ``impl`` of ``impl['f'].x()``; None for a literal."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def params(args):
    """The parameter names of a signature."""
    out = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    out += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return out


def locals_of(node):
    """Names local to a function (or lambda, class body, comprehension) scope."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return {n for g in node.generators for n in target_names(g.target)}
    body = node.body if isinstance(node.body, list) else [node.body]
    names = set(params(node.args)) if not isinstance(node, ast.ClassDef) else set()
    declared = set()
    for sub in walk_scope(body):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, DEFINITIONS):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names |= import_names(sub)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            declared |= set(sub.names)
    return names - declared


def import_names(node):
    """Names an ``import`` binds: ``import a.b`` binds ``a``; ``from m import *`` binds none we know."""
    return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}


def defaults(args):
    """A signature's default values, positional and keyword-only (evaluated when the def runs)."""
    return args.defaults + [d for d in args.kw_defaults if d is not None]


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def binding_names(node):
    """The names ``node`` itself binds, by the grammar's fields rather than a list of statements:
    a ``Name`` stored or deleted (assignments, ``for`` / ``with`` / walrus / comprehension
    targets, ``del``), an ``alias`` (``import ... as``), and every node with an identifier
    ``name`` or ``rest`` field (``def``, ``class``, ``except ... as``, ``match`` captures,
    ``**rest`` patterns, type parameters). ``global`` / ``nonlocal`` only declare."""
    if isinstance(node, ast.Name):
        return [] if isinstance(node.ctx, ast.Load) else [node.id]
    if isinstance(node, ast.alias):
        return [] if node.name == "*" else [(node.asname or node.name).split(".")[0]]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return []
    return [v for f in ("name", "rest") for v in [getattr(node, f, None)] if isinstance(v, str)]


def _declared_global(body):
    return {n for sub in walk_scope(body) if isinstance(sub, ast.Global) for n in sub.names}


def global_binds(nodes, module=True, declared=frozenset()):
    """Every module-level (global) name the code in ``nodes`` binds, wherever in it: at module
    level, inside a comprehension (a walrus binds in the enclosing scope), and in any nested
    function or class body that declares the name ``global``. A comprehension's own loop
    variables and a function's locals are not global."""
    out, stack = set(), [(n, module, frozenset(declared)) for n in nodes]
    while stack:
        node, is_module, decl = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if not isinstance(node, ast.Lambda) and (is_module or node.name in decl):
                out.add(node.name)
            head = list(getattr(node, "decorator_list", []))
            if isinstance(node, ast.ClassDef):
                head += node.bases + [k.value for k in node.keywords]
            else:
                head += defaults(node.args)
            stack += [(h, is_module, decl) for h in head]
            body = node.body if isinstance(node.body, list) else [node.body]
            inner = frozenset(_declared_global(body))
            stack += [(b, False, inner) for b in body]
            continue
        if isinstance(node, COMPREHENSIONS):
            for g in node.generators:            # targets are the comprehension's own
                stack += [(x, is_module, decl) for x in [g.iter] + list(g.ifs)]
                stack += [(t, is_module, decl) for t in ast.walk(g.target) if isinstance(t, ast.NamedExpr)]
            stack += [(getattr(node, f), is_module, decl) for f in ("elt", "key", "value") if hasattr(node, f)]
            continue
        for n in binding_names(node):
            if is_module or n in decl:
                out.add(n)
        stack += [(c, is_module, decl) for c in ast.iter_child_nodes(node)]
    return out
