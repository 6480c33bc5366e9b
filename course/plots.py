"""Figures for the pooling notebooks (student side; contains no solutions).

Every function draws with matplotlib and returns the figure. Chinese labels use
a CJK font from fonts-noto-cjk when one is installed; without one, matplotlib's
default font is used silently. The fonts are set per figure (``style()`` in an
``rc_context``): importing this module changes none of matplotlib's settings.

    from course import plots
    plots.pooling_figure()
"""
import functools
import math

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.patches import Rectangle

from course.language import say

CJK_FONTS = [
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei",
]

SHADE = "#7fb3d5"      # the window being looked at
PAD = "#eeeeee"        # padded positions
EDGE = "#333333"


@functools.cache
def cjk_font():
    """The first installed CJK font of ``CJK_FONTS``, or None."""
    try:
        installed = {f.name for f in font_manager.fontManager.ttflist}
    except Exception:  # pragma: no cover - a broken font cache must not stop a notebook
        installed = set()
    return next((name for name in CJK_FONTS if name in installed), None)


def style():
    """The rc settings every figure here is drawn with: the CJK font first, ASCII minus signs.

    The font goes into ``font.family`` as a list (not through ``font.sans-serif``), so
    the text made inside the context keeps it wherever the figure is drawn later.
    """
    rc = {"axes.unicode_minus": False}
    if cjk_font():
        rc["font.family"] = [cjk_font(), "sans-serif"]
    return rc


def styled(draw):
    """Run a drawing function inside ``matplotlib.rc_context(style())``: importing this module
    changes no global setting, and each figure still gets the fonts."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        # The first figure of a kernel loads the notebook's backend, which turns interactive mode
        # on; rc_context would turn it off again on the way out, and no later figure would show.
        interactive = []
        try:
            with matplotlib.rc_context(style()):
                try:
                    return draw(*args, **kwargs)
                finally:
                    interactive.append(matplotlib.is_interactive())
        finally:
            if interactive:
                matplotlib.interactive(interactive[0])
    return wrapper


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _as_grid(X):
    """A tensor / array / nested list with at least two dims -> list of lists of floats (last two dims, first slice)."""
    if hasattr(X, "detach"):
        X = X.detach().cpu()
        while X.dim() > 2:
            X = X[0]
        return X.tolist()
    try:
        import numpy as np
        X = np.asarray(X, dtype=float)
        while X.ndim > 2:
            X = X[0]
        return X.tolist()
    except Exception:
        return [list(map(float, row)) for row in X]


def _fmt(v):
    if v == -math.inf:
        return "-∞"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.2g}" if abs(v) < 0.01 else f"{v:.2f}"


def draw_grid(ax, grid, x0=0.0, y0=0.0, shade=(), pad=(), title=None, fontsize=12, values=True):
    """Draw a grid of numbers with its top-left corner at (x0, y0) (y grows downwards).

    shade: (i, j) cells to colour as the current window; pad: cells drawn as padding.
    """
    shade, pad = set(map(tuple, shade)), set(map(tuple, pad))
    rows, cols = len(grid), len(grid[0]) if grid else 0
    for i in range(rows):
        for j in range(cols):
            colour = SHADE if (i, j) in shade else PAD if (i, j) in pad else "white"
            ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor=colour, edgecolor=EDGE, lw=1))
            if values:
                ax.text(x0 + j + 0.5, y0 + i + 0.5, _fmt(grid[i][j]), ha="center", va="center", fontsize=fontsize,
                        color="#888888" if (i, j) in pad else "black")
    if title:
        ax.text(x0 + cols / 2, y0 - 0.35, title, ha="center", va="bottom", fontsize=fontsize)
    return rows, cols


def _finish(ax, width, height):
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(height + 0.2, -1.2)
    ax.set_aspect("equal")
    ax.axis("off")


def _pool_reference(grid, pool_size, stride, padding, mode):
    """Pooled values for the figures, from torch's own pooling (illustration only)."""
    import torch
    import torch.nn.functional as F
    X = torch.tensor(grid, dtype=torch.float64)[None, None]
    if mode == "max":
        Y = F.max_pool2d(X, pool_size, stride, padding)
    else:
        Y = F.avg_pool2d(X, pool_size, stride, padding)
    return Y[0, 0].tolist()


