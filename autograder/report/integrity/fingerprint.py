"""Winnowing fingerprints of answer cells and an inverted index over the class.

As MOSS (Schleimer, Wilkerson and Aiken, *Winnowing: local algorithms for
document fingerprinting*, SIGMOD 2003): hash every k-gram of a document's
canonical tokens (``normalise``), keep the minimum of each window of ``W``
consecutive hashes (robust winnowing: on a tie keep the one already kept,
else the rightmost). Any run of ``K + W - 1`` tokens two documents share is
then found through at least one shared fingerprint, whatever surrounds it.

Why not copydetect (a maintained implementation of the same algorithm): its
``CopyDetector`` compares every pair of files (2,000 students x 11 functions
= 22 million comparisons); it hashes with Python's ``hash()``, salted per
process, so a report would not pick the same fingerprints twice; its
Pygments filter renames attributes and library calls too (``F.max_pool2d``
and ``X.unfold`` both become ``V.V``), which throws away evidence an AST
renaming keeps; and it would pull tqdm and a second HTML report into a kit
that pins every dependency. The algorithm itself is the 20 lines below.

Here: deterministic 61-bit Karp-Rabin hashes of token ids (BLAKE2b of the
token text), an inverted index fingerprint -> documents per graded function,
and candidate pairs only from fingerprints that few documents share (at most
``max_df``, as MOSS's ``-m``): no pair of students is ever compared unless
they share a rare fingerprint. Code handed out -- the released notebooks
(stubs, examples, the hints' inline code), ``course/`` and the instructor's
solutions (copies of those are the grader's ``solution_copy`` flag, not
evidence against a classmate) -- is boilerplate: all its k-grams are
removed from every document before anything is compared.
"""
import hashlib
import json
import pathlib
import re
from collections import defaultdict

from autograder.report.integrity.cluster import rarity
from autograder.grading.normalise import Budget, fragment_names, tokens

K = 6                 # tokens per k-gram: shorter shared runs are noise
W = 4                 # winnowing window: any shared run of K + W - 1 = 9 tokens is found
_MOD = (1 << 61) - 1
_BASE = 1_000_003
_POW = pow(_BASE, K - 1, _MOD)

_token_ids = {}


def token_id(text):
    """A stable 61-bit id of a token's text (the same in every process, unlike ``hash``)."""
    tid = _token_ids.get(text)
    if tid is None:
        tid = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                             "big") % _MOD
        if len(_token_ids) < 1_000_000:
            _token_ids[text] = tid
    return tid


def kgram_hashes(texts, k=K):
    """Rolling hashes of every k consecutive tokens (``len(texts) - k + 1`` of them)."""
    if len(texts) < k:
        return []
    ids = [token_id(t) for t in texts]
    pw = pow(_BASE, k - 1, _MOD) if k != K else _POW
    h = 0
    for t in ids[:k]:
        h = (h * _BASE + t) % _MOD
    out = [h]
    for i in range(k, len(ids)):
        h = ((h - ids[i - k] * pw) * _BASE + ids[i]) % _MOD
        out.append(h)
    return out


def winnow(hashes, w=W):
    """Indices of the hashes robust winnowing selects (each once, in order)."""
    n = len(hashes)
    if n == 0:
        return []
    if n <= w:
        return [min(range(n), key=lambda i: (hashes[i], -i))]
    selected, best = [], -1
    for end in range(w - 1, n):
        start = end - w + 1
        if best < start:
            best = min(range(start, end + 1), key=lambda i: (hashes[i], -i))
            selected.append(best)
        elif hashes[end] < hashes[best]:
            best = end
            selected.append(best)
    return selected


class Document:
    """One student's answer to one graded function: its text, and fingerprint -> token starts."""

    __slots__ = ("student", "function", "text", "lines", "fingerprints", "over_budget")

    def __init__(self, student, function, text, boilerplate=frozenset(), cache=None):
        """``cache``: a dict shared by the documents of one analysis (and one boilerplate):
        an answer handed in twice (a copy, an untouched stub) is fingerprinted once."""
        self.student, self.function, self.text = student, function, text
        done = cache.get(text) if cache is not None else None
        if done is None:
            budget = Budget()                 # what normalising this answer may cost (a hostile cell)
            toks = tokens(text, budget=budget)
            lines = [t.line for t in toks]
            hashes = kgram_hashes([t.text for t in toks])
            fps = defaultdict(list)
            for i in winnow(hashes):
                if hashes[i] not in boilerplate:
                    fps[hashes[i]].append(i)
            done = (lines, dict(fps), budget.exceeded)
            if cache is not None:
                cache[text] = done
        self.lines, self.fingerprints, self.over_budget = done

    def line_span(self, start):
        """(first, last) line of the k-gram starting at token ``start``."""
        return self.lines[start], self.lines[min(start + K - 1, len(self.lines) - 1)]

    def matched_lines(self, hashes):
        """The lines that hold a token of the k-grams of these fingerprints (a comment line
        between two matched lines is not one of them)."""
        out = set()
        for h in hashes:
            for start in self.fingerprints.get(h, ()):
                out.update(self.lines[start:start + K])
        return out


