"""The kit's modules import each other without cycles: module-level imports, and the imports inside
functions too (a lazy import in both directions is still a loop a reader has to hold in mind)."""
import ast
import pathlib

import pytest

from conftest import ROOT

PACKAGES = ("autograder", "course")


def _modules():
    out = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            parts = p.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _imports(name, path, known, lazy=True):
    """Kit modules `name` imports, at module level and (``lazy``) inside functions; a submodule's
    import of its own package is not a cycle."""
    deps = set()
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in (ast.walk(tree) if lazy else tree.body):
        if isinstance(node, ast.Import):
            deps |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            base = node.module
            if node.level:
                here = name.split(".") if is_pkg else name.split(".")[:-1]
                base = ".".join(here[:len(here) - node.level + 1] + [node.module])
            subs = {f"{base}.{a.name}" for a in node.names} & set(known)
            deps |= subs or {base}
    return {d for d in deps if d in known and d != name and not name.startswith(d + ".")}


def find_cycles(graph):
    """Every cycle a depth-first walk of `graph` (module -> modules it imports) runs into."""
    cycles, state, stack = [], {}, []

    def visit(u):
        state[u] = "open"
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == "open":
                cycles.append(" -> ".join(stack[stack.index(v):] + [v]))
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return cycles


def test_no_import_cycles():
    known = _modules()
    assert find_cycles({m: _imports(m, p, known) for m, p in known.items()}) == []


@pytest.mark.parametrize("a_text, b_text", [
    ("import autograder.b\n", "from autograder import a\n"),                      # at module level
    ("def f():\n    from autograder.b import g\n", "import autograder.a\n"),     # inside a function
], ids=["module-level", "lazy"])
def test_the_cycle_check_sees_a_cycle(tmp_path, a_text, b_text):
    """The check itself: two modules importing each other are reported, also through a lazy import."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text(a_text)
    b.write_text(b_text)
    known = {"autograder.a": a, "autograder.b": b}
    graph = {m: _imports(m, p, known) for m, p in known.items()}
    assert find_cycles(graph) == ["autograder.a -> autograder.b -> autograder.a"]
