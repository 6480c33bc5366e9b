"""Planted copies for the synthetic class (``make_class.py --plant``): known answers for the
integrity report (issue #13) to find, and honest look-alikes it must not rank above them.

Each *author* below writes some functions in a style of their own (correct, except
``C``'s rare bug); the other functions come from the usual pool (solution, mutant, stub).

- ``verbatim``:  ``A2`` hands in ``A1``'s notebooks byte for byte;
- ``disguised``: ``B2`` hands in ``B1``'s notebooks with the locals renamed, independent
  statements swapped, the comments and docstrings changed (:func:`disguise`);
- ``rare_wrong``: ``C1`` has a rare bug in ``pool2d_padded`` (a ``(h, w)`` stride read as
  ``(w, h)``: no mutant has it); ``C2`` hands in a disguised copy of ``C1``'s ``01_basics``;
  ``C3`` rewrote it in a different style with the same bug;
- ``honest``: ``H1`` and ``H2`` wrote ``pool2d_padded`` independently, both following hint 3
  (a loop over output positions, ``amax`` over the window): the same idiom, not a copy.
"""
import ast
import random

# ---------------------------------------------------------------- the authors' own code

A = {
    "pool2d": '''def pool2d(X, pool_size, mode='max'):
    # loop version, like in the book but with both modes
    if mode != 'max' and mode != 'avg':
        raise ValueError('unknown mode: ' + str(mode))
    if isinstance(pool_size, int):
        kh = kw = pool_size
    else:
        kh, kw = pool_size
    rows = X.shape[0] - kh + 1
    cols = X.shape[1] - kw + 1
    result = torch.empty((rows, cols), dtype=X.dtype)
    for r in range(rows):
        for c in range(cols):
            patch = X[r:r + kh, c:c + kw]
            result[r, c] = patch.max() if mode == 'max' else patch.sum() / (kh * kw)
    return result
''',
    "pool_output_shape": '''def pool_output_shape(h, w, pool_size, stride, padding):
    sizes = []
    for axis, length in enumerate((h, w)):
        k = pool_size if isinstance(pool_size, int) else pool_size[axis]
        if stride is None:
            s = k
        else:
            s = stride if isinstance(stride, int) else stride[axis]
        p = padding if isinstance(padding, int) else padding[axis]
        sizes.append(int((length + 2 * p - k) // s + 1))
    return tuple(sizes)
''',
    "pool_cost": '''def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode == 'max':
        extra = -1
    elif mode == 'avg':
        extra = 0
    else:
        raise ValueError('mode must be max or avg, not ' + repr(mode))
    k = [pool_size] * 2 if isinstance(pool_size, int) else list(pool_size)
    s = k if stride is None else ([stride] * 2 if isinstance(stride, int) else list(stride))
    p = [padding] * 2 if isinstance(padding, int) else list(padding)
    out = [(n + 2 * p[i] - k[i]) // s[i] + 1 for i, n in enumerate((h, w))]
    return int(c * out[0] * out[1] * (k[0] * k[1] + extra))
''',
    "min_pool2d": '''def min_pool2d(X, pool_size, stride=None, padding=0):
    k = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    # pad with +inf so that padding never wins the minimum
    padded = F.pad(X, (p[1], p[1], p[0], p[0]), value=float('inf'))
    oh = (padded.shape[-2] - k[0]) // s[0] + 1
    ow = (padded.shape[-1] - k[1]) // s[1] + 1
    out = torch.empty((*X.shape[:-2], oh, ow), dtype=X.dtype)
    for r in range(oh):
        for c in range(ow):
            block = padded[..., r * s[0]:r * s[0] + k[0], c * s[1]:c * s[1] + k[1]]
            out[..., r, c] = block.amin(dim=(-2, -1))
    return out
''',
    "avg_pool2d_backward": '''def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    k = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    height, width = X.shape[-2], X.shape[-1]
    grad = torch.zeros((*X.shape[:-2], height + 2 * p[0], width + 2 * p[1]), dtype=grad_out.dtype)
    for r in range(grad_out.shape[-2]):
        for c in range(grad_out.shape[-1]):
            # every element of the window gets an equal share
            g = grad_out[..., r, c] / (k[0] * k[1])
            grad[..., r * s[0]:r * s[0] + k[0], c * s[1]:c * s[1] + k[1]] += g[..., None, None]
    return grad[..., p[0]:p[0] + height, p[1]:p[1] + width]
''',
}

