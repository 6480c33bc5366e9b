"""Naming every independent fault of a failing function: shared by ``check()`` and the grader.

The caller runs a function's cases and hands over one :class:`Outcome` per case:
whether it passed, what it returned or raised, and which known-mistake models
reproduce it there (the grader runs the models; ``check()`` reads their recorded
outputs from ``public_cases.json``, so no mistake code ships with ``course``).
:func:`diagnose` then names the faults:

1. **mode**: a case that must raise (an unknown ``mode``) did not;
2. **formulas** (``pool_output_shape``, ``pool_cost``): the formula is taken apart into
   its choices (floor / ceil / true division, the ``+ 1``, padding on both sides, one
   side or none, windows or input elements counted, the operations per window, the
   channels); a formula with one or two wrong choices that gives every failing value
   (and the right value wherever the student is right) names those choices;
3. **models**: a mistake model is accepted when it reproduces the student's output
   on at least half of the cases where the model itself is wrong (a model that
   agrees once by coincidence is not a diagnosis); accepted models claim the
   failures they reproduce, the one claiming most first. A model's values returned
   in another dtype still count (a float64 numpy buffer): the dtype is named apart;
4. **detectors**: shapes of wrong output no single model pins down (a signature that
   refuses the exercise's arguments, right values in the wrong dtype, a ReLU as the
   last step, windows never gathered);
5. **settings**: for the failures still unexplained, the smallest set of one or two
   settings (channels, batch, stride, padding, window shape, dtype, ...) that separates
   them from the passing cases (a case right but for its dtype counts as passing):
   every such failure has a non-trivial value in one of them, the cases that are
   trivial in all of them pass, and each one alone fails at least half of the cases
   where it is the only one set (e.g. "works for one channel, fails for several").
   Such a setting never claims more than it shows: "the stride is ignored" is the
   ``stride_ignored`` model's word, whose output IS the stride-1 result;
6. **generic**: when nothing but the mode or a consequence is named, the kind of difference of the
   smallest failing case (raised, wrong type or shape, dtype, NaN, wrong values), so
   "N property groups failed" is never the only word; a wrong shape or type on nearly
   every case is said as such rather than through the setting of the few that pass.

Faults are ordered by what they teach: the mistakes (window, stride, padding, overlap,
formula) before their consequences (``CONSEQUENCES``: dtype, shape), then by how many
failures they explain.

Each :class:`Fault` keeps the failures it explains, so the case shown under a
named mistake is that mistake's smallest case, never another fault's.
"""
from dataclasses import dataclass, field
from itertools import combinations, product
import re

import torch

from course.public_cases import param_names


# Stands for "this mistake model raises here": a student whose call raises on the same case
# makes the same mistake (e.g. swapped height and width: a window taller than the input).
RAISES = "<raises>"


def matches(model_value, o, compare):
    """Whether a mistake model's value (or RAISES) reproduces the failing outcome ``o``."""
    if isinstance(model_value, str) and model_value == RAISES:
        return o.error is not None and o.error != "timeout"
    if o.error is not None:
        return False
    try:
        if compare(model_value, o.got).ok:
            return True
        # The same wrong values in another dtype (a numpy float64 buffer): the model's mistake is
        # made; the dtype is a separate fault, named on its own (``_dtype_only``).
        if (isinstance(model_value, torch.Tensor) and isinstance(o.got, torch.Tensor)
                and o.got.is_floating_point() and o.got.dtype != model_value.dtype
                and o.got.shape == model_value.shape):
            return compare(model_value, o.got.to(model_value.dtype)).ok
        return False
    except Exception:
        return False


