"""The honest corpus: correct answers written the way students write them keep full marks, no flag.

Each file in tests/hostile/honest/ is named ``<function>_<style>.py`` and is the answer cell of
``<function>``; a section ``# ---- answer_<other> ----`` replaces the answer cell of ``<other>``
too (a function that calls another answer cell's function brings that cell along). The styles are
the tools students reach for: PyTorch's helpers (``_pair``, ``_ntuple``, ``_quadruple``), kernels
from ``F.one_hot``, numpy, ``torch.eye``, index assignment or an ``nn.Conv2d`` module,
``@torch.no_grad()`` and ``functools`` decorators (``wraps``, ``lru_cache``, ``partial``), type
hints, docstrings, numpy or math for integer maths, ``F.unfold``, ``Tensor.unfold``,
``as_strided``, loops, ``einsum``, ``torch.stack``/``cat``, calls between answer cells,
``torch.finfo`` and ``X.min()`` padding, masks, classes the answer owns, aliases of
``torch.nn.functional``, printing.

Two checks, both cheap:

* **honest by evidence** (in this process, no grader): every answer is run against torch's own
  operators (``F.max_pool2d``, ``F.avg_pool2d``, autograd through them ...) on random inputs, so
  the corpus really is correct;
* **held to full marks**: the answers are put into the released notebooks (stubs elsewhere, so no
  ``solution_copy``), several per notebook where their cells and top-level names do not clash, and
  the whole class is graded by ONE ``autograder grade`` run in a module fixture. Every function a
  case answers gets its full points, status ``passed``, no flag of any kind, and no "forbidden",
  "tampering" or "review" in its row, its results.json or the report's integrity section.
"""
import ast
import json
import pathlib
import random
import re

import pytest
import torch
import torch.nn.functional as F

import harness  # noqa: E402  (tests/hostile, on sys.path through conftest / pytest's rootdir)
from autograder import exercises as functions
from autograder.exercises import references as R
from autograder.exercises import PREAMBLE
from support.slow import slow_fixture

HONEST = pathlib.Path(__file__).resolve().parent / "hostile" / "honest"
RELEASE = harness.ROOT / "release" / "pooling"
SPLIT = re.compile(r"^# ---- answer_(\w+) ----\n", re.M)
NAMES = sorted(functions.BY_NAME, key=len, reverse=True)
WORDS = ("forbidden", "tampering", "review")


def _function_of(stem):
    for name in NAMES:                                   # longest first: pool2d_padded before pool2d
        if stem.startswith(name + "_"):
            return name
    raise AssertionError(f"{stem}: not <function>_<style>")


def _cells(path):
    """{function: answer cell code} of one case file."""
    text = path.read_text(encoding="utf-8")
    parts = SPLIT.split(text)
    cells = {_function_of(path.stem): parts[0]}
    for name, code in zip(parts[1::2], parts[2::2]):
        assert name in functions.BY_NAME, (path.name, name)
        cells[name] = code
    return cells


CASES = {p.stem: _cells(p) for p in sorted(HONEST.glob("*.py"))}


def _notebook(case):
    nbs = {functions.BY_NAME[f].notebook for f in CASES[case]}
    assert len(nbs) == 1, (case, nbs)
    return nbs.pop()


def test_the_corpus_covers_every_graded_function():
    per = {}
    for case, cells in CASES.items():
        for f in cells:
            per[f] = per.get(f, 0) + 1
    assert set(per) == set(functions.BY_NAME), set(functions.BY_NAME) - set(per)
    assert len(CASES) >= 40 and min(per.values()) >= 4, per


# ------------------------------------------------------------------ honest by evidence

def _namespace(case):
    ns = {}
    exec(PREAMBLE, ns)
    for name, code in CASES[case].items():
        exec(compile(code, f"{case}:{name}", "exec"), ns)
    return ns