@styled
def pooling_figure(X=None, pool_size=(2, 2), mode="max"):
    """The section's figure: a 3x3 input, a 2x2 window, the first window shaded, max(0, 1, 3, 4) = 4."""
    grid = _as_grid(X) if X is not None else [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]
    p_h, p_w = _pair(pool_size)
    out = _pool_reference(grid, (p_h, p_w), 1, 0, mode)
    rows, cols = len(grid), len(grid[0])
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * (cols + len(out[0]) + 4), 0.6 * (rows + 3)))
    window = [(i, j) for i in range(p_h) for j in range(p_w)]
    draw_grid(ax, grid, 0, 0, shade=window, title="输入 / input")
    x_out = cols + 2
    name_zh, name_en = ("最大", "max") if mode == "max" else ("平均", "average")
    draw_grid(ax, out, x_out, (rows - len(out)) / 2, shade=[(0, 0)],
              title=f"输出：{p_h}×{p_w} {name_zh}汇聚\noutput: {p_h}×{p_w} {name_en} pooling")
    ax.annotate("", xy=(x_out - 0.2, rows / 2), xytext=(cols + 0.2, rows / 2),
                arrowprops=dict(arrowstyle="->", lw=1.5))
    first = [grid[i][j] for i, j in window]
    name = "max" if mode == "max" else "mean"
    caption = f"{name}({', '.join(_fmt(v) for v in first)}) = {_fmt(out[0][0])}"
    ax.text((x_out + len(out[0])) / 2, rows + 0.6, caption, ha="center", va="center", fontsize=12)
    _finish(ax, x_out + len(out[0]) + 1, rows + 1)     # one more column: room for the two-line title
    return fig


def _padded(grid, padding, fill):
    pad_h, pad_w = _pair(padding)
    cols = len(grid[0])
    rows_out = [[fill] * (cols + 2 * pad_w) for _ in range(pad_h)]
    body = [[fill] * pad_w + list(r) + [fill] * pad_w for r in grid]
    pad_cells = {(i, j) for i in range(len(grid) + 2 * pad_h) for j in range(cols + 2 * pad_w)
                 if not (pad_h <= i < pad_h + len(grid) and pad_w <= j < pad_w + cols)}
    return rows_out + body + [r[:] for r in rows_out], pad_cells


def window_positions(h, w, pool_size, stride=None, padding=0):
    """Top-left corners (in padded coordinates) of every window, row by row."""
    p_h, p_w = _pair(pool_size)
    s_h, s_w = _pair(stride) if stride is not None else (p_h, p_w)
    pad_h, pad_w = _pair(padding)
    out_h = (h + 2 * pad_h - p_h) // s_h + 1
    out_w = (w + 2 * pad_w - p_w) // s_w + 1
    return [(i * s_h, j * s_w, i, j) for i in range(out_h) for j in range(out_w)], (out_h, out_w)


def _frame(ax, grid, pool_size, stride, padding, mode, k):
    p_h, p_w = _pair(pool_size)
    fill = -math.inf if mode == "max" else 0.0
    padded, pad_cells = _padded(grid, padding, fill)
    positions, (out_h, out_w) = window_positions(len(grid), len(grid[0]), pool_size, stride, padding)
    out = _pool_reference(grid, pool_size, stride, padding, mode)
    r, c, oi, oj = positions[k]
    # The window is outlined, not filled: a fill would hide the grey of the padding cells it covers.
    draw_grid(ax, padded, 0, 0, pad=pad_cells, fontsize=9)
    ax.add_patch(Rectangle((c, r), p_w, p_h, facecolor="none", edgecolor=WINDOW, lw=2.5, zorder=3))
    x_out = len(padded[0]) + 1
    shown = [[out[i][j] if (i, j) <= (oi, oj) else float("nan") for j in range(out_w)] for i in range(out_h)]
    for i in range(out_h):
        for j in range(out_w):
            ax.add_patch(Rectangle((x_out + j, i), 1, 1, facecolor="white", edgecolor=EDGE, lw=1))
            if not math.isnan(shown[i][j]):
                ax.text(x_out + j + 0.5, i + 0.5, _fmt(shown[i][j]), ha="center", va="center", fontsize=9)
    ax.add_patch(Rectangle((x_out + oj, oi), 1, 1, facecolor="none", edgecolor=WINDOW, lw=2.5, zorder=3))
    ax.set_title(f"窗口 / window {k + 1}/{len(positions)}", fontsize=10)
    _finish(ax, x_out + out_w, max(len(padded), out_h))


