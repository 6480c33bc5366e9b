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


# ------------------------------------------------------------------ layers: imports only go down
# The packages of autograder/, lowest first (#21 point 3; docs/architecture.md). A module may import
# its own layer or a lower one; `course` (the student package) is below all of autograder and never
# imports it. The sandbox is a leaf below the exercises: the suites read its CallResult, and it
# knows nothing of exercises or grading. Top-level modules of autograder/ are only the thin shims
# scripts/relayout.py keeps at old names for deployed files (they may import anything).
LAYERS = ("core", "sandbox", "exercises", "grading", "pipeline", "run", "report", "adapters", "cli")
COURSE, ROOT_PACKAGE, SHIM = -2, -1, len(LAYERS)
LAID_OUT = (ROOT / "autograder" / "core" / "results.py").is_file()
NOT_LAID_OUT = ("the tree is not laid out yet (no autograder/core/results.py): "
                "the coordinator runs scripts/relayout.py after merging (#21 point 3)")


def is_shim(path):
    """A thin shim: a docstring, imports, and ``sys.modules[__name__] = <module>`` (nothing else)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    rebinds = [n for n in body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "sys.modules[__name__]"]
    rest = [n for n in body if n not in rebinds and not isinstance(n, (ast.Import, ast.ImportFrom))
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return len(rebinds) == 1 and not rest


def layer_of(module, path):
    parts = module.split(".")
    if parts[0] == "course":
        return COURSE
    if module == "autograder":
        return ROOT_PACKAGE
    if parts[1] in LAYERS and (len(parts) > 2 or path.name == "__init__.py"):
        return LAYERS.index(parts[1])
    return SHIM if is_shim(path) else None


@pytest.mark.skipif(not LAID_OUT, reason=NOT_LAID_OUT)
def test_every_module_is_in_a_layer():
    known = _modules()
    unplaced = sorted(m for m, p in known.items() if layer_of(m, p) is None)
    assert unplaced == [], f"modules outside the layers {LAYERS} (and not a thin shim): {unplaced}"


@pytest.mark.skipif(not LAID_OUT, reason=NOT_LAID_OUT)
def test_imports_only_go_down():
    known = _modules()
    upward = []
    for m, p in sorted(known.items()):
        mine = layer_of(m, p)
        for d in sorted(_imports(m, p, known)):
            theirs = layer_of(d, known[d])
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{m} ({_name(mine)}) imports {d} ({_name(theirs)})")
    assert upward == []


def _name(layer):
    return {COURSE: "course", ROOT_PACKAGE: "autograder", SHIM: "shim"}.get(layer) or LAYERS[layer]


@pytest.mark.parametrize("module, text, layer", [
    ("autograder.grading.x", "from autograder.run import batch\n", "grading"),   # grading -> run: up
    ("course.x", "import autograder.core.results\n", "course"),                  # course -> autograder
], ids=["grading-imports-run", "course-imports-autograder"])
def test_the_layer_check_sees_an_upward_import(tmp_path, module, text, layer):
    path = tmp_path / "x.py"
    path.write_text(text)
    target = "autograder.run.batch" if "run" in text else "autograder.core.results"
    known = {module: path, target: tmp_path / "t.py"}
    (tmp_path / "t.py").write_text("")
    deps = _imports(module, path, known)
    assert deps == {target}
    assert layer_of(target, known[target]) > layer_of(module, path) and _name(layer_of(module, path)) == layer


# ------------------------------------------------------------------ no module loaded by path
# A module is imported by its name, from the import path; never executed from a file path
# (importlib's spec_from_file_location / SourceFileLoader, runpy.run_path, imp.load_source, or
# exec/compile of a file's text): such a module escapes this file's checks and the layers, and
# whoever can write the path decides what runs. The sandbox's child imports by name too, from the
# folders its runner names (autograder/sandbox/child.py).
BY_PATH_CALLS = {"spec_from_file_location", "SourceFileLoader", "SourcelessFileLoader", "run_path", "load_source",
                 "load_compiled", "load_module"}


def loads_by_path(tree):
    """Lines of ``tree`` that load a module from a file path."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in BY_PATH_CALLS:
            found.append(node.lineno)
        elif name in ("exec", "compile", "execfile") and node.args:
            reads = [n for n in ast.walk(node.args[0]) if isinstance(n, ast.Call) and (
                getattr(n.func, "attr", None) in ("read", "read_text", "read_bytes") or getattr(n.func, "id", None) == "open")]
            if reads:
                found.append(node.lineno)
    return found


def test_no_module_is_loaded_by_path():
    found = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            lines = loads_by_path(ast.parse(p.read_text(encoding="utf-8")))
            if lines:
                found[str(p.relative_to(ROOT))] = lines
    assert found == {}


@pytest.mark.parametrize("text", [
    "import importlib.util\nspec = importlib.util.spec_from_file_location('m', '/x/m.py')\n",
    "from importlib.machinery import SourceFileLoader\nm = SourceFileLoader('m', '/x/m.py').load_module()\n",
    "import runpy\nrunpy.run_path('/x/m.py')\n",
    "exec(open('/x/m.py').read(), {})\n",
    "import pathlib\nexec(compile(pathlib.Path('/x/m.py').read_text(), 'm', 'exec'))\n",
])
def test_the_path_check_sees_each_way(text):
    assert loads_by_path(ast.parse(text))
    assert not loads_by_path(ast.parse("import importlib\nm = importlib.import_module('autograder.core.kit')\n"))
