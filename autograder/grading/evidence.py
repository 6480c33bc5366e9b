"""Evidence hashing: what a function returned on each hidden case, as short hashes.

Recorded by ``autograder.grading.suites`` in the trusted parent, on the values the parent decoded
(the student's code never sees this module): per case a short hash of the rounded output, and
which cases were wrong (``record``). The integrity analysis (``autograder.report.integrity.behaviour``)
compares these across the class; it lives above the grading, this module below it.

An error is hashed by its exception type only (messages carry addresses and student text), a
timeout as such; those hashes start with ``!`` (``ERROR``) and are never evidence on their own.
"""
import hashlib
import math
import sys

import numpy as np

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


def _is_tensor(value) -> bool:
    """A torch tensor? Without importing torch: the report reads this module's constants and hashes,
    and a value can only be a tensor where torch is loaded already (the grader, the suites)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _rounded(t):
    """A tensor's values as bytes, rounded relative to its largest finite magnitude."""
    import torch                                        # loaded already: `t` is a tensor
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
    if _is_tensor(value):
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
