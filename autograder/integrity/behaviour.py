"""Behavioural fingerprints: what a function returned on each hidden case, hashed.

Recorded by ``autograder.suites`` in the trusted parent, on the values the
parent decoded (the student's code never sees this module): per case a short
hash of the rounded output, and which cases were wrong. In ``results.json``
each function's result then carries ::

    "behaviour": {"digest": "<16 hex: all cases>", "wrong": {"<case index>": "<12 hex>", ...}}

An error is hashed by its exception type only (messages carry addresses and
student text), a timeout as such; those hashes start with ``!`` and are never
evidence on their own: everyone who left the stub raises the same error.

:class:`BehaviourIndex` finds pairs of students who returned the *same wrong*
output on the same cases and weighs it by how rare that output is in the class
(``cluster.rarity``: 1 when only two students share the whole pattern, less the
more share it), times how much of the two students' wrong outputs it covers. A
pattern many students share is a misconception (``max_zero_padding``), not a
copy: above ``max_df`` students it weighs nothing (:meth:`BehaviourIndex.common`
lists such patterns for the report).
"""
import hashlib
import math
from collections import defaultdict

import numpy as np
import torch

from autograder.integrity.cluster import rarity

# Digits kept when hashing a tensor's values, relative to its largest magnitude: the same
# arithmetic in another order (a rewrite of a copied bug) still hashes alike, almost always.
SIGNIFICANT = 4
HASH_HEX = 12
# Largest tensor whose values are hashed; a bigger one (a zero-stride view of a few bytes may
# pose as millions of elements) is hashed by dtype and shape alone, never materialised.
MAX_HASHED = 1 << 16
ERROR = "!"              # prefix of the hashes of errors and timeouts


def _h(data, n=HASH_HEX):
    return hashlib.blake2b(data, digest_size=n // 2).hexdigest()


def _rounded(t):
    """A tensor's values as bytes, rounded relative to its largest finite magnitude."""
    a = t.detach().to("cpu")
    if a.is_complex():
        a = torch.view_as_real(a)
    a = a.to(torch.float64).numpy() if a.dtype != torch.bool else a.numpy().astype(np.float64)
    finite = np.isfinite(a)
    top = float(np.abs(a[finite]).max()) if finite.any() else 0.0
    decimals = SIGNIFICANT - 1 - (int(math.floor(math.log10(top))) if top > 0 else 0)
    r = np.round(a, decimals) + 0.0                     # + 0.0: -0.0 and 0.0 are one value
    r = np.where(np.isnan(r), np.nan, r)                # one NaN bit pattern
    return np.ascontiguousarray(r).tobytes()


def canonical(value, depth=0):
    """Bytes that stand for a returned value (tensor, number, tuple, None ...)."""
    if depth > 8:
        return b"deep"
    if isinstance(value, torch.Tensor):
        head = f"T{str(value.dtype)}{tuple(value.shape)}".encode()
        if value.numel() > MAX_HASHED:
            return head + b"big"
        try:
            return head + _h(_rounded(value), 32).encode()
        except (RuntimeError, TypeError, ValueError):
            return head + b"?"
    if isinstance(value, bool) or value is None:
        return repr(value).encode()
    if isinstance(value, int):
        return b"i" + str(value).encode()[:64]
    if isinstance(value, float):
        return b"f" + (repr(value) if not math.isfinite(value) else f"{value:.{SIGNIFICANT}g}").encode()
    if isinstance(value, (tuple, list)):
        return b"(" + b",".join(canonical(v, depth + 1) for v in value[:64]) + b")"
    return type(value).__name__.encode()[:40]


def output_hash(res):
    """The hash of one call's outcome (a ``suites.CallResult``)."""
    if res.timed_out:
        return ERROR + "timeout"
    if res.error is not None:
        kind = str(res.error).split(":", 1)[0].strip()[:40]
        return ERROR + _h(kind.encode("utf-8", "replace"), HASH_HEX - 1)
    return _h(canonical(res.value))


def record(outputs, failures):
    """``behaviour`` of a suite run: ``outputs`` [(case index, case, output_hash)] in case order,
    ``failures`` the suite's failures (their ``case`` objects mark the wrong cases)."""
    wrong_cases = {id(f.case) for f in failures}
    hashes = [(i, h, id(case) in wrong_cases) for i, case, h in outputs]
    digest = _h("|".join(f"{i}:{h}" for i, h, _ in hashes).encode(), 16)
    return {"digest": digest, "wrong": {str(i): h for i, h, bad in hashes if bad}}


# ------------------------------------------------------------------ across the class

def default_max_df(n):
    """Wrong-output patterns shared by more students than this are misconceptions, not copies."""
    return max(3, n // 50)


class BehaviourIndex:
    """The wrong outputs of one graded function across the class."""

    def __init__(self, function, records, max_df=None):
        """``records``: {student: behaviour dict} (students whose function ran at all)."""
        self.function = function
        self.wrong = {}
        for s, rec in records.items():
            wrong = (rec or {}).get("wrong") if isinstance(rec, dict) else None
            if isinstance(wrong, dict):
                self.wrong[s] = frozenset((str(k)[:8], str(v)[:HASH_HEX]) for k, v in list(wrong.items())[:512])
        self.n = len(records)
        self.postings = defaultdict(set)
        for s, items in self.wrong.items():
            for item in items:
                self.postings[item].add(s)
        self.max_df = default_max_df(self.n) if max_df is None else max_df

    @staticmethod
    def informative(item):
        return not item[1].startswith(ERROR)

    def candidate_pairs(self):
        """Pairs of students sharing a rare, informative wrong output: {(a, b)} (a < b)."""
        out = set()
        for item, students in self.postings.items():
            if 2 <= len(students) <= self.max_df and self.informative(item):
                ss = sorted(students)
                out.update((a, b) for i, a in enumerate(ss) for b in ss[i + 1:])
        return out

    def sharing(self, items):
        """How many students returned every one of these wrong outputs."""
        lists = sorted((self.postings.get(i, set()) for i in items), key=len)
        if not lists:
            return 0
        common = set(lists[0])
        for p in lists[1:]:
            common &= p
            if len(common) <= 2:
                break
        return len(common)

    def compare(self, a, b):
        """Evidence of the pair on this function, or None when they share no informative wrong output."""
        wa, wb = self.wrong.get(a, frozenset()), self.wrong.get(b, frozenset())
        shared = frozenset(i for i in wa & wb if self.informative(i))
        if not shared:
            return None
        c = max(2, self.sharing(shared))
        coverage = len(shared) / max(len(wa), len(wb))
        rare = rarity(self.n, c) if c <= self.max_df else 0.0
        return {"function": self.function, "shared_wrong": len(shared), "students_sharing": c,
                "coverage": coverage, "rarity": rare, "score": rare * coverage, "identical": wa == wb}

    def common(self, k=5):
        """The k wrong-output patterns most students share exactly (misconceptions): [(students, n)]."""
        by_pattern = defaultdict(list)
        for s, items in self.wrong.items():
            info = frozenset(i for i in items if self.informative(i))
            if info:
                by_pattern[info].append(s)
        groups = sorted((sorted(ss) for ss in by_pattern.values() if len(ss) > self.max_df),
                        key=lambda ss: (-len(ss), ss))
        return groups[:k]