B = {
    "pool2d": '''def pool2d(X, pool_size, mode='max'):
    """Vectorised: take all windows at once with unfold."""
    ph, pw = (pool_size, pool_size) if type(pool_size) is int else pool_size
    reducers = {'max': lambda t: t.amax(dim=(-1, -2)), 'avg': lambda t: t.mean(dim=(-1, -2))}
    if mode not in reducers:
        raise ValueError("mode must be 'max' or 'avg'")
    tiles = X.unfold(0, ph, 1).unfold(1, pw, 1)
    return reducers[mode](tiles).to(X.dtype)
''',
    "pool2d_padded": '''def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    as_pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if mode not in ('max', 'avg'):
        raise ValueError('mode')
    (kh, kw), (ph, pw) = as_pair(pool_size), as_pair(padding)
    sh, sw = as_pair(stride if stride is not None else pool_size)
    pad_value = -math.inf if mode == 'max' else 0.0
    Z = F.pad(X, [pw, pw, ph, ph], value=pad_value)
    oh = (Z.shape[-2] - kh) // sh + 1
    ow = (Z.shape[-1] - kw) // sw + 1
    # one strided view per offset inside the window, stacked on a new last axis
    parts = []
    for a in range(kh):
        for b in range(kw):
            parts.append(Z[..., a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw])
    stacked = torch.stack(parts, dim=-1)
    return stacked.amax(dim=-1) if mode == 'max' else stacked.sum(dim=-1) / (kh * kw)
''',
    "avg_pool_as_conv": '''def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    size = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    step = size if stride is None else ((stride,) * 2 if isinstance(stride, int) else tuple(stride))
    pad = (padding,) * 2 if isinstance(padding, int) else tuple(padding)
    channels = X.shape[1]
    weight = torch.ones(channels, 1, size[0], size[1], dtype=X.dtype) / (size[0] * size[1])
    return F.conv2d(X, weight, None, step, pad, 1, channels)
''',
    "softmax_pool2d": '''def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    as_pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    kh, kw = as_pair(pool_size)
    sh, sw = as_pair(stride if stride is not None else pool_size)
    oh = (X.shape[-2] - kh) // sh + 1
    ow = (X.shape[-1] - kw) // sw + 1
    parts = [X[..., a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw]
             for a in range(kh) for b in range(kw)]
    vals = torch.stack(parts, dim=-1)
    weights = torch.softmax(vals / temperature, dim=-1)
    return (weights * vals).sum(dim=-1)
''',
    "max_pool2d_backward": '''def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    as_pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    kh, kw = as_pair(pool_size)
    sh, sw = as_pair(stride if stride is not None else pool_size)
    ph, pw = as_pair(padding)
    Z = F.pad(X.detach(), [pw, pw, ph, ph], value=-math.inf)
    hz, wz = Z.shape[-2], Z.shape[-1]
    oh = (hz - kh) // sh + 1
    ow = (wz - kw) // sw + 1
    where = torch.arange(hz * wz).reshape(hz, wz)
    best, best_at = None, None
    for a in range(kh):
        for b in range(kw):
            v = Z[..., a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw]
            at = where[a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw].expand(v.shape)
            if best is None:
                best, best_at = v, at
            else:
                take = v > best
                best = torch.where(take, v, best)
                best_at = torch.where(take, at, best_at)
    g = torch.zeros((*Z.shape[:-2], hz * wz), dtype=grad_out.dtype)
    g.scatter_add_(-1, best_at.reshape(*best_at.shape[:-2], -1), grad_out.reshape(*grad_out.shape[:-2], -1))
    g = g.reshape(Z.shape)
    return g[..., ph:ph + X.shape[-2], pw:pw + X.shape[-1]]
''',
}

# C's rare bug: a (h, w) stride read as (w, h).
C1 = {
    "pool2d_padded": '''def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError('mode must be max or avg')
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        sh, sw = kh, kw
    elif isinstance(stride, int):
        sh, sw = stride, stride
    else:
        sw, sh = stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    value = -math.inf if mode == 'max' else 0.0
    Xp = F.pad(X, (pw, pw, ph, ph), value=value)
    cols = Xp.unfold(2, kh, sh).unfold(3, kw, sw)
    if mode == 'max':
        return cols.amax(dim=(-1, -2))
    return cols.mean(dim=(-1, -2))
''',
}