@dataclass
class Outcome:
    """One case as run."""
    name: str                    # graded function
    args: tuple
    kwargs: dict
    group: str
    size: int
    passed: bool
    expect_error: str = None     # the case must raise this
    error: str = None            # "<Type>: <message>" when the call raised; "timeout"
    diff: object = None          # course.compare.Diff of a wrong return value
    got: object = None
    expected: object = None
    # Mistake models by key: the misconception id, or "<id>-<variant>" when a library has
    # several models of one mistake (each model is judged on its own evidence).
    matched: frozenset = frozenset()   # keys of the models that reproduce `got` here (and are wrong here)
    wrong: frozenset = frozenset()     # keys of the models that are wrong here
    ref: object = None                 # the caller's own record of the case

    @property
    def settings(self):
        if not hasattr(self, "_settings"):
            self._settings = settings(self.name, self.args, self.kwargs)
        return self._settings


@dataclass
class Fault:
    mid: str                     # misconception id of course.messages.CATALOG
    how: str                     # 'mode' | 'model' | 'detector' | 'setting' | 'generic'
    outcomes: list = field(default_factory=list)

    @property
    def smallest(self):
        return min(self.outcomes, key=lambda o: o.size) if self.outcomes else None


# ---------------------------------------------------------------------------
# Settings of a call: which non-trivial values it uses.
# ---------------------------------------------------------------------------

# A setting whose failures return wrong values (rather than raise) has a more precise name:
# several channels giving wrong values have been mixed; rectangles giving wrong values have
# their height and width swapped.
VALUE_FAULTS = {"fails_with_channels": "channels_mixed", "fails_with_rectangles": "hw_swapped"}

# Setting -> the misconception id that names it, in the order ties are broken.
SETTING_FAULTS = {
    "channels": "fails_with_channels",
    "batch": "fails_with_batch",
    "padding": "fails_with_padding",
    "stride": "fails_with_stride",
    "stride_window": "fails_unless_stride_is_window",
    "overlap": "fails_with_overlap",
    "int_size": "fails_with_int_size",
    "window_shape": "fails_with_rectangles",
    "input_shape": "fails_with_rectangles",
    "big_window": "fails_with_big_window",
    "dtype": "fails_with_dtype",
    "noncontiguous": "fails_with_noncontiguous",
    "avg": "fails_with_avg",
    "max": "fails_with_max",
    "temperature": "fails_with_temperature",
    "large": "fails_with_large_values",
}

# Faults that are most often the consequence of another mistake: named after the others.
CONSEQUENCES = frozenset({"dtype_not_kept", "fails_with_dtype", "wrong_shape", "fails_with_noncontiguous"})

# A named mistake that is a special case of another one named beside it is folded into
# it: "stride=None taken as 1" is part of "the stride is ignored altogether".
SUBSUMED_BY = {"stride_default_one": "stride_ignored"}

# Functions whose window size is a setting worth naming (the bonus with k x k windows).
_WINDOW_SIZE_MATTERS = ("max_pool_conv_relu", "conv_relu_counts")


def _pair(v):
    if isinstance(v, (tuple, list)) and len(v) == 2:
        return int(v[0]), int(v[1])
    if isinstance(v, int) and not isinstance(v, bool):
        return v, v
    return None


def settings(name, args, kwargs):
    """{setting: bool}: whether a call uses a non-trivial value of each setting it has."""
    a = dict(zip(param_names(name), args))
    a.update(kwargs)
    out = {}
    X = a.get("X")
    if isinstance(X, torch.Tensor):
        if X.dim() == 4:
            out["batch"] = X.shape[0] > 1
            out["channels"] = X.shape[1] > 1
        if X.dim() >= 2:
            out["input_shape"] = X.shape[-2] != X.shape[-1]
        out["dtype"] = X.dtype != torch.float32
        out["noncontiguous"] = not X.is_contiguous()
    elif isinstance(a.get("c"), int):
        out["channels"] = a["c"] > 1
    if isinstance(a.get("h"), int) and isinstance(a.get("w"), int):
        out["input_shape"] = a["h"] != a["w"]
    size = a.get("pool_size", 2 if name == "max_pool_conv_relu" else None)
    k = _pair(size)
    if k is not None:
        out["int_size"] = isinstance(size, int) and name != "max_pool_conv_relu"
        out["window_shape"] = k[0] != k[1]
        if name in _WINDOW_SIZE_MATTERS:
            out["big_window"] = max(k) > 2
        if "stride" in param_names(name):
            s = k if a.get("stride") is None else _pair(a["stride"])
            if s is not None:
                out["stride"] = s != (1, 1)
                out["stride_window"] = s != k
                if name.endswith("_backward"):
                    out["overlap"] = s[0] < k[0] or s[1] < k[1]
        if "padding" in param_names(name):
            p = _pair(a.get("padding", 0))
            out["padding"] = p is not None and p != (0, 0)
    if "mode" in param_names(name):
        mode = a.get("mode", "max")
        out["avg"] = mode == "avg"
        out["max"] = mode == "max"
    if name == "softmax_pool2d":
        T = a.get("temperature", 1.0)
        out["temperature"] = T != 1.0
        big = isinstance(X, torch.Tensor) and X.numel() and float(X.detach().abs().max()) >= 100
        out["large"] = bool(big) or (isinstance(T, (int, float)) and T < 0.05)
    return out


