"""Read answer cells with ``ast`` -- never running them -- for what the operator rule says.

It lives in the student package, beside the op recorder (``course/forbidden.py``), so that
``course.check()`` applies the grader's own rule before the grade; it needs no hidden
data and imports nothing from ``autograder`` (the grader imports it from here).

The op recorder (``course.forbidden``) runs inside the untrusted child, so
code there can blind it, and inside one process the rule cannot be proven. This
package is what the trusted parent can see in the source, sorted into what is
automatic and what goes to a person (``pipeline/check_source.py``).

``Notebook(cells)`` parses a notebook's answer cells once;
``Notebook.findings(function, policy, own_cells)`` lists the ``Finding``s that
count against one graded function. Categories:

* ``pool`` / ``bonus`` (automatic, ``Finding.automatic``): an operator the
  function's rule forbids, named plainly -- any spelling the parent resolves
  statically (aliases to a fixed point, imports, attribute chains, containers,
  ``torch.ops.aten``, folded strings in ``getattr`` / imports / ``eval``);
* ``tampering`` and ``dynamic`` (for a person: ``review:<construct>``,
  ``Finding.construct``): threads and processes, frames, gc, code objects,
  torch's dispatch machinery (judged by where a private name's object lives:
  ``_pair`` is inert), patching modules / classes / builtins the answer does
  not own, names or code computed at run time and look-up primitives (known by
  the identity of the object a name resolves to, not by spelling);
* ``review``: what the check itself could not do (``check_budget``,
  ``unparsed_cell``, added by the step).

Which code counts for function ``f``: its top-level definitions and everything
they reach by global name or by a stored module attribute (helpers, aliases,
containers, ``torch.x = ...``, a patch in another function's body),
transitively; for ``tampering`` and ``dynamic`` also the module-level code of
``f``'s cells and of the cells it reaches into (a student's own comparison
``print(F.max_pool2d(...))`` below the function is not the function). Run-time
names anywhere, and module-level code that could blind the recorder for every
call, count for every function with a rule (``Notebook.spread``). Every binding
of a global name is seen, by the grammar's binding fields
(``scopes.global_binds``), not a list of statements.

Honest code never has a finding of either kind: the kit's solutions, stubs,
examples, mutants and the honest corpus (tests/hostile/ban/honest_*.py) are
checked in tests/test_check_source.py.

For the bonus, an operator it forbids counts only where its object or arguments may
derive from ``X`` (``taint``: a constant kernel may be built with anything).

The parts, each one job: ``policy`` (the rule tables), ``taint`` (what may derive from ``X``), ``finding`` (what is
reported and what counts under which ``forbid`` rule), ``scopes`` (which names
a scope binds), ``folding`` (constant strings, caps applied before building),
``names`` (what a name may stand for), ``units`` (the pieces of a cell and what
each binds), ``scan`` (the checker for one unit) and ``notebook`` (reach: what
counts for a function).
"""
from course.source_rules.finding import COUNTS, Finding
from course.source_rules.notebook import Notebook
from course.source_rules.policy import is_pool_name, known_pool_names

__all__ = ["COUNTS", "Finding", "Notebook", "is_pool_name", "known_pool_names"]