C3 = {
    "pool2d_padded": '''def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    def both(v):
        return (v, v) if isinstance(v, int) else (v[0], v[1])

    if mode == 'max':
        fill = float('-inf')
    elif mode == 'avg':
        fill = 0.0
    else:
        raise ValueError(mode)
    k0, k1 = both(pool_size)
    st = (k0, k1) if stride is None else both(stride)[::-1]
    p0, p1 = both(padding)
    n, c, h, w = X.shape
    Y = torch.full((n, c, h + 2 * p0, w + 2 * p1), fill, dtype=X.dtype)
    Y[:, :, p0:p0 + h, p1:p1 + w] = X
    H_out = (h + 2 * p0 - k0) // st[0] + 1
    W_out = (w + 2 * p1 - k1) // st[1] + 1
    out = torch.zeros((n, c, H_out, W_out), dtype=X.dtype)
    for i in range(H_out):
        for j in range(W_out):
            win = Y[:, :, i * st[0]:i * st[0] + k0, j * st[1]:j * st[1] + k1]
            out[:, :, i, j] = win.amax(dim=(2, 3)) if mode == 'max' else win.mean(dim=(2, 3))
    return out
''',
}

H1 = {
    "pool2d_padded": '''def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError('mode should be max or avg')
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        stride = (p_h, p_w)
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding
    X_pad = F.pad(X, (pad_w, pad_w, pad_h, pad_h), value=-math.inf if mode == 'max' else 0.0)
    out_h = (X_pad.shape[2] - p_h) // s_h + 1
    out_w = (X_pad.shape[3] - p_w) // s_w + 1
    Y = torch.zeros((X.shape[0], X.shape[1], out_h, out_w), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * s_h, j * s_w
            window = X_pad[:, :, r: r + p_h, c: c + p_w]
            Y[:, :, i, j] = window.amax(dim=(2, 3)) if mode == 'max' else window.mean(dim=(2, 3))
    return Y
''',
}

H2 = {
    "pool2d_padded": '''def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    def to_pair(x):
        if isinstance(x, int):
            return x, x
        return x[0], x[1]

    kh, kw = to_pair(pool_size)
    sh, sw = to_pair(pool_size if stride is None else stride)
    ph, pw = to_pair(padding)
    if mode == 'max':
        pad_value = -math.inf
    elif mode == 'avg':
        pad_value = 0.0
    else:
        raise ValueError(f"unsupported mode {mode!r}")
    N, C, H, W = X.shape
    padded = torch.full((N, C, H + 2 * ph, W + 2 * pw), pad_value, dtype=X.dtype)
    padded[:, :, ph:ph + H, pw:pw + W] = X
    Ho = (H + 2 * ph - kh) // sh + 1
    Wo = (W + 2 * pw - kw) // sw + 1
    out = torch.empty((N, C, Ho, Wo), dtype=X.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = padded[:, :, i * sh: i * sh + kh, j * sw: j * sw + kw]
            if mode == 'max':
                out[:, :, i, j] = window.amax(dim=(2, 3))
            else:
                out[:, :, i, j] = window.mean(dim=(2, 3))
    return out
''',
}

# role -> (own code, what it copies: (role, notebooks or None for all, disguised?), the kind of
# answer for the other functions: None draws from the pool as for everyone else; the honest two
# take the instructor's solution (never evidence), so the idiom is all they have in common)
ROLES = {
    "A1": (A, None, None), "A2": ({}, ("A1", None, False), None),
    "B1": (B, None, None), "B2": ({}, ("B1", None, True), None),
    "C1": (C1, None, None), "C2": ({}, ("C1", ["01_basics"], True), None), "C3": (C3, None, None),
    "H1": (H1, None, "solution"), "H2": (H2, None, "solution"),
}
# What the report must find (kind, roles, functions where the evidence is) and what it must not rank above them.
PLANTED = [
    {"kind": "verbatim", "roles": ["A1", "A2"], "functions": sorted(A)},
    {"kind": "disguised", "roles": ["B1", "B2"], "functions": sorted(B)},
    {"kind": "rare_wrong", "roles": ["C1", "C2", "C3"], "functions": ["pool2d_padded"]},
]
HONEST = [{"kind": "same_idiom", "roles": ["H1", "H2"], "functions": ["pool2d_padded"]}]


# ---------------------------------------------------------------- disguise

NEW_NAMES = ["tmp", "res", "acc", "buf", "vals", "win", "aa", "bb", "cc", "dd", "ee", "q1", "q2",
             "u", "z", "idx", "it", "jt", "hh", "ww", "m1", "m2", "t0", "t1", "grid", "blk", "cur"]
COMMENTS = ["# 先处理参数 / arguments first", "# 计算输出大小 / output size", "# 主循环 / main loop",
            "# 这里要小心 / careful here", "# TODO 检查一下 / check this", "# 结果 / result"]


