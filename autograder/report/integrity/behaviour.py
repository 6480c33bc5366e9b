"""Behavioural fingerprints: what a function returned on each hidden case, hashed.

Recorded by ``autograder.grading.suites`` (``autograder.grading.evidence``) in the trusted parent, on the values the
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
from collections import defaultdict

# The hashes themselves are made while grading (autograder/grading/evidence.py, below the suites);
# this module reads them across the class.
from autograder.grading.evidence import ERROR, HASH_HEX, canonical, output_hash, record  # noqa: F401
from autograder.report.integrity.cluster import rarity

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
