"""Constant folding: the strings an expression of an answer cell can stand for, without running it.

A hostile cell spells a forbidden name as ``'max_' + 'pool2d'``, ``chr(109) +
...``, ``base64.b64decode(...)``, ``'%s' % x`` or ``''.join(reversed(s))``, so
the checker folds every expression it can to a small set of possible strings
and checks those too. What cannot be folded cheaply (too many values, too long,
a computed format width) is None: "computed at run time", which the checker
treats as a dynamic name where it matters.
"""
import ast
import base64
import binascii
import codecs
import re

_MAX_STRINGS = 64          # beyond this many possible values a string counts as computed
_MAX_LEN = 2000            # nor may one be longer: folding must stay cheap, whatever the cell says
_WIDTH = re.compile(r"\d{4,}")   # a format width that would build a huge string in the parent
_STR_METHODS = {"upper", "lower", "strip", "lstrip", "rstrip", "capitalize", "title", "swapcase",
                "casefold", "replace", "removeprefix", "removesuffix", "format", "join", "decode",
                "encode", "zfill", "ljust", "rjust", "center", "__add__", "__mod__"}


class TooBig(ValueError):
    """Folding would build more, or longer, strings than the caps allow: computed at run time."""


def _fits(n_values, length):
    """Caps applied *before* anything is built: how many values, how long each may grow."""
    if n_values > _MAX_STRINGS or length > _MAX_LEN:
        raise TooBig("too big to fold")


def _call_str_method(s, meth, args):
    if meth in ("decode", "encode"):        # bytes are folded as latin-1 text already
        return s
    if any(isinstance(a, int) and abs(a) > 256 for a in args):
        raise TooBig("width too large to fold")
    if meth in ("format", "__mod__") and _WIDTH.search(s):
        raise TooBig("width too large to fold")
    texts = [a for a in args if isinstance(a, str)]
    if meth == "replace" and len(texts) >= 2:
        old, new = texts[0], texts[1]
        grows = s.count(old) if old else len(s) + 1
        _fits(1, len(s) + grows * max(0, len(new) - len(old)))
    elif meth in ("join", "format", "__mod__", "__add__"):
        _fits(1, len(s) * (1 + sum(len(t) for t in texts)) + sum(len(t) for t in texts))
    return getattr(s, meth)(*args)


def _combos(sets):
    """Every tuple taking one value from each set, in order; TooBig before a product beyond the cap."""
    sets = [list(v) for v in sets]
    n = 1
    for values in sets:
        n *= max(1, len(values))
        _fits(n, 0)
    _fits(1, sum(max((len(x) for x in v if isinstance(x, str)), default=0) for v in sets))
    combos = [()]
    for values in sets:
        combos = [c + (x,) for c in combos for x in values]
    return combos


def _union(sets):
    """All values of all sets (an element of a container, either side of ``or``); None if one is unknown."""
    out = set()
    for v in sets:
        if v is None:
            return None
        out |= v
        _fits(len(out), 0)
    return frozenset(out)


def _longest(values):
    return max(map(len, values), default=0)