def _bound_locals(fn):
    """Names a function binds that are not its parameters (its helpers' parameters included)."""
    own = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg) and node.arg not in own:
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fn:
            names.add(node.name)
    return names - own


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.mapping.get(node.arg, node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _swap_independent(body, rng):
    """Swap one pair of adjacent assignments that neither reads nor writes what the other writes."""
    spots = []
    for i in range(len(body) - 1):
        a, b = body[i], body[i + 1]
        if isinstance(a, ast.Assign) and isinstance(b, ast.Assign):
            wa = {n.id for t in a.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            wb = {n.id for t in b.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if not (wa & _names(b)) and not (wb & _names(a)):
                spots.append(i)
    for i in rng.sample(spots, min(2, len(spots))):
        body[i], body[i + 1] = body[i + 1], body[i]


def disguise(code, rng):
    """The same function as a copier hands it in: locals renamed, independent statements
    swapped, docstrings and comments changed. Parameters keep their names (the tests call
    them by keyword), so the copy behaves exactly as the original."""
    tree = ast.parse(code)
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
        names = sorted(_bound_locals(fn))
        fresh = rng.sample(NEW_NAMES, len(names)) if len(names) <= len(NEW_NAMES) else names
        _Rename(dict(zip(names, fresh))).visit(fn)
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
            body.pop(0)
        body.insert(0, ast.Expr(ast.Constant("我自己写的版本 / my own version")))
        _swap_independent(body, rng)
    lines = ast.unparse(tree).splitlines()
    out = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith(("def ", '"', "'")) and rng.random() < 0.2:
            out.append(line[: len(line) - len(line.lstrip())] + rng.choice(COMMENTS))
        out.append(line)
    return "\n".join(out) + "\n"


def roles_for(rng_seed):
    """A fresh RNG for planting (the background class keeps its own draws)."""
    return random.Random(f"plant-{rng_seed}")


# ---------------------------------------------------------------- the truth, for tests and benchmarks

def source_keys(comp):
    """{student: {function: what the answer was made from}}: a mutant's path, ``solution``,
    ``stub``, a planted author's own code (``planted:<role>:<function>``); a copy has its
    source's key (C3's rewrite is its own code: the same bug, not the same text)."""
    keys = {}
    for s, e in comp["students"].items():
        k = {}
        for fn, used in e["functions"].items():
            if used.get("invalid"):
                continue
            if used["kind"] == "planted":
                k[fn] = f"planted:{used['source']}:{fn}"
            elif used["kind"] == "mutant":
                k[fn] = used["source"]
            else:
                k[fn] = used["kind"]
        keys[s] = k
    for s, e in comp["students"].items():
        for fn, used in e["functions"].items():
            if used.get("copied_from") and fn in keys[s]:
                keys[s][fn] = keys[used["copied_from"]].get(fn)
    return keys


DERIVED = 0.8     # difflib ratio from which two generator texts count as one derived from the other


def _plain(code):
    """Code without comments and docstrings, one layout (``ast.unparse``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body.pop(0)
    return ast.unparse(tree)


def _text_of(key, root):
    """The code behind a source key (a mutant's file, a planted author's function), or None."""
    if key.startswith("planted:"):
        _, role, fn = key.split(":")
        return ROLES[role][0].get(fn)
    path = root / key
    return path.read_text(encoding="utf-8") if key.endswith(".py") and path.is_file() else None


def truth(comp, root=None):
    """(planted pairs, a test ``honest(a, b)``): the pairs of every planted group, and whether two
    students share no answer text but the released stub or the instructor's solution (never
    evidence). Two texts count as shared when equal or derived from one another: the kit's
    mutants of a function are mostly one-line edits of one skeleton, so a difflib ratio of
    ``DERIVED`` or more between them (comments and docstrings removed) is shared text, by
    construction, not an honest coincidence."""
    import difflib
    import pathlib
    root = pathlib.Path(root) if root else pathlib.Path(__file__).resolve().parent.parent
    pairs = set()
    for g in comp.get("planted", {}).get("groups", []):
        ss = sorted(g["students"])
        pairs.update((a, b) for i, a in enumerate(ss) for b in ss[i + 1:])
    keys = source_keys(comp)
    ratios = {}

    def shared(ka, kb):
        if ka is None or kb is None or "stub" in (ka, kb) or "solution" in (ka, kb):
            return False
        if ka == kb:
            return True
        k = tuple(sorted((ka, kb)))
        if k not in ratios:
            ta, tb = _text_of(ka, root), _text_of(kb, root)
            ratios[k] = ta is not None and tb is not None and difflib.SequenceMatcher(
                None, _plain(ta), _plain(tb), autojunk=False).ratio() >= DERIVED
        return ratios[k]

    def honest(a, b):
        if tuple(sorted((a, b))) in pairs:
            return False
        ka, kb = keys.get(a, {}), keys.get(b, {})
        return not any(shared(k, kb.get(fn)) for fn, k in ka.items())
    return pairs, honest