# ---------------------------------------------------------------------------
# Detectors: wrong outputs that have a telling shape.
# ---------------------------------------------------------------------------

def _never_negative(o):
    """A ReLU is the last step: nothing below 0 comes out, where the max is negative somewhere."""
    if o.name != "max_pool_conv_relu" or not isinstance(o.got, torch.Tensor):
        return False
    if not isinstance(o.expected, torch.Tensor) or not o.got.is_floating_point() or o.got.numel() == 0:
        return False
    try:
        return bool((o.got >= 0).all()) and bool((o.expected < 0).any())
    except Exception:
        return False


def _not_gathered(o):
    """The output keeps the input's spatial size (or loses it): the windows were never taken."""
    X = o.args[0] if o.args else None
    if not (isinstance(o.got, torch.Tensor) and isinstance(X, torch.Tensor) and isinstance(o.expected, torch.Tensor)):
        return False
    if X.dim() != 4 or tuple(o.got.shape) == tuple(o.expected.shape):
        return False
    n, c, h, w = X.shape
    return tuple(o.got.shape) in {(n, c, h, w), (n, c), (n, c, 1, 1)} and o.expected.shape[-2:] != (1, 1)


def _dtype_only(o):
    """The values are right, only the dtype is not the input's (a float64 numpy buffer, torch.zeros'
    float32 default): a consequence, named on its own and after the mistakes that teach something."""
    if o.diff is None or o.diff.kind != "dtype" or not isinstance(o.got, torch.Tensor):
        return False
    try:
        from course.compare import compare
        return o.got.is_floating_point() and compare(o.expected, o.got.to(o.expected.dtype)).ok
    except Exception:
        return False


_SIGNATURE = re.compile(r"^TypeError: .*(?:positional argument|unexpected keyword argument|"
                        r"missing \d+ required)")


def _wrong_signature(o):
    """The call raised because the function does not take the arguments the exercise passes."""
    return o.error is not None and bool(_SIGNATURE.search(o.error))


# For every function: detectors run in this order, before the settings.
COMMON_DETECTORS = [("wrong_signature", _wrong_signature), ("dtype_not_kept", _dtype_only)]

DETECTORS = {
    "max_pool_conv_relu": [("one_conv_relu", _never_negative)],
    "softmax_pool2d": [("windows_not_gathered", _not_gathered)],
}


# ---------------------------------------------------------------------------
# Formulas: the output size and the cost, taken apart into the choices a formula makes.
# ---------------------------------------------------------------------------

# Each choice a student's formula makes, its right value first, and the misconception id of each wrong one.
_ROUNDING = {"floor": None, "ceil": "ceil_mode", "true": "true_division"}
_PLUS_ONE = {True: None, False: "shape_off_by_one"}
_PADDING = {2: None, 1: "one_sided_padding", 0: "padding_ignored"}
_COUNT = {"windows": None, "inputs": "cost_counts_inputs"}
_PER_WINDOW = {"ref": None, "kk": "cost_per_window", "kk-1": "cost_per_window", "one": "cost_per_window"}
_CHANNELS = {True: None, False: "cost_no_channels"}
FORMULA_FUNCTIONS = ("pool_output_shape", "pool_cost")


