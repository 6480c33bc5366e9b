"""The shown failing case as a picture: small plain grids (JSON-able), drawn by
``course.plots`` in ``check()`` and on the feedback pages."""
import math

import torch

from course.compare import TOLERANCES
from course.language import say
from course.public_cases import param_names
from course.safe_text import dtype_name

PICTURE_SIZE = 6        # at most this many rows and columns of each grid


def _cell(v):
    v = float(v)
    if math.isfinite(v):
        return float(f"{v:.4g}")
    return "nan" if v != v else ("inf" if v > 0 else "-inf")


def _grid(t):
    return [[_cell(x) for x in row] for row in t.tolist()]


def _window_params(name, args, kwargs):
    """(k, s, p) pairs of a windowed call, or None."""
    a = dict(zip(param_names(name), args))
    a.update(kwargs)
    size = a.get("pool_size", 2 if name == "max_pool_conv_relu" else None)
    if size is None:
        return None
    try:
        k = (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))
        st = a.get("stride")
        if name in ("pool2d",):
            st = 1
        s = k if st is None else ((int(st), int(st)) if isinstance(st, int) else (int(st[0]), int(st[1])))
        pd = a.get("padding", 0)
        p = (int(pd), int(pd)) if isinstance(pd, int) else (int(pd[0]), int(pd[1]))
    except (TypeError, ValueError, IndexError):
        return None
    return k, s, p


def case_picture(name, args, kwargs, expected, got, diff, error=None, size=PICTURE_SIZE):
    """The shown failing case as small grids for a picture, or None when there is nothing to draw.

    ``{"title", "input", "window": [r, c, h, w] or None, "expected", "got" or None, "bad" or None,
    "note"}``: the input plane (cropped around the window of the first difference, padding
    outside it), the expected output and the student's, cropped alike, ``bad`` marking the
    cells that differ. Only plain lists, numbers and short strings (never the student's own
    text beyond its numbers), so it can travel in results.json."""
    X = args[0] if args else None
    if not isinstance(X, torch.Tensor) or X.dim() < 2 or not isinstance(expected, torch.Tensor) or expected.dim() < 2:
        return None
    if X.numel() > 4096 or expected.numel() > 4096:
        return None
    where = diff.where if diff is not None and diff.where is not None else None
    same_shape = isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(expected.shape) and error is None
    if where is None:
        where = (0,) * expected.dim()
    lead = tuple(where[:-2]) if expected.dim() > 2 else ()
    lead_x = lead[:X.dim() - 2] if X.dim() > 2 else ()
    plane_x = X.detach()[lead_x] if lead_x else X.detach()
    while plane_x.dim() > 2:
        plane_x = plane_x[0]
    i, j = where[-2], where[-1]
    out = {"title": "", "input": None, "window": None, "expected": None, "got": None, "bad": None, "note": ""}
    params = _window_params(name, args, kwargs)
    backward = name.endswith("_backward")
    if params is not None and not backward:
        (kh, kw), (sh, sw), (ph, pw) = params
        r, c = i * sh - ph, j * sw - pw                     # the window of output (i, j), input coordinates
        r0 = max(0, min(r - (size - kh) // 2, plane_x.shape[0] - size))
        c0 = max(0, min(c - (size - kw) // 2, plane_x.shape[1] - size))
        out["window"] = [r - r0, c - c0, kh, kw]
    else:
        r0 = max(0, min(i - size // 2, plane_x.shape[0] - size))
        c0 = max(0, min(j - size // 2, plane_x.shape[1] - size))
    out["input"] = _grid(plane_x[r0:r0 + size, c0:c0 + size].double())
    out["input_origin"] = [r0, c0]
    out["input_shape"] = [int(plane_x.shape[0]), int(plane_x.shape[1])]      # for the text alternative
    e = expected.detach()[lead] if lead else expected.detach()
    o0 = max(0, min(i - size // 2, e.shape[0] - size))
    o1 = max(0, min(j - size // 2, e.shape[1] - size))
    out["expected"] = _grid(e[o0:o0 + size, o1:o1 + size].double())
    out["output_origin"] = [o0, o1]
    out["mark"] = [i - o0, j - o1]
    lead_txt = f"[{', '.join(map(str, lead))}] " if lead else ""
    out["title"] = f"{name}: {lead_txt}" + ("X" if not backward else "X, dL/dX")
    if same_shape and got.dtype != expected.dtype:
        out["note"] = f"dtype {dtype_name(got.dtype)} ≠ {dtype_name(expected.dtype)}"
    if same_shape:
        g = got.detach()[lead] if lead else got.detach()
        g = g[o0:o0 + size, o1:o1 + size].double()
        out["got"] = _grid(g)
        ed = e[o0:o0 + size, o1:o1 + size].double()
        rtol, atol = TOLERANCES.get(expected.dtype, (1e-4, 1e-5))
        ok = ((g - ed).abs() <= atol + rtol * ed.abs()) | ((g == ed) | (g.isnan() & ed.isnan()))
        out["bad"] = [[not bool(x) for x in row] for row in ok.tolist()]
    elif error is not None:
        out["note"] = say("抛出异常", "raised")
    elif isinstance(got, torch.Tensor):
        out["note"] = say(f"形状 {tuple(got.shape)}", f"shape {tuple(got.shape)}", both=f"形状 / shape {tuple(got.shape)}")
    else:
        out["note"] = say("不是张量", "not a tensor")
    return out