# ------------------------------------------------------------------ boilerplate

_INLINE = re.compile(r"`([^`\n]+)`")
_FENCED = re.compile(r"```[a-zA-Z0-9_+-]*\n(.*?)```", re.S)
_SOLUTION_MARKERS = re.compile(r"^[ \t]*#{2,3}\s*(BEGIN|END) SOLUTION\s*$", re.M)


def _cells(path):
    try:
        nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for c in nb.get("cells", []):
        src = c.get("source", "")
        out.append((c.get("cell_type"), "".join(src) if isinstance(src, list) else str(src)))
    return out


def _signature_params(code_cells):
    """name -> ``P<i>`` from the ``def`` lines the stubs hand out (the first position wins)."""
    params = {}
    for code in code_cells:
        for m in re.finditer(r"^\s*def\s+\w+\s*\(([^)]*)\)", code, re.M):
            for i, arg in enumerate(a.split("=")[0].strip(" *") for a in m.group(1).split(",")):
                if arg:
                    params.setdefault(arg, f"P{i}")
    return params


def _all_kgrams(text, free=None):
    return set(kgram_hashes([t.text for t in tokens(text, free)]))


def boilerplate(root, assignment="pooling"):
    """Every k-gram hash of code the students were given (and of the instructor's solutions).

    ``release/<assignment>/*.ipynb``: every code cell, as a cell and as a fragment (its free
    names canonical as in a student's function), and the code in the markdown (hints'
    inline code and fenced blocks); ``course/*.py``; ``source/<assignment>/*.ipynb``'s code cells
    (the solutions), without the solution markers.
    """
    root = pathlib.Path(root)
    out = set()
    release = sorted((root / "release" / assignment).glob("*.ipynb"))
    cells = [c for p in release for c in _cells(p)]
    params = _signature_params([code for kind, code in cells if kind == "code"])
    free = fragment_names(params)
    for kind, text in cells:
        if kind == "code":
            out |= _all_kgrams(text) | _all_kgrams(text, free)
        else:
            for m in list(_FENCED.finditer(text)) + list(_INLINE.finditer(text)):
                out |= _all_kgrams(m.group(1), free)
    for p in sorted((root / "course").glob("*.py")):
        try:
            out |= _all_kgrams(p.read_text(encoding="utf-8"))
        except OSError:
            pass
    for p in sorted((root / "source" / assignment).glob("*.ipynb")):
        for kind, text in _cells(p):
            if kind == "code":
                out |= _all_kgrams(_SOLUTION_MARKERS.sub("", text))
    return frozenset(out)


# ------------------------------------------------------------------ the index

def default_max_df(n):
    """Fingerprints shared by more documents than this are common (an idiom, a shared source):
    never evidence. MOSS's default is 10; a large class gets 1 in 50."""
    return max(10, n // 50)


class CodeIndex:
    """The documents of one graded function and their inverted index."""

    def __init__(self, function, documents, max_df=None):
        self.function = function
        self.docs = {d.student: d for d in documents if d.fingerprints}
        self.postings = defaultdict(list)
        for s, d in self.docs.items():
            for h in d.fingerprints:
                self.postings[h].append(s)
        self.n = len(self.docs)
        self.max_df = default_max_df(self.n) if max_df is None else max_df

    def weight(self, h):
        """Evidence a shared fingerprint carries: ``rarity(n, df)``, 0 for a common one."""
        df = len(self.postings.get(h, ()))
        return rarity(self.n, df) if 2 <= df <= self.max_df else 0.0

    def candidate_pairs(self):
        """{(a, b): rare weight shared} for every pair sharing a rare fingerprint (a < b)."""
        acc = defaultdict(float)
        for h, students in self.postings.items():
            if 2 <= len(students) <= self.max_df:
                w = self.weight(h)
                ss = sorted(students)
                for i, a in enumerate(ss):
                    for b in ss[i + 1:]:
                        acc[(a, b)] += w
        return acc

    def compare(self, a, b):
        """Evidence of the pair on this function: ``similarity`` (share of the smaller answer's
        fingerprints the other has), ``weight`` (the rarity of the rare ones they share, summed),
        ``score`` = similarity squared x weight (a partial likeness, as of two answers
        written on one idiom, counts far less than a copy)."""
        da, db = self.docs.get(a), self.docs.get(b)
        if da is None or db is None:
            return None
        shared = da.fingerprints.keys() & db.fingerprints.keys()
        smaller = min(len(da.fingerprints), len(db.fingerprints))
        similarity = len(shared) / smaller if smaller else 0.0
        weights = [self.weight(h) for h in shared]
        weight = sum(weights)
        return {"function": self.function, "similarity": similarity, "weight": weight,
                "shared": len(shared), "rare": sum(1 for w in weights if w > 0),
                "score": similarity * similarity * weight, "hashes": shared}