def _side(n, k, s, p, rounding, plus_one, padding):
    num = n + padding * p - k
    q = num // s if rounding == "floor" else -(-num // s) if rounding == "ceil" else num / s
    return q + 1 if plus_one else q


def _formula_value(name, a, choice):
    """What a formula with these choices gives for the call's arguments ``a`` (None: not applicable)."""
    k, s, p = _pair(a.get("pool_size")), a.get("stride"), _pair(a.get("padding", 0))
    s = k if s is None else _pair(s)
    if k is None or s is None or p is None:
        return None
    rounding, plus_one, padding = choice[:3]
    oh = _side(a["h"], k[0], s[0], p[0], rounding, plus_one, padding)
    ow = _side(a["w"], k[1], s[1], p[1], rounding, plus_one, padding)
    if name == "pool_output_shape":
        return (oh, ow)
    count, per_window, channels = choice[3:]
    mode = a.get("mode", "max")
    per = {"ref": k[0] * k[1] - (mode == "max"), "kk": k[0] * k[1], "kk-1": k[0] * k[1] - 1, "one": 1}[per_window]
    n = oh * ow if count == "windows" else a["h"] * a["w"]
    return (a["c"] if channels else 1) * n * per


def _same_number(x, y):
    try:
        return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(y)))
    except (TypeError, ValueError):
        return False


def _reproduces(value, got):
    if isinstance(value, tuple):
        try:
            return len(got) == 2 and all(_same_number(g, v) for g, v in zip(got, value))
        except TypeError:
            return False
    return _same_number(got, value)


def _formula_faults(fails, passes):
    """The wrong choices of a formula that reproduces every returned failure (and every pass), the
    fewest wrong choices first; [] when no such formula exists (then the models and settings speak)."""
    if not fails or fails[0].name not in FORMULA_FUNCTIONS or any(o.error is not None for o in fails):
        return []
    name = fails[0].name
    axes = [_ROUNDING, _PLUS_ONE, _PADDING] + ([_COUNT, _PER_WINDOW, _CHANNELS] if name == "pool_cost" else [])
    calls = []
    for o in fails + passes:
        a = dict(zip(param_names(name), o.args))
        a.update(o.kwargs)
        calls.append((o, a))
    right = tuple(next(c for c in axis if axis[c] is None) for axis in axes)
    best = None
    for choice in product(*[list(axis) for axis in axes]):
        wrong = [axis[c] for axis, c in zip(axes, choice) if axis[c] is not None]
        if not wrong or (best is not None and len(wrong) >= len(best)):
            continue
        try:
            # a failure: the formula gives what the student returned; a pass: what the right one gives
            if all(_reproduces(_formula_value(name, a, choice),
                               o.got if not o.passed else _formula_value(name, a, right))
                   for o, a in calls):
                best = wrong
        except Exception:
            continue
    if best is None:
        return []
    if name == "pool_cost":        # the cost's own words for the same choices
        best = ["cost_padding_ignored" if m == "padding_ignored" else m for m in best]
        if "true_division" in best and "shape_off_by_one" in best:
            best = [m for m in best if m not in ("true_division", "shape_off_by_one")] + ["output_size_formula"]
    return [Fault(mid, "formula", list(fails)) for mid in dict.fromkeys(best)]


# ---------------------------------------------------------------------------
# The diagnosis
# ---------------------------------------------------------------------------

def _diff_misconception(diff):
    """A generic misconception id from the kind of difference alone."""
    return {"type": "wrong_type", "shape": "wrong_shape", "dtype": "dtype_not_kept",
            "nonfinite": "nonfinite"}.get(diff.kind)


def _value_kind(o):
    """The kind of difference, looking past the dtype: a float64 buffer of wrong values is wrong
    values first (``compare`` reports the dtype before the values)."""
    if o.diff is None:
        return None
    if o.diff.kind == "dtype" and isinstance(o.got, torch.Tensor) and isinstance(o.expected, torch.Tensor):
        try:
            from course.compare import compare
            return compare(o.expected, o.got.to(o.expected.dtype)).kind
        except Exception:
            return o.diff.kind
    return o.diff.kind


