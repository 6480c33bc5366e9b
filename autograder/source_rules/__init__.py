"""Read answer cells with ``ast`` -- never running them -- for what the operator ban forbids.

The op recorder (``autograder.forbidden``) runs inside the untrusted child, so
a student can switch it off, empty it or work around it (a second thread, a
frame walk, torch's dispatch internals). This package is the trusted parent's
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

The parts, each one job: ``policy`` (the rule tables), ``finding`` (what is
reported and what counts under which ``forbid`` rule), ``scopes`` (which names
a scope binds), ``folding`` (constant strings), ``names`` (what a name may stand
for), ``units`` (the pieces of a cell and what each binds), ``scan`` (the
checker for one unit) and ``notebook`` (reach: what counts for a function).
"""
from autograder.source_rules.finding import COUNTS, Finding
from autograder.source_rules.notebook import Notebook
from autograder.source_rules.policy import is_pool_name, known_pool_names

__all__ = ["COUNTS", "Finding", "Notebook", "is_pool_name", "known_pool_names"]