def _distinct(g, shape, dtype, sign=0):
    """Values without ties (max pooling's gradient is defined), optionally all of one sign."""
    n = 1
    for s in shape:
        n *= s
    v = (torch.randperm(n, generator=g).to(dtype) + 1.0) * 0.37
    v = v - v.mean() if sign == 0 else sign * v
    return v.reshape(shape)


def _window(rng, max_k=4, pad=True):
    kh, kw = rng.randint(1, max_k), rng.randint(1, max_k)
    r = rng.random()
    stride = None if r < 0.3 else rng.randint(1, 3) if r < 0.6 else (rng.randint(1, 3), rng.randint(1, 3))
    p = (rng.randint(0, kh // 2), rng.randint(0, kw // 2)) if pad else (0, 0)
    k = kh if kh == kw and rng.random() < 0.5 else (kh, kw)
    padding = p[0] if p[0] == p[1] and rng.random() < 0.5 else p
    return k, stride, padding


def _inputs(rng, g, k, padding, n_max=2, c_max=3):
    kh, kw = R.pair(k)
    ph, pw = R.pair(padding)
    h = rng.randint(max(kh - 2 * ph, 1), 8)
    w = rng.randint(max(kw - 2 * pw, 1), 8)
    dtype = torch.float64 if rng.random() < 0.3 else torch.float32
    sign = -1 if rng.random() < 0.3 else 0
    X = _distinct(g, (rng.randint(1, n_max), rng.randint(1, c_max), h, w), dtype, sign)
    if rng.random() < 0.3:
        X = X.transpose(-1, -2).contiguous().transpose(-1, -2)      # a non-contiguous view
    return X


def _close(got, want):
    assert isinstance(got, torch.Tensor), type(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    tol = 1e-5 if want.dtype == torch.float32 else 1e-10
    assert torch.allclose(got, want, rtol=tol, atol=tol * max(1.0, float(want.abs().max()) if want.numel() else 1.0))


def _kw(stride, padding):
    return {"stride": stride, "padding": padding}


def _torch_stride(k, stride):
    return k if stride is None else stride


def _check_window(fn, torch_op, rng, g, modes=(None,), pad=True):
    for _ in range(12):
        k, stride, padding = _window(rng, pad=pad)
        X = _inputs(rng, g, k, padding)
        for mode in modes:
            extra = {} if mode is None else {"mode": mode}
            kw = _kw(stride, padding) if pad else {"stride": stride}
            got = fn(X.clone(), k, **kw, **extra)
            _close(got, torch_op(X, k, _torch_stride(k, stride), padding, mode))


def _pool(X, k, s, p, mode):
    if mode == "avg":
        return F.avg_pool2d(X, k, s, p)
    return F.max_pool2d(X, k, s, p)


def _verify(name, fn, rng, g):
    if name == "pool2d":
        for _ in range(10):
            k, _s, _p = _window(rng, pad=False)
            X = _inputs(rng, g, k, 0)[0, 0]
            for mode in ("max", "avg"):
                want = _pool(X[None, None], k, 1, 0, mode)[0, 0]
                _close(fn(X.clone(), k, mode) if rng.random() < 0.5 else fn(X.clone(), k, mode=mode), want)
        _close(fn(X.clone(), k), F.max_pool2d(X[None, None], k, 1)[0, 0])
        with pytest.raises(ValueError):
            fn(X.clone(), k, "min")
    elif name == "pool2d_padded":
        _check_window(fn, _pool, rng, g, modes=("max", "avg"))
        with pytest.raises(ValueError):
            fn(torch.zeros(1, 1, 4, 4), 2, mode="sum")
    elif name == "avg_pool_as_conv":
        _check_window(fn, lambda X, k, s, p, _m: F.avg_pool2d(X, k, s, p), rng, g)
    elif name in ("max_pool_as_conv",):
        _check_window(fn, lambda X, k, s, p, _m: F.max_pool2d(X, k, s, p), rng, g)
    elif name == "min_pool2d":
        _check_window(fn, lambda X, k, s, p, _m: -F.max_pool2d(-X, k, s, p), rng, g)
    elif name == "softmax_pool2d":
        for _ in range(12):
            k, stride, _p = _window(rng, pad=False)
            X = _inputs(rng, g, k, 0) * rng.choice([1.0, 1.0, 1e3])
            T = rng.choice([1.0, 0.5, 3.0, 1e-3, 1e3])
            cols = X.double().unfold(2, R.pair(k)[0], R.pair(_torch_stride(k, stride))[0]) \
                .unfold(3, R.pair(k)[1], R.pair(_torch_stride(k, stride))[1]).flatten(-2)
            want = (torch.softmax(cols / T, -1) * cols).sum(-1).to(X.dtype)
            got = fn(X.clone(), k, stride=stride, temperature=T)
            assert torch.isfinite(got).all()
            _close(got, want)
    elif name == "max_pool_conv_relu":
        for _ in range(10):
            k = rng.choice([2, 2, 3, (3, 3), 4, 1])
            kk = R.pair(k)[0]
            X = _inputs(rng, g, kk, 0)
            if X.shape[-1] < kk or X.shape[-2] < kk:
                continue
            got = fn(X.clone()) if k == 2 and rng.random() < 0.5 else fn(X.clone(), k)
            _close(got, F.max_pool2d(X, kk, kk))
    elif name in ("max_pool2d_backward", "avg_pool2d_backward"):
        op = F.max_pool2d if name.startswith("max") else F.avg_pool2d
        for _ in range(10):
            k, stride, padding = _window(rng)
            X = _inputs(rng, g, k, padding)
            x = X.detach().clone().requires_grad_(True)
            y = op(x, k, _torch_stride(k, stride), padding)
            grad = torch.randn(y.shape, generator=g, dtype=X.dtype)
            y.backward(grad)
            _close(fn(X.clone(), grad.clone(), k, stride=stride, padding=padding), x.grad)
    elif name in ("pool_output_shape", "pool_cost"):
        for _ in range(40):
            k, stride, padding = _window(rng, max_k=5)
            kh, kw = R.pair(k)
            ph, pw = R.pair(padding)
            h, w = rng.randint(max(kh - 2 * ph, 1), 20), rng.randint(max(kw - 2 * pw, 1), 20)
            shape = tuple(F.max_pool2d(torch.zeros(1, 1, h, w), k, _torch_stride(k, stride), padding).shape[-2:])
            if name == "pool_output_shape":
                got = fn(h, w, k, stride, padding)
                assert tuple(got) == shape and all(type(v) is int for v in got), (got, shape)
            else:
                c = rng.randint(1, 8)
                for mode in ("max", "avg"):
                    per = kh * kw - (1 if mode == "max" else 0)
                    got = fn(c, h, w, k, stride, padding, mode=mode)
                    assert type(got) is int and got == c * shape[0] * shape[1] * per, (got, shape, per)
        if name == "pool_cost":
            with pytest.raises(ValueError):
                fn(1, 4, 4, 2, 2, 0, mode="sum")
    elif name == "conv_relu_counts":
        for k in [1, 2, 3, 4, 5, 6, 8, (1, 1), (2, 3), (1, 4), (3, 5), (1, 2), (7, 6)]:
            kh, kw = R.pair(k)
            n, layers, widest = kh * kw, 1, 1            # the notebook's tournament, counted here
            while n > 1:
                widest = max(widest, 3 * (n // 2) + 2 * (n % 2))
                n, layers = n // 2 + n % 2, layers + 1
            got = fn(k)
            assert tuple(got) == (layers, widest) and all(type(v) is int for v in got), (k, got)
    else:
        raise AssertionError(f"no torch check for {name}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_answer_is_correct_against_torch(case, capsys):
    ns = _namespace(case)
    rng = random.Random(case)
    g = torch.Generator().manual_seed(sum(map(ord, case)))
    for name in CASES[case]:
        _verify(name, ns[name], rng, g)


# ------------------------------------------------------------------ graded to full marks

def _top_names(code):
    """Top-level names a cell binds: {name: what} ('import <module>' for imports, else None)."""
    out = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = f"import {a.name if a.asname else a.name.split('.')[0]}"
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                out[a.asname or a.name] = f"import {node.module}.{a.name}"
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            out[node.name] = None
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    out[sub.id] = None
    return out


def _pack():
    """{student: (notebook, [cases])}: cases share a notebook when their cells and top-level
    names do not clash (an import of the same module under the same name does not)."""
    students = []            # [notebook, cases, cells, names]
    for case in sorted(CASES):
        nb = _notebook(case)
        names = {}
        for code in CASES[case].values():
            names.update(_top_names(code))
        for s in students:
            if s[0] != nb or set(CASES[case]) & s[2]:
                continue
            clash = [n for n in set(names) & set(s[3]) if names[n] is None or names[n] != s[3][n]]
            if not clash:
                s[1].append(case)
                s[2] |= set(CASES[case])
                s[3].update(names)
                break
        else:
            students.append([nb, [case], set(CASES[case]), dict(names)])
    return {f"honest_{i:02d}": (nb, cases) for i, (nb, cases, _c, _n) in enumerate(students)}


STUDENTS = _pack()
STUDENT_OF = {case: student for student, (_nb, cases) in STUDENTS.items() for case in cases}


def _class():
    subs = harness._BASE / "honest_class"
    if subs.exists():
        return subs
    for student, (notebook, cases) in STUDENTS.items():
        nb = json.loads((RELEASE / f"{notebook}.ipynb").read_text(encoding="utf-8"))
        cells = {}
        for case in cases:
            cells.update(CASES[case])
        for c in nb["cells"]:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            if gid.startswith("answer_") and gid[len("answer_"):] in cells:
                c["source"] = cells.pop(gid[len("answer_"):])
        assert not cells, (student, cells)
        d = subs / student / "pooling"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return subs


@slow_fixture(scope="module")
def graded():
    rows, out = harness.graded_once("honest", _class)
    return {"rows": {(r["student_id"], r["grade_id"]): r for r in rows}, "out": out}


def _rows(graded, case):
    student = STUDENT_OF[case]
    return [graded["rows"][(student, f"test_{name}")] for name in CASES[case]]


@pytest.mark.parametrize("case", sorted(CASES))
def test_honest_answer_gets_full_marks(graded, case):
    for row in _rows(graded, case):
        name = row["grade_id"][len("test_"):]
        assert row["status"] == "passed", (case, row["grade_id"], row["message"], row["misconception"])
        assert float(row["points"]) == float(functions.BY_NAME[name].points), (case, row)


@pytest.mark.parametrize("case", sorted(CASES))
def test_honest_answer_has_no_flag_and_no_accusation(graded, case):
    for row in _rows(graded, case):
        assert row["flags"] == "", (case, row["grade_id"], row["flags"])
        text = " ".join(str(row.get(k, "")) for k in ("message", "misconception", "feedback")).lower()
        assert not any(w in text for w in WORDS), (case, row["grade_id"], text[:500])


def test_no_accusation_anywhere_in_the_class(graded):
    """Not in any row (the stubs included), any student's results.json, nor the report's integrity section."""
    for (student, grade_id), row in graded["rows"].items():
        assert not any(f.startswith(("review:", "forbidden_op:", "tampering:")) for f in row["flags"].split(";")), \
            (student, grade_id, row["flags"])
    from autograder.run.write import student_dir
    for student in STUDENTS:
        res = (student_dir(graded["out"], student) / "results.json").read_text(encoding="utf-8").lower()
        assert not any(w in res for w in WORDS), student
    from autograder.report import report
    rep = report.build(graded["out"])
    assert [p for p in rep.problems.integrity if p.student_id in STUDENTS] == []
