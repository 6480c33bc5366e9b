"""Units: the module-level pieces of the answer cells, and which names and module attributes each binds.

The check follows code the way the child would run it: a graded function
counts its own definition and every unit it reaches by a global name or a
module attribute (``torch.x = ...``), transitively (``notebook.py``). A unit is
a top-level definition, a statement, or the header of a compound statement
(its body is split further), so that one honest ``print(...)`` below a
function is not pulled in with the rest of its cell.
"""
import ast
import dataclasses

from course.source_rules.scopes import DEFINITIONS, FUNCTIONS, defaults, global_binds, root_name


@dataclasses.dataclass(eq=False)
class Unit:
    """One module-level piece of an answer cell: a definition, a statement, or a compound header."""
    cell: int
    nodes: list                    # what to scan
    binds: frozenset = frozenset()  # global names it binds
    quals: frozenset = frozenset()  # module attributes it stores (``torch.x = ...``)
    deftime: bool = False          # only the definition-time parts of a def/class (decorators, defaults)

    @property
    def definition(self):
        """The def or class statement this unit is, else None (its decorators and defaults are another unit)."""
        node = self.nodes[0] if len(self.nodes) == 1 else None
        return node if isinstance(node, DEFINITIONS) else None


def split_units(stmts, cell):
    """The units of a cell's statements (``stmts``), in order; compound statements are split into their parts."""
    for st in stmts:
        if isinstance(st, DEFINITIONS):
            yield Unit(cell, [st], frozenset(global_binds([st])))
            head = list(st.decorator_list)
            if isinstance(st, ast.ClassDef):
                head += st.bases + [k.value for k in st.keywords]
            else:
                head += defaults(st.args)
            yield Unit(cell, head, deftime=True)
        elif isinstance(st, (ast.If, ast.While)):
            yield Unit(cell, [st.test], frozenset(global_binds([st.test])))
            yield from split_units(st.body + st.orelse, cell)
        elif isinstance(st, (ast.For, ast.AsyncFor)):
            yield Unit(cell, [st.target, st.iter], frozenset(global_binds([st.target, st.iter])))
            yield from split_units(st.body + st.orelse, cell)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            yield Unit(cell, [it.context_expr for it in st.items] +
                       [it.optional_vars for it in st.items if it.optional_vars is not None],
                       frozenset(global_binds(st.items)))
            yield from split_units(st.body, cell)
        elif isinstance(st, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from split_units(st.body + st.orelse + st.finalbody, cell)
            for h in st.handlers:
                yield Unit(cell, [h.type] if h.type else [],
                           frozenset(([h.name] if h.name else []) + list(global_binds([h.type] if h.type else []))))
                yield from split_units(h.body, cell)
        elif isinstance(st, ast.Match):
            yield Unit(cell, [st.subject], frozenset(global_binds([st.subject])))
            for case in st.cases:                 # a capture binds the subject's value
                head = [case.pattern] + ([case.guard] if case.guard else [])
                yield Unit(cell, [st.subject] + head, frozenset(global_binds(head)))
                yield from split_units(case.body, cell)
        else:
            yield _simple_unit(st, cell)


def _simple_unit(st, cell):
    names = global_binds([st])
    if isinstance(st, ast.Global):
        names |= set(st.names)
    return Unit(cell, [st], frozenset(names))


def index_units(units, names):
    """Who binds what: ``(by_name, by_qual)``, global names and module attributes (``torch.x = ...``).

    Sets each unit's ``binds`` and ``quals``. Besides plain bindings, a unit binds
    what it changes, wherever in it (a function body included, since the suites
    call the functions one after another in one child): a store into or a method
    call on a global user object (``impl['f'] = ...``, ``impl.update(...)``) binds
    the object's name; a store into a module binds only that attribute, so
    ``torch.allclose = ...`` does not pull every user of ``torch`` in;
    ``M.__dict__`` binds all of ``M``. ``names`` is the cells' ``names.Names``.
    """
    by_name, by_qual = {}, {}
    setters = {"builtins.setattr", "builtins.delattr"}
    for u in units:
        binds, quals = set(u.binds), set()
        local = names.locals_of(u.definition) if isinstance(u.definition, FUNCTIONS) else set()
        for node in [n for top in u.nodes for n in ast.walk(top)]:
            if isinstance(node, ast.Global):
                binds |= set(node.names)      # `global g; g = ...` in a body rebinds g when called
            target, stored = None, False
            if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                target, stored = node, True
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = node.func.value
                if names.qual(node.func) & setters:
                    target = None
            elif isinstance(node, ast.Call) and names.qual(node.func) & setters and len(node.args) >= 2:
                attrs = names.fold(node.args[1]) or ()
                quals |= {f"{b}.{n}" for b in names.qual(node.args[0]) for n in attrs}
                target = node.args[0]
            if target is None:
                continue
            for q in names.qual(target):
                if q.endswith(".__dict__"):
                    quals.add(q[:-len(".__dict__")])
                elif stored:
                    quals.add(q)
            root = root_name(target)
            if root is not None and root not in local and not names.is_module(root):
                binds.add(root)
        u.binds, u.quals = frozenset(binds), frozenset(quals)
        for n in u.binds:
            by_name.setdefault(n, []).append(u)
        for q in u.quals:
            by_qual.setdefault(q, []).append(u)
    return by_name, by_qual