def _generic(o):
    if o.error is not None:
        return "timeout" if o.error == "timeout" else "raises"
    if o.expect_error:
        return "mode_not_validated"
    kind = _value_kind(o)
    if kind == "value":
        return "wrong_values"          # never leave "N property groups failed" as the only word
    return {"type": "wrong_type", "shape": "wrong_shape", "dtype": "dtype_not_kept",
            "nonfinite": "nonfinite"}.get(kind)


def _uniform_kind(left, outcomes):
    """A wrong shape (or type) on nearly every case: that is what to say, whatever setting happens to
    separate the few cases that pass (a 1x1 window's output has the right shape by chance)."""
    kinds = {_value_kind(o) if o.error is None else "raises" for o in left}
    if len(kinds) != 1 or kinds & {None, "value", "dtype", "nonfinite", "raises"}:
        return None
    valued = [o for o in outcomes if not o.expect_error]
    return next(iter(kinds)) if 4 * len(left) >= 3 * len(valued) else None


def _model_faults(fails, outcomes, order):
    """Accepted mistake models, each with the failures it claims (most first)."""
    wrong, matched = {}, {}
    for o in outcomes:
        for mid in o.wrong:
            wrong[mid] = wrong.get(mid, 0) + 1
    for o in fails:
        for mid in o.matched:
            matched.setdefault(mid, []).append(o)
    rank = {m: i for i, m in enumerate(order)}
    # Enough evidence: half the cases where the model is wrong, and at least one returned value
    # that it reproduces (raising where it raises alone is too common to pin a mistake down).
    accepted = [m for m, hits in matched.items()
                if 2 * len(hits) >= wrong.get(m, len(hits)) and any(o.error is None for o in hits)]
    accepted.sort(key=lambda m: (-len(matched[m]), rank.get(mistake_id(m), len(rank))))
    faults, claimed = [], set()
    for m in accepted:
        mine = [o for o in matched[m] if id(o) not in claimed]
        if mine:
            claimed |= {id(o) for o in mine}
            faults.append(Fault(mistake_id(m), "model", mine))
    return faults, claimed


def mistake_id(key):
    """The misconception id of a model key ("<id>" or "<id>-<variant>")."""
    return key.split("-", 1)[0]


def _setting_faults(fails, passes):
    """The smallest set of settings separating `fails` from `passes` (see the module docstring)."""
    if not fails or not passes:
        return []
    names = list(SETTING_FAULTS)
    dims = [d for d in names if any(o.settings.get(d) for o in fails)]
    everyone = fails + passes
    for size in (1, 2):          # three or more settings separate nothing a student can act on
        best = None
        for D in combinations(dims, size):
            if not all(any(o.settings.get(d) for d in D) for o in fails):
                continue
            if not any(not any(o.settings.get(d) for d in D) for o in passes):
                continue                    # no baseline that works
            score, support, ok = 0.0, 0, True
            for d in D:
                alone = [o for o in everyone
                         if o.settings.get(d) and not any(o.settings.get(e) for e in D if e != d)]
                n_fail = sum(1 for o in alone if not o.passed)
                if n_fail == 0 or 2 * n_fail < len(alone):
                    ok = False
                    break
                score += n_fail / len(alone)
                # support: failures with d set, minus passes with d set
                support += sum(1 for o in fails if o.settings.get(d)) - sum(1 for o in passes if o.settings.get(d))
            if ok:
                key = (-score, -support, [names.index(d) for d in D])
                if best is None or key < best[0]:
                    best = (key, D)
        if best is not None:
            faults = {}
            for o in fails:
                d = next(d for d in best[1] if o.settings.get(d))
                mid = SETTING_FAULTS[d]
                faults.setdefault(mid, Fault(mid, "setting")).outcomes.append(o)
            for f in faults.values():
                if f.mid in VALUE_FAULTS and 2 * sum(o.error is None for o in f.outcomes) > len(f.outcomes):
                    f.mid = VALUE_FAULTS[f.mid]
            return list(faults.values())
    return []