@styled
def sliding_window_frames(X, pool_size, stride=None, padding=0, mode="max", max_frames=6):
    """Still frames of the window sliding over a (padded) input; the grey cells are padding."""
    grid = _as_grid(X)
    positions, _ = window_positions(len(grid), len(grid[0]), pool_size, stride, padding)
    n = min(len(positions), max_frames)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    for k in range(nrows * ncols):
        ax = axes[k // ncols][k % ncols]
        if k < n:
            _frame(ax, grid, pool_size, stride, padding, mode, k)
        else:
            ax.axis("off")
    p_h, p_w = _pair(pool_size)
    shown_stride = stride if stride is not None else (p_h, p_w)
    fig.suptitle(f"汇聚窗口 {p_h}×{p_w}，步幅 {shown_stride}，填充 {padding}（方框：窗口；灰色：填充）\n"
                 f"pooling window {p_h}×{p_w}, stride {shown_stride}, padding {padding} "
                 f"(framed: the window; grey: padding)", fontsize=10)
    fig.tight_layout()
    return fig


def interactive_window(X, pool_size, stride=None, padding=0, mode="max"):
    """A slider over the window positions (needs a live kernel and ipywidgets); falls back to still frames."""
    grid = _as_grid(X)
    positions, _ = window_positions(len(grid), len(grid[0]), pool_size, stride, padding)
    try:
        import ipywidgets as widgets
    except ImportError:
        return sliding_window_frames(X, pool_size, stride, padding, mode)

    @styled
    def show(k):                        # k counts from 1, as the frame's title does (窗口 k/n)
        fig, ax = plt.subplots(figsize=(5, 3))
        _frame(ax, grid, pool_size, stride, padding, mode, k - 1)
        plt.show()

    slider = widgets.IntSlider(value=1, min=1, max=len(positions), description="窗口 / window",
                               style={"description_width": "initial"})
    return widgets.interact(show, k=slider)


def _text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


@styled
def show_grids(panels, title=None, fontsize=10, cmap="Blues"):
    """Small heat maps with their numbers.

    panels: a list of ``(title, 2-D tensor)`` or ``(title, 2-D tensor, options)`` where
    options may set ``cmap``, ``vmin`` and ``vmax`` for that panel (e.g. an image drawn in
    grey levels, 0 black and 1 white: ``{"cmap": "gray", "vmin": 0, "vmax": 1}``).
    """
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(2.8 * n, 2.9), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        name, X = panel[0], panel[1]
        opts = panel[2] if len(panel) > 2 else {}
        grid = _as_grid(X)
        lo = opts.get("vmin", min(min(r) for r in grid) - 1e-9)
        hi = opts.get("vmax", max(max(r) for r in grid) + 1e-9)
        cm = matplotlib.colormaps[opts.get("cmap", cmap)]
        ax.imshow(grid, cmap=cm, vmin=lo, vmax=hi)
        if len(grid) * len(grid[0]) <= 100:
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    level = (v - lo) / (hi - lo) if hi > lo else 0.0
                    ax.text(j, i, _fmt(v), ha="center", va="center", fontsize=fontsize,
                            color=_text_colour(cm(min(max(level, 0.0), 1.0))))
        ax.set_title(name, fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


# The edge example: images in grey levels (0 black, 1 white, as the text says), edge maps
# red for +1 (white to black), blue for -1 (black to white), white for 0.
IMAGE = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0}
EDGES = {"cmap": "bwr", "vmin": -1.0, "vmax": 1.0}


def translation_figure(X, Z, edges_X, edges_Z, pooled_X, pooled_Z):
    """The edge example: image X, its one-pixel shift Z, their edge maps, and the 2x2 max-pooled edge maps.

    Images are drawn as the text describes them: 0 black, 1 white."""
    top = show_grids([("X（0 黑，1 白）\nX (0 black, 1 white)", X, IMAGE),
                      ("Z：平移一个像素\nZ: shifted by one pixel", Z, IMAGE),
                      ("边缘(X) / edges(X)", edges_X, EDGES), ("边缘(Z) / edges(Z)", edges_Z, EDGES)],
                     title="卷积层的输出随输入一起移动 / the conv output moves with the input")
    bottom = show_grids([("汇聚(边缘(X))\npool(edges(X))", pooled_X, EDGES),
                         ("汇聚(边缘(Z))\npool(edges(Z))", pooled_Z, EDGES)],
                        title="2×2 最大汇聚之后 / after 2×2 max pooling")
    return top, bottom


@styled
def cost_vs_time(predicted, seconds, labels=None, title="预测的运算次数与实测时间 / predicted operations and measured time"):
    """Measured time against the predicted operation count, both on log axes.

    A dashed line through the median ratio shows what strict proportionality would
    look like. Labels alternate below-right and above-left of their points (in order of
    the predicted count), so neighbouring points' labels do not overlap.
    """
    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    ms = [s * 1e3 for s in seconds]
    ax.loglog(predicted, ms, "o-", label="实测（中位数）/ measured (median)")
    ratios = sorted(m / x for x, m in zip(predicted, ms) if x > 0 and m > 0)
    if ratios:
        k = ratios[len(ratios) // 2]
        xs = [min(predicted), max(predicted)]
        ax.loglog(xs, [k * x for x in xs], "--", color="gray", lw=1,
                  label="与运算次数成正比 / proportional")
    if labels:
        order = sorted(range(len(predicted)), key=lambda i: predicted[i])
        for rank, i in enumerate(order):
            below = rank % 2 == 0
            offset = (6, -14) if below else (-6, 8)
            ax.annotate(labels[i], (predicted[i], ms[i]), textcoords="offset points", xytext=offset,
                        ha="left" if below else "right", fontsize=8,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax.set_xlabel("预测的运算次数 / predicted operations")
    ax.set_ylabel("实测时间 / measured time (ms)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    ax.margins(x=0.15, y=0.2)
    fig.tight_layout()
    return fig


@styled
def temperature_sweep(temperatures, outputs, average, maximum, title="softmax 汇聚：温度从小到大\nsoftmax pooling: from low to high temperature"):
    """One window's softmax-pooling output against the temperature (log axis), with max and mean as limits."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.semilogx(temperatures, outputs, "-", lw=2, label="softmax 汇聚 / softmax pooling")
    ax.axhline(maximum, color="tab:red", ls="--", label=f"最大值 max = {maximum:.3g}（T → 0）")
    ax.axhline(average, color="tab:green", ls=":", label=f"平均值 mean = {average:.3g}（T → ∞）")
    ax.set_xlabel("温度 / temperature T")
    ax.set_ylabel("窗口输出 / output")
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# The smallest failing case as a picture (check() and the feedback pages)
# ---------------------------------------------------------------------------

BAD = "#f4a3a3"        # a cell of the student's output that differs
MARK = "#cfe3f3"       # the output cell of the marked window
WINDOW = "#1f5fa8"


def _value(v):
    return v if isinstance(v, (int, float)) else float(v)


class _Cells:
    """Cells and numbers of the case picture, drawn in one collection (fast: a feedback page
    may carry many pictures, and one artist per cell costs a millisecond each)."""

    def __init__(self):
        self.boxes, self.faces, self.edges, self.widths = [], [], [], []
        self.texts = []

    def cell(self, x, y, face="white", edge=EDGE, lw=0.6, w=1, h=1):
        self.boxes.append([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
        self.faces.append(face)
        self.edges.append(edge)
        self.widths.append(lw)

    def text(self, x, y, s, **kw):
        self.texts.append((x, y, s, kw))

    def draw(self, ax):
        from matplotlib.collections import PolyCollection
        ax.add_collection(PolyCollection(self.boxes, facecolors=self.faces, edgecolors=self.edges,
                                         linewidths=self.widths))
        for x, y, s, kw in self.texts:
            ax.text(x, y, s, **kw)


def _case_grid(cells, grid, x0, y0, title, shade=None, bad=None, fontsize=8, title_y=None):
    rows, cols = len(grid), len(grid[0]) if grid else 0
    for i in range(rows):
        for j in range(cols):
            colour = "white"
            if bad is not None and bad[i][j]:
                colour = BAD
            elif shade is not None and (i, j) == tuple(shade):
                colour = MARK
            cells.cell(x0 + j, y0 + i, colour)
            cells.text(x0 + j + 0.5, y0 + i + 0.5, _fmt(_value(grid[i][j])), ha="center", va="center",
                       fontsize=fontsize)
    cells.text(x0 + cols / 2, (y0 if title_y is None else title_y) - 0.3, title, ha="center", va="bottom",
               fontsize=9)


@styled
def case_figure(picture):
    """Three small grids side by side: the input with the window of the first difference
    marked (grey cells: padding), the expected output and the student's output with the
    differing cells in red. ``picture`` is ``course.picture.case_picture(...)``. Drawn on a
    bare ``Figure`` (no pyplot), so nothing pops up in a notebook by itself."""
    from matplotlib.figure import Figure
    inp, exp, got = picture["input"], picture["expected"], picture.get("got")
    win = picture.get("window")
    top = left = 0
    if win:
        top, left = min(0, win[0]), min(0, win[1])
    in_rows = max(len(inp), (win[0] + win[2]) if win else 0) - top
    in_cols = max(len(inp[0]), (win[1] + win[3]) if win else 0) - left
    x_exp = in_cols + 1.5
    x_got = x_exp + max(len(exp[0]), 3) + 1.5
    width = x_got + max(len(got[0]) if got else 4, 3) + 0.5
    height = max(in_rows, len(exp)) + 1.2
    fig = Figure(figsize=(min(9.5, 0.42 * width + 0.3), min(4.5, 0.42 * height + 0.3)), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    cells = _Cells()
    ox, oy = -left, -top                         # the input, shifted so that padding above/left fits
    if win:
        for a in range(win[2]):
            for b in range(win[3]):
                r, c = win[0] + a, win[1] + b
                if not (0 <= r < len(inp) and 0 <= c < len(inp[0])):
                    cells.cell(ox + c, oy + r, PAD, "#bbbbbb")
    _case_grid(cells, inp, ox, oy, say("输入", "input"), title_y=0)      # the title above any padding
    if win:
        cells.cell(ox + win[1], oy + win[0], "none", WINDOW, 2.2, w=win[3], h=win[2])
    _case_grid(cells, exp, x_exp, 0, say("期望", "expected"), shade=picture.get("mark"))
    if got:
        _case_grid(cells, got, x_got, 0, say("你的输出", "yours"), shade=picture.get("mark"), bad=picture.get("bad"))
        if picture.get("note"):
            cells.text(x_got + len(got[0]) / 2, len(got) + 0.2, picture["note"], ha="center", va="top", fontsize=8)
    else:
        cells.text(x_got + 1.5, 1.0, say("你的输出", "yours") + ":\n" + picture.get("note", ""), ha="center", va="center",
                   fontsize=9, color="#cf222e")
    cells.draw(ax)
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(height, -1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def case_png(picture):
    """``case_figure(picture)`` as PNG bytes. Pictures repeat (a class shares its mistakes, and
    so its smallest failing cases): the bytes are cached by the picture's content."""
    import json
    return _case_png_cached(json.dumps(picture, sort_keys=True))


@functools.lru_cache(maxsize=256)
@styled
def _case_png_cached(key):
    import io
    import json
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = case_figure(json.loads(key))
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def case_img_tag(picture, alt=None):
    """An ``<img>`` with the picture inline (base64 PNG): a page with it needs no other file."""
    import base64
    import html
    data = base64.b64encode(case_png(picture)).decode("ascii")
    alt = say("最小的失败用例", "smallest failing case") if alt is None else alt
    return (f'<img class="case" alt="{html.escape(alt)}" style="max-width:100%;height:auto" '
            f'src="data:image/png;base64,{data}">')
