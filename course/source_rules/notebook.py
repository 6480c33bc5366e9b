"""The answer cells of one notebook, parsed once, and the findings that count against each graded function.

``Notebook(cells).findings(function, policy, own_cells)`` is the one question
the grader asks (``pipeline/check_source.py``). It answers by reach: the
function's definitions and every unit (``units.py``) they reach by global name
or stored module attribute, scanned in full (``scan.py``); the module-level code
of its own cells, and of the cells it reaches into, for tampering only; and
what counts against every function with a ban wherever it is (``spread``).
"""
import ast

from course.source_rules.units import index_units, split_units
from course.source_rules.finding import COUNTS, Finding, blinds
from course.source_rules.names import Names
from course.source_rules.scan import Scan, ScanResult
from course.source_rules.scopes import FUNCTIONS
from course.source_rules.taint import Taint


def _x_entries():
    """The graded functions whose rule is about computation on their first argument ``X``: the
    rules published in ``public_cases.json`` (the grader writes them from the exercise records).
    Without them, none: every parameter is then taken for the input, which can only make the
    check stricter, never laxer."""
    try:
        from course.public_cases import public_data
        rules = public_data().get("rules", {})
    except (ImportError, OSError, ValueError):
        return frozenset()
    return frozenset(name for name, rule in rules.items() if rule == "conv_relu_only")


class Notebook:
    """The answer cells of one notebook (``[(label, code)]``), parsed once: units, names, scans."""

    def __init__(self, cells, entries=None):
        # Cells the parent could not parse. Whether the child can is not the parent's to assume
        # (an earlier cell may raise sys.setrecursionlimit or sys.set_int_max_str_digits): the
        # grader compares with what the child reported (``CheckSource.unparsed_flags``).
        self.trees, self.unparsed = [], []
        for i, (_label, code) in enumerate(cells):
            try:
                self.trees.append(ast.parse(code))
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                self.trees.append(None)
                self.unparsed.append(i)
        self.units = [u for i, tree in enumerate(self.trees) if tree is not None
                      for u in split_units(tree.body, i)]
        self.names = Names(self.trees, {n for u in self.units for n in u.binds})
        self.by_name, self.by_qual = index_units(self.units, self.names)
        # what may derive from X: a bonus operator counts only on such data (``taint.py``);
        # computed the first time a bonus operator is named (most notebooks never name one)
        self._entries = entries
        self._taint = None
        self._scans = {}
        self._spread = None

    def taint(self):
        """The ``taint.Taint`` of these cells, built once, when first asked."""
        if self._taint is None:
            entries = _x_entries() if self._entries is None else self._entries
            self._taint = Taint(self.trees, self.names, entries)
        return self._taint

    def scan(self, unit):
        """What ``unit`` holds (a ``scan.ScanResult``), scanned once."""
        key = id(unit)
        if key not in self._scans:
            res = ScanResult()
            scanner = Scan(self.names, unit.cell, res, self.taint)
            for node in unit.nodes:
                try:
                    scanner.visit(node)
                except RecursionError:          # nested beyond what the checker reads: a person looks
                    res.findings.add(Finding(unit.cell, getattr(node, "lineno", 0), "review", "check_budget"))
            self._scans[key] = res
        return self._scans[key]

    def reach(self, start):
        """The units ``start`` and every unit they reach by global name or module attribute, transitively."""
        # Each name and each module attribute is followed once: linear in units plus names,
        # however many units load or bind the same name (20,000 lines of ``_x = _x``).
        seen, stack, followed = {}, list(start), set()
        while stack:
            u = stack.pop()
            if id(u) in seen:
                continue
            seen[id(u)] = u
            res = self.scan(u)
            for n in res.names:
                if ("n", n) not in followed:
                    followed.add(("n", n))
                    stack += self.by_name.get(n, [])
            for qual in res.quals:
                parts = qual.split(".")
                for i in range(1, len(parts) + 1):
                    head = ".".join(parts[:i])
                    if ("q", head) not in followed:
                        followed.add(("q", head))
                        stack += self.by_qual.get(head, [])
        return list(seen.values())

    def spread(self):
        """What counts against every function with a ban, wherever it is.

        Run-time names or code anywhere in the answer cells (they could patch or
        redefine anything in the child), and tampering that runs at module level
        (before any call: module statements, class bodies and what they reach) and
        could blind the recorder for every later call: gc, frames, code objects,
        torch's dispatch internals, builtins, hidden code (marshal, pickle, types).
        """
        if self._spread is None:
            out = {f for u in self.units for f in self.scan(u).findings if f.category == "dynamic"}
            module_level = [u for u in self.units if not isinstance(u.definition, FUNCTIONS)]
            for u in self.reach(module_level):
                res = self.scan(u)
                out |= {f for f in res.findings - res.imports if f.category == "tampering" and blinds(f.key)}
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
        own = [u for u in self.units if u.cell in cells and u.definition is None]
        module_level = [u for u in self.reach(own) if id(u) not in full_ids]
        out = set()
        for u in full:
            out |= {f for f in self.scan(u).findings if f.category in counts}
        for u in module_level:
            out |= {f for f in self.scan(u).findings if f.category in ("tampering", "dynamic")}
        out = {f for f in out if f.category in counts}
        if "dynamic" in counts:
            out |= self.spread()
        return sorted(out)

