"""How much evidence a pair has; pairs above a threshold grouped and ranked.

Every weight is a :func:`rarity`: 1 for something only two students of the class
share, less the more students share it (``log2(n / k) / log2(n / 2)``), so the
same numbers mean the same in a class of 30 and of 2,000.

``strength`` of a pair = the sum over graded functions of

- code: ``similarity^2 x weight`` (``fingerprint.CodeIndex.compare``): the share of
  the smaller answer's fingerprints the other has, squared (two answers written on
  one idiom share a little of each other and count far less than a copy), times the
  rarities of the rare fingerprints they share (common ones weigh nothing);
- behaviour: ``BEHAVIOUR_WEIGHT x rarity x coverage`` (``behaviour.BehaviourIndex.compare``):
  the same wrong outputs on the hidden cases, as rare as they are in the class, as much
  as they cover of the two students' wrong outputs. A wrong answer only two students
  share counts as much as ``BEHAVIOUR_WEIGHT`` rare fingerprints (about a third of a
  copied function): two students who share a rare wrong output almost always shared code.

A pair is reported when its strength reaches ``THRESHOLD`` (in rare fingerprints).
Clusters are found per graded function: students linked by pairs whose evidence
on that one function reaches the threshold form a group (two students who copied
``pool2d`` and two others who copied ``pool_cost`` are two clusters, not one chain);
groups with the same students are one cluster with several functions; a reported
pair whose evidence is spread over functions is a cluster of its own. A cluster
is ranked by its strongest pair's evidence on the cluster's functions. A strength
orders the evidence for a person to read; it is not a verdict.
"""
import math
from collections import defaultdict

BEHAVIOUR_WEIGHT = 16.0
THRESHOLD = 8.0


def rarity(n, k):
    """How rare it is that ``k`` of ``n`` students share something (see the module doc)."""
    if n <= 2:
        return 1.0 if k <= n else 0.0
    return max(0.0, math.log2(n / k) / math.log2(n / 2))


def strength(code, behaviour):
    """(total, code part, behaviour part, {function: evidence}) of a pair's per-function evidence."""
    by_fn = defaultdict(float)
    for e in code:
        by_fn[e["function"]] += e["score"]
    for e in behaviour:
        by_fn[e["function"]] += BEHAVIOUR_WEIGHT * e["score"]
    c = sum(e["score"] for e in code)
    b = BEHAVIOUR_WEIGHT * sum(e["score"] for e in behaviour)
    return c + b, c, b, dict(by_fn)


class _Union:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clusters(pairs, threshold=THRESHOLD):
    """Clusters of the reported pairs (see the module doc), strongest first:
    [{"id", "students", "functions", "strength", "pairs"}]; each pair gets ``clusters`` (ids)."""
    groups = {}                                   # frozenset(students) -> set of functions
    by_fn = defaultdict(list)
    for p in pairs:
        for fn, s in p["by_function"].items():
            if s >= threshold:
                by_fn[fn].append(p)
    for fn, ps in sorted(by_fn.items()):
        u = _Union()
        for p in ps:
            u.union(p["a"], p["b"])
        members = defaultdict(set)
        for p in ps:
            members[u.find(p["a"])].update((p["a"], p["b"]))
        for students in members.values():
            groups.setdefault(frozenset(students), set()).add(fn)
    for p in pairs:
        if p["strength"] >= threshold and not any({p["a"], p["b"]} <= g for g in groups):
            groups[frozenset((p["a"], p["b"]))] = set(p["by_function"])
    involved = defaultdict(list)                  # student -> pairs, to collect a group's pairs quickly
    for p in pairs:
        involved[p["a"]].append(p)
        p["clusters"] = []
    out = []
    for students, fns in groups.items():
        inside = [p for s in students for p in involved[s] if p["a"] == s and p["b"] in students]
        for p in inside:
            p["on_cluster"] = sum(p["by_function"].get(fn, 0.0) for fn in fns)
        inside.sort(key=lambda p: (-p["on_cluster"], -p["strength"], p["a"], p["b"]))
        out.append({"students": sorted(students), "functions": sorted(fns),
                    "strength": round(inside[0]["on_cluster"], 2) if inside else 0.0,
                    "pairs": [dict(a=p["a"], b=p["b"], on_cluster=round(p.pop("on_cluster"), 2)) for p in inside]})
    out.sort(key=lambda c: (-c["strength"], c["students"]))
    index = {(p["a"], p["b"]): p for p in pairs}
    for i, c in enumerate(out, 1):
        c["id"] = i
        for q in c["pairs"]:
            index[(q["a"], q["b"])]["clusters"].append(i)
    return out