def diagnose(outcomes, order=()):
    """The faults behind the failing outcomes, most telling first (see the module docstring).

    ``order``: the mistake ids in the library's order (ties go to the earlier one).
    """
    fails = [o for o in outcomes if not o.passed]
    if not fails:
        return []
    faults = []
    left = list(fails)
    # 1. a case that must raise did not
    mode = [o for o in left if o.expect_error]
    if mode:
        faults.append(Fault("mode_not_validated", "mode", mode))
        left = [o for o in left if not o.expect_error]
    # 2. a formula (output size, cost) with one or two wrong choices that reproduces every failure: its
    #    choices are the mistakes (a model of one choice would explain only the cases it alone decides)
    passes = [o for o in outcomes if o.passed and not o.expect_error]
    formula_faults = _formula_faults(left, passes) if left else []
    if len(formula_faults) > 2:
        formula_faults = []
    if formula_faults:
        left = []
    # 2b. mistake models
    model_faults, claimed = _model_faults([o for o in left if o.error != "timeout"], outcomes, order)
    left = [o for o in left if id(o) not in claimed]
    # 3. detectors
    detected = []
    for mid, test in COMMON_DETECTORS + DETECTORS.get(fails[0].name, []):
        hits = [o for o in left if test(o)]
        if hits:
            detected.append(Fault(mid, "detector", hits))
            left = [o for o in left if all(o is not h for h in hits)]
    # For the settings and formulas, a case whose values are right and only the dtype is not counts as a
    # pass: the dtype is a consequence, named apart (every case of a float64 buffer fails otherwise).
    dtype_only = [o for f in detected if f.mid == "dtype_not_kept" for o in f.outcomes]
    passes = [o for o in outcomes if o.passed and not o.expect_error] + dtype_only
    # 3b. formulas again, any number of wrong choices, for what the models left
    if left:
        formula_faults = _formula_faults(left, passes)
        if formula_faults:
            left = []
    # 4. settings that separate what is left from what passes (unless nearly every case has one
    #    wrong shape or type: then that is said, in step 5)
    uniform = _uniform_kind(left, outcomes) if left else None
    setting_faults = _setting_faults(left, passes) if left and uniform is None else []
    explained = {id(o) for f in setting_faults for o in f.outcomes}
    left = [o for o in left if id(o) not in explained]
    faults += model_faults + detected + formula_faults + setting_faults
    # 5. nothing named but the mode: the kind of difference of the smallest failure. (Beside named
    #    faults, a few unexplained failures are most likely their consequences: not named again.)
    #    Consequences alone (a dtype) do not count as named: the failures they leave are said too.
    if left and not [f for f in faults if f.how != "mode" and f.mid not in CONSEQUENCES]:
        smallest = min(left, key=lambda o: o.size)
        mid = _generic(smallest)
        if mid is not None and mid not in {f.mid for f in faults}:
            faults.append(Fault(mid, "generic", left))
    named = {f.mid: f for f in faults}
    for small, big in SUBSUMED_BY.items():
        if small in named and big in named:
            named[big].outcomes.extend(named[small].outcomes)
            faults.remove(named[small])
    # What teaches comes first (window, stride, padding, overlap, formula), consequences (dtype, shape)
    # after; then most failures explained first; ties: the smaller smallest case.
    faults.sort(key=lambda f: (f.mid in CONSEQUENCES, -len(f.outcomes), f.smallest.size))
    if not faults:                   # never "N property groups failed" alone
        faults.append(Fault("wrong_values", "generic", fails))
    seen, out = set(), []
    for f in faults:                 # one fault per id (two models may share an id)
        if f.mid in seen:
            next(g for g in out if g.mid == f.mid).outcomes.extend(f.outcomes)
        else:
            seen.add(f.mid)
            out.append(f)
    return out