class Folder:
    """Possible string values of an expression: a frozenset, or None when not a constant.

    ``names`` (a ``names.Names``) gives what a name is bound to (``const_of``,
    ``container_of``) and what a call stands for (``qual``).
    """

    def __init__(self, names):
        self.names = names
        self.memo = {}
        self.active = set()

    def __call__(self, node):
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:        # a cycle through names: give up
            return None
        self.active.add(key)
        try:
            out = self._fold(node)
        except Exception:
            out = None
        finally:
            self.active.discard(key)
        if out is not None and (len(out) > _MAX_STRINGS or any(len(x) > _MAX_LEN for x in out)):
            out = None
        self.memo[key] = out
        return out

    def ints(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return [node.value]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.ints(node.operand)
            return None if inner is None else [-v for v in inner]
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for e in node.elts:
                v = self.ints(e)
                if v is None or len(v) != 1:
                    return None
                out += v
            return out
        return None

    def one_int(self, node):
        """The int a node is, when it is exactly one (``3``, ``-3``, ``[3]``); else None."""
        ints = self.ints(node)
        return ints[0] if ints and len(ints) == 1 else None

    def _product(self, parts):
        out = {""}
        for p in parts:
            if p is None:
                return None
            _fits(len(out) * len(p), max(map(len, out)) + max(map(len, p), default=0))
            out = {a + b for a in out for b in p}
        return frozenset(out)

    def _fold(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return frozenset([node.value])
            if isinstance(node.value, bytes):
                return frozenset([node.value.decode("latin-1")])
            return None
        if isinstance(node, ast.Name):
            return self.names.const_of(node.id, self)
        if isinstance(node, ast.NamedExpr):
            return self(node.value)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(frozenset([str(v.value)]))
                elif isinstance(v, ast.FormattedValue):
                    inner = self(v.value)
                    if inner is None:
                        i = self.one_int(v.value)
                        inner = None if i is None else frozenset([str(i)])
                    if inner is not None and v.conversion == ord("r"):
                        inner = frozenset(repr(s) for s in inner)
                    parts.append(inner)
                else:
                    return None
            return self._product(parts)
        if isinstance(node, ast.BinOp):
            left = self(node.left)
            if isinstance(node.op, ast.Add):
                return self._product([left, self(node.right)])
            if isinstance(node.op, ast.Mult):
                n = self.ints(node.right) or self.ints(node.left)
                s = left if left is not None else self(node.right)
                if s is None or not n or len(n) != 1 or n[0] > 64:
                    return None
                _fits(len(s), max(map(len, s), default=0) * max(n[0], 0))
                return frozenset(x * n[0] for x in s)
            if isinstance(node.op, ast.Mod) and left is not None:
                if isinstance(node.right, ast.Tuple):
                    parts = [self(e) for e in node.right.elts]
                    if any(p is None for p in parts):
                        return None
                    if any(_WIDTH.search(x) for x in left):
                        return None
                    combos = _combos(parts)
                    _fits(len(left) * len(combos), 0)
                    return frozenset(l % c for l in left for c in combos)
                if any(_WIDTH.search(x) for x in left):
                    return None
                right = self(node.right)
                if right is None:
                    return None
                _fits(len(left) * len(right), 0)
                return frozenset(l % r for l in left for r in right)
            return None
        if isinstance(node, ast.IfExp):
            a, b = self(node.body), self(node.orelse)
            return None if a is None or b is None else a | b
        if isinstance(node, ast.BoolOp):
            return _union([self(v) for v in node.values])
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return _union([self(e) for e in node.elts])
        if isinstance(node, ast.Dict):
            return _union([self(v) for v in node.values])
        if isinstance(node, ast.Subscript):
            base = self(node.value)
            if base is None:
                return None
            sl = node.slice
            if isinstance(sl, ast.Slice) and isinstance(node.value, (ast.Constant, ast.Name, ast.BinOp,
                                                                    ast.JoinedStr, ast.Call)):
                bounds = []
                for b in (sl.lower, sl.upper, sl.step):
                    v = [None] if b is None else self.ints(b)
                    if v is None or len(v) != 1:
                        return None
                    bounds.append(v[0])
                return frozenset(s[slice(*bounds)] for s in base)
            return base                  # an element of a container of strings
        if isinstance(node, ast.Call):
            return self._fold_call(node)
        return None

    def _fold_call(self, node):
        f, args = node.func, node.args
        quals = self.names.qual(f)
        if quals & {"builtins.chr"} and len(args) == 1:
            n = self.one_int(args[0])
            return None if n is None else frozenset([chr(n)])
        if quals & {"builtins.str"} and len(args) == 1:
            return self(args[0])
        if quals & {"builtins.bytes", "builtins.bytearray"} and len(args) == 1:
            n = self.ints(args[0])
            return frozenset([bytes(n).decode("latin-1")]) if n is not None else self(args[0])
        if quals & {"builtins.reversed"} and len(args) == 1:
            s = self(args[0])
            return None if s is None else frozenset(x[::-1] for x in s)
        decoders = {"base64.b64decode": base64.b64decode, "base64.b32decode": base64.b32decode,
                    "base64.b16decode": base64.b16decode, "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
                    "binascii.unhexlify": binascii.unhexlify, "binascii.a2b_hex": binascii.a2b_hex,
                    "builtins.bytes.fromhex": bytes.fromhex}
        for q in quals:
            if q in decoders and len(args) == 1:
                s = self(args[0])
                return None if s is None else frozenset(decoders[q](x).decode("latin-1") for x in s)
            if q == "codecs.decode" and args:
                s = self(args[0])
                enc = self(args[1]) if len(args) > 1 else frozenset(["utf-8"])
                if s is None or enc is None:
                    return None
                return frozenset(str(codecs.decode(x, e)) for x in s for e in enc)
        if isinstance(f, ast.Attribute) and f.attr in _STR_METHODS:
            if f.attr == "join" and len(args) == 1:
                return self._fold_join(self(f.value), args[0])
            base = self(f.value)
            if base is None:
                return None
            arg_sets = [self(a) for a in args]
            if any(a is None for a in arg_sets):
                arg_sets = [None if i is None else frozenset([i]) for i in map(self.one_int, args)]
                if any(a is None for a in arg_sets):
                    return None
            combos = _combos(arg_sets)
            _fits(len(base) * len(combos), 0)
            return frozenset(str(_call_str_method(s, f.attr, c)) for s in base for c in combos)
        return None

    def _fold_join(self, seps, arg):
        """``sep.join(arg)`` for a literal list, a list bound once to a name, a string, or chr()s."""
        if seps is None:
            return None
        if isinstance(arg, ast.Name):
            arg = self.names.container_of(arg.id) or arg
        if isinstance(arg, (ast.List, ast.Tuple)):
            out = set()
            for sep in seps:
                joined = self._join([self(e) for e in arg.elts], sep)
                if joined is None:
                    return None
                out |= joined
                _fits(len(out), 0)
            return frozenset(out)
        if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) and len(arg.generators) == 1:
            gen, elt = arg.generators[0], arg.elt
            codes = self.ints(gen.iter)
            if (codes is not None and isinstance(gen.target, ast.Name) and isinstance(elt, ast.Call)
                    and self.names.qual(elt.func) & {"builtins.chr"}):
                return frozenset(sep.join(chr(c) for c in codes) for sep in seps)
            return None
        if isinstance(arg, ast.Call) and self.names.qual(arg.func) & {"builtins.map"} and len(arg.args) == 2:
            codes = self.ints(arg.args[1])
            if codes is not None and self.names.qual(arg.args[0]) & {"builtins.chr"}:
                return frozenset(sep.join(chr(c) for c in codes) for sep in seps)
            return None
        whole = self(arg)          # a string is joined character by character; reversed(s), s[::-1]
        if whole is None:
            return None
        _fits(len(seps) * len(whole), max(map(len, seps)) * max(map(len, whole), default=0) + _longest(whole))
        return frozenset(sep.join(w) for sep in seps for w in whole)

    def _join(self, parts, sep):
        if any(p is None for p in parts):
            return None
        out = None
        for p in parts:
            if out is not None:
                _fits(len(out) * len(p), _longest(out) + len(sep) + _longest(p))
            out = set(p) if out is None else {a + sep + b for a in out for b in p}
        return out if out is not None else {""}

