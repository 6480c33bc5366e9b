"""Answer cells built to exhaust the parent's static check (tests/test_hostile_budget.py).

Each entry is ``name: (cell source, what the check must say)``: ``"review"`` (a review flag,
the check finished within its algorithms' bounds), or ``"budget"`` (only the hard budget can
stop it: ``review:check_budget``). The fold bombs build a cartesian product of strings before
the 64-value cap unless the cap is applied before the product; reach and aliases were quadratic.
"""
N = 20_000
_EIGHT = "a = ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')[0]\nb = a + a\n"   # 64 possible values
_TAIL = "def pool2d(X, k, mode='max'):\n    return getattr(F, s)(X)\n"     # the folded name is used

CELLS = {
    # string folding: eight short lines, a product of 64-value sets
    "fold_percent": _EIGHT + "s = '%s%s%s%s%s%s' % (b, b, b, b, b, b)\n" + _TAIL,
    "fold_format": _EIGHT + "s = '{}{}{}{}{}{}'.format(b, b, b, b, b, b)\n" + _TAIL,
    "fold_fstring": _EIGHT + "s = f'{b}{b}{b}{b}{b}{b}'\n" + _TAIL,
    "fold_join": _EIGHT + "s = '_'.join([b, b, b, b, b, b])\n" + _TAIL,
    "fold_concat": _EIGHT + "c = b + b\nd = c + c\ns = d + d\n" + _TAIL,
    "fold_replace": "x = 'a' * 64\ny = x.replace('a', x)\nz = y.replace('a', y)\ns = z.replace('a', z)\n" + _TAIL,
    "fold_join_string": "x = 'a' * 60\ny = x.join(x)\nz = y.join(y)\ns = z.join(z)\n" + _TAIL,
    "fold_union": "".join(f"s = 'v{i}'\n" for i in range(N)) + _TAIL,
    "fold_ifexp_chain": _EIGHT + "".join(f"b = b + ('x' if b else 'y')\n" for _ in range(40)) + "s = b\n" + _TAIL,
    # reach and names: quadratic before, linear now
    "reach_self_alias": "".join("_x = _x\n" for _ in range(N)) + _TAIL.replace("s)", "'relu')"),
    "reach_two_names": "".join("_x = _y\n_y = _x\n" for _ in range(N // 2)) + _TAIL.replace("s)", "'relu')"),
    "alias_chain": "a0 = F.relu\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(N)) +
                   f"s = 'relu'\ndef pool2d(X, k, mode='max'):\n    return a{N}(getattr(F, k))\n",
    "call_chain": "def f0(X):\n    return X\n" + "".join(f"def f{i + 1}(X):\n    return f{i}(X)\n" for i in range(N // 4)) +
                  f"def pool2d(X, k, mode='max'):\n    return f{N // 4}(getattr(F, k)(X))\n",
}

# Only the hard budget stops these (run with a small budget in the test).
BUDGET = {
    "many_lines": "".join(f"v{i} = getattr(F, 'x{i}' + str(v{i - 1} if {i} else 0))\n" for i in range(N)) +
                  "def pool2d(X, k, mode='max'):\n    return X\n",
}
