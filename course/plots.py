"""Figures for the pooling notebooks (student side; contains no solutions).

Every function draws with matplotlib and returns the figure. Chinese labels use
a CJK font from fonts-noto-cjk when one is installed; without one, matplotlib's
default font is used silently. The fonts are set per figure (``style()`` in an
``rc_context``): importing this module changes none of matplotlib's settings.

    from course import plots
    plots.pooling_figure()

Accessibility (WCAG 2.1 AA): every figure says in text what it shows (:func:`set_alt`; in a
Jupyter kernel the alt text travels in the output's display metadata, ``{"image/png": {"alt": ...}}``,
which JupyterLab and nbconvert put on the ``<img>``), colours are colour-blind safe (cividis;
Okabe-Ito for lines) and never carry meaning alone (values are printed, marked cells are also
outlined or hatched, lines differ in style and marker), and text on a coloured cell is black or
white, whichever contrasts more by the WCAG formula (:func:`text_colour`; >= 4.58:1 on any colour).
"""
import functools
import math

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.patches import Rectangle

from course.language import Text, render, say


def words(text) -> str:
    """A label or title in the language chosen now (``course.language``): a ``Text`` is rendered, and a
    ``(zh, en)`` pair too, the two on two lines in zh+en (as the figures' titles always were); so one
    notebook cell draws English labels in the English edition and both in the Chinese edition. Any
    other ``str`` is drawn as it is."""
    if isinstance(text, tuple) and len(text) == 2 and all(isinstance(x, str) for x in text):
        return say(text[0], text[1], both=f"{text[0]}\n{text[1]}")
    return render(text)

CJK_FONTS = [
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei",
]

SHADE = "#7fb3d5"      # the window being looked at (also outlined: colour is never the only mark)
PAD = "#eeeeee"        # padded positions (also hatched)
PAD_HATCH = "#9a9a9a"
EDGE = "#333333"
WINDOW = "#1f5fa8"     # the outline of the window being looked at
CMAP = "cividis"       # heat maps: colour-blind safe, and its lightness grows with the value
# Okabe & Ito's colour-blind-safe palette, for lines (which also differ in style and marker).
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "vermillion": "#D55E00", "green": "#009E73",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
ALT_MAX = 1000         # characters of a figure's text alternative


# ---------------------------------------------------------------------------
# Contrast (WCAG 2.x): one definition, used for every label drawn on a colour
# ---------------------------------------------------------------------------

def relative_luminance(colour) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (any matplotlib colour spec):
    0.2126 R + 0.7152 G + 0.0722 B of the linearised channels."""
    from matplotlib.colors import to_rgb

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_colour(background) -> str:
    """"black" or "white": whichever contrasts more with ``background`` by the WCAG formula
    (never less than 4.58:1, the contrast of either on the worst mid grey)."""
    return "black" if contrast_ratio("black", background) >= contrast_ratio("white", background) else "white"


# ---------------------------------------------------------------------------
# Text alternatives
# ---------------------------------------------------------------------------

def _bounded(text, limit=ALT_MAX) -> str:
    """One line of plain text, without control characters, at most ``limit`` characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def alt_text(fig):
    """The figure's text alternative (set by :func:`set_alt`), or None."""
    return getattr(fig, "_course_alt", None)


def set_alt(fig, text):
    """Give ``fig`` a text alternative (one line, bounded) and return it. In a Jupyter kernel the
    figure's image then carries it in its display metadata (``{"image/png": {"alt": ...}}``), so a
    notebook that draws with these functions needs nothing of its own."""
    fig._course_alt = _bounded(text)
    _alt_into_display_metadata()
    return fig


def _with_alt(printer):
    """An IPython image formatter for figures that adds the figure's alt text as metadata."""
    def print_with_alt(fig):
        data = printer(fig)
        if isinstance(data, tuple):              # already (data, metadata)
            data, md = data
        else:
            md = {}
        alt = alt_text(fig)
        if data is None or not alt:
            return data if not md else (data, md)
        return data, {**(md or {}), "alt": alt}
    print_with_alt.course_alt = True
    return print_with_alt


def _alt_into_display_metadata():
    """Wrap the kernel's figure formatters (registered by matplotlib's inline backend when the
    first figure is made) so they return the alt text with the image. Checked on every figure:
    ``%matplotlib inline`` or ``set_matplotlib_formats`` may register new ones at any time."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure
    for mime in ("image/png", "image/jpeg", "image/svg+xml"):
        formatter = shell.display_formatter.formatters.get(mime)
        if formatter is None:
            continue
        try:
            printer = formatter.lookup_by_type(Figure)
        except KeyError:
            continue
        if not getattr(printer, "course_alt", False):
            formatter.for_type(Figure, _with_alt(printer))


def _rows(grid, limit=8) -> str:
    """A small grid as text: rows separated by ';' (at most ``limit`` rows and columns)."""
    rows = [" ".join(_fmt(float(v)) for v in row[:limit]) + (" …" if len(row) > limit else "")
            for row in grid[:limit]]
    return "[" + "; ".join(rows) + ("; …" if len(grid) > limit else "") + "]"


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
    wrapper.draws_figure = True        # tests/test_figures_a11y.py measures every such function
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
            if (i, j) in pad and (i, j) not in shade:          # padding: grey AND hatched
                ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor=colour, edgecolor=PAD_HATCH,
                                       lw=0, hatch="//"))
                ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor="none", edgecolor=EDGE, lw=1))
            else:
                ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor=colour, edgecolor=EDGE, lw=1))
            if values:
                ax.text(x0 + j + 0.5, y0 + i + 0.5, _fmt(grid[i][j]), ha="center", va="center", fontsize=fontsize,
                        color=text_colour(colour),
                        bbox=_LABEL_BOX if (i, j) in pad and (i, j) not in shade else None)
    _outline(ax, shade, x0, y0)
    if title:
        ax.text(x0 + cols / 2, y0 - 0.35, title, ha="center", va="bottom", fontsize=fontsize)
    return rows, cols


# Labels on hatched padding get a small box of the padding's colour, so the hatch never runs
# through the digits.
_LABEL_BOX = dict(boxstyle="square,pad=0.1", fc=PAD, ec="none")


def _outline(ax, cells, x0=0.0, y0=0.0):
    """A thick outline around the bounding box of ``cells`` (the window being looked at): the
    window is marked by shape as well as by its shade."""
    cells = list(cells)
    if not cells:
        return
    r0, c0 = min(i for i, _ in cells), min(j for _, j in cells)
    r1, c1 = max(i for i, _ in cells), max(j for _, j in cells)
    ax.add_patch(Rectangle((x0 + c0, y0 + r0), c1 - c0 + 1, r1 - r0 + 1, facecolor="none",
                           edgecolor=WINDOW, lw=3, zorder=3))


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
    draw_grid(ax, grid, 0, 0, shade=window, title=say("输入", "input"))
    x_out = cols + 2
    name_zh, name_en = ("最大", "max") if mode == "max" else ("平均", "average")
    draw_grid(ax, out, x_out, (rows - len(out)) / 2, shade=[(0, 0)],
              title=say(f"输出：{p_h}×{p_w} {name_zh}汇聚", f"output: {p_h}×{p_w} {name_en} pooling",
                        both=f"输出：{p_h}×{p_w} {name_zh}汇聚\noutput: {p_h}×{p_w} {name_en} pooling"))
    ax.annotate("", xy=(x_out - 0.2, rows / 2), xytext=(cols + 0.2, rows / 2),
                arrowprops=dict(arrowstyle="->", lw=1.5))
    first = [grid[i][j] for i, j in window]
    name = "max" if mode == "max" else "mean"
    caption = f"{name}({', '.join(_fmt(v) for v in first)}) = {_fmt(out[0][0])}"
    ax.text((x_out + len(out[0])) / 2, rows + 0.6, caption, ha="center", va="center", fontsize=12)
    _finish(ax, x_out + len(out[0]) + 1, rows + 1)     # one more column: room for the two-line title
    kind = ("最大", "max") if mode == "max" else ("平均", "average")
    return set_alt(fig, say(f"{p_h}×{p_w} {kind[0]}汇聚示意", f"{kind[1].capitalize()} pooling with a {p_h}×{p_w} window",
                            both=f"{p_h}×{p_w} {kind[0]}汇聚示意 / {kind[1]} pooling with a {p_h}×{p_w} window")
                        + f": {say('输入', 'input')} {rows}×{cols} {_rows(grid)} → {say('输出', 'output')} "
                        f"{len(out)}×{len(out[0])} {_rows(out)}; "
                        + say(f"第一个窗口（加框，第 0–{p_h - 1} 行，第 0–{p_w - 1} 列）",
                              f"the first window (outlined, rows 0–{p_h - 1}, columns 0–{p_w - 1})",
                              both=f"第一个窗口（加框）/ the first window (outlined, rows 0–{p_h - 1}, columns 0–{p_w - 1})")
                        + f": {caption}")


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
    window = [(r + a, c + b) for a in range(p_h) for b in range(p_w)]
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
    _outline(ax, [(oi, oj)], x_out, 0)
    ax.set_title(f"{say('窗口', 'window')} {k + 1}/{len(positions)}", fontsize=10)
    _finish(ax, x_out + out_w, max(len(padded), out_h))
    values = [padded[a][b] for a, b in window]
    where = say(f"填充后输入的第 {r}–{r + p_h - 1} 行、第 {c}–{c + p_w - 1} 列",
                f"rows {r}–{r + p_h - 1}, columns {c}–{c + p_w - 1} of the padded input",
                both=f"rows {r}–{r + p_h - 1}, columns {c}–{c + p_w - 1} of the padded input")
    return (f"{say('窗口', 'window')} {k + 1}/{len(positions)}: {where}, "
            f"{'max' if mode == 'max' else 'mean'}({', '.join(_fmt(v) for v in values)}) "
            f"= {_fmt(out[oi][oj])} → {say('输出', 'output', both='output')} ({oi}, {oj})")


@styled
def sliding_window_frames(X, pool_size, stride=None, padding=0, mode="max", max_frames=6):
    """Still frames of the window sliding over a (padded) input; the grey cells are padding."""
    grid = _as_grid(X)
    positions, _ = window_positions(len(grid), len(grid[0]), pool_size, stride, padding)
    n = min(len(positions), max_frames)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    frames = []
    for k in range(nrows * ncols):
        ax = axes[k // ncols][k % ncols]
        if k < n:
            frames.append(_frame(ax, grid, pool_size, stride, padding, mode, k))
        else:
            ax.axis("off")
    p_h, p_w = _pair(pool_size)
    shown_stride = stride if stride is not None else (p_h, p_w)
    zh = f"汇聚窗口 {p_h}×{p_w}，步幅 {shown_stride}，填充 {padding}（方框：窗口；灰色斜线：填充）"
    en = (f"pooling window {p_h}×{p_w}, stride {shown_stride}, padding {padding} "
          f"(outlined: the window; grey hatched: padding)")
    fig.suptitle(say(zh, en, both=f"{zh}\n{en}"), fontsize=10)
    fig.tight_layout()
    pad_h, pad_w = _pair(padding)
    return set_alt(fig, f"{say(f'{n} 幅静止画面', f'{n} still frames')}"
                        + say("：", " of a ", both=" of a ") + f"{p_h}×{p_w} "
                        f"{'max' if mode == 'max' else 'average'} pooling window, stride "
                        f"{stride if stride is not None else (p_h, p_w)}, padding {padding}, sliding over the "
                        f"{len(grid)}×{len(grid[0])} input {_rows(grid)} padded to "
                        f"{len(grid) + 2 * pad_h}×{len(grid[0]) + 2 * pad_w} (padding "
                        f"{'−∞' if mode == 'max' else '0'}, grey hatched); the window is outlined. "
                        + "; ".join(frames))


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
        set_alt(fig, _frame(ax, grid, pool_size, stride, padding, mode, k - 1))
        plt.show()

    slider = widgets.IntSlider(value=1, min=1, max=len(positions), description=say("窗口", "window"),
                               style={"description_width": "initial"})
    return widgets.interact(show, k=slider)


@styled
def show_grids(panels, title=None, fontsize=10, cmap=CMAP):
    """Small heat maps with their numbers.

    panels: a list of ``(title, 2-D tensor)`` or ``(title, 2-D tensor, options)`` where
    options may set ``cmap``, ``vmin`` and ``vmax`` for that panel (e.g. an image drawn in
    grey levels, 0 black and 1 white: ``{"cmap": "gray", "vmin": 0, "vmax": 1}``).
    """
    n = len(panels)
    title = words(title) if title else title
    fig, axes = plt.subplots(1, n, figsize=(2.8 * n, 2.9), squeeze=False)
    described = []
    for ax, panel in zip(axes[0], panels):
        name, X = words(panel[0]), panel[1]
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
                            color=text_colour(cm(min(max(level, 0.0), 1.0))))
            described.append(f"{name}: {len(grid)}×{len(grid[0])} {_rows(grid, 10)}")
        else:
            flat = [v for row in grid for v in row]
            described.append(f"{name}: {len(grid)}×{len(grid[0])}, {say('取值', 'values')} {_fmt(min(flat))} … {_fmt(max(flat))}")
        ax.set_title(name, fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    head = f"{title}. " if title else ""
    return set_alt(fig, f"{head}{say(f'{n} 个网格，数值印在格中', f'{n} grids with their values printed in the cells')}: "
                        + "; ".join(described))


# The edge example: images in grey levels (0 black, 1 white, as the text says), edge maps
# red for +1 (white to black), blue for -1 (black to white), white for 0, as the notebook's text
# says. Red against blue stays apart for red-green colour blindness, and each cell prints its
# value, so the colour is never the only mark.
IMAGE = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0}
EDGES = {"cmap": "bwr", "vmin": -1.0, "vmax": 1.0}


def translation_figure(X, Z, edges_X, edges_Z, pooled_X, pooled_Z):
    """The edge example: image X, its one-pixel shift Z, their edge maps, and the 2x2 max-pooled edge maps.

    Images are drawn as the text describes them: 0 black, 1 white."""
    top = show_grids([(Text("X（0 黑，1 白）", "X (0 black, 1 white)", "X（0 黑，1 白）\nX (0 black, 1 white)"), X, IMAGE),
                      (Text("Z：平移一个像素", "Z: shifted by one pixel", "Z：平移一个像素\nZ: shifted by one pixel"), Z, IMAGE),
                      (Text("边缘(X)", "edges(X)"), edges_X, EDGES), (Text("边缘(Z)", "edges(Z)"), edges_Z, EDGES)],
                     title=Text("卷积层的输出随输入一起移动", "the conv output moves with the input"))
    bottom = show_grids([(Text("汇聚(边缘(X))", "pool(edges(X))", "汇聚(边缘(X))\npool(edges(X))"), pooled_X, EDGES),
                         (Text("汇聚(边缘(Z))", "pool(edges(Z))", "汇聚(边缘(Z))\npool(edges(Z))"), pooled_Z, EDGES)],
                        title=Text("2×2 最大汇聚之后", "after 2×2 max pooling"))
    return top, bottom


@styled
def cost_vs_time(predicted, seconds, labels=None, title=Text("预测的运算次数与实测时间", "predicted operations and measured time")):
    """Measured time against the predicted operation count, both on log axes.

    A dashed line through the median ratio shows what strict proportionality would
    look like. Labels alternate below-right and above-left of their points (in order of
    the predicted count), so neighbouring points' labels do not overlap.
    """
    title = words(title)
    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    ms = [s * 1e3 for s in seconds]
    ax.loglog(predicted, ms, "o-", color=OKABE_ITO["blue"], label=say("实测（中位数）", "measured (median)", both="实测（中位数）/ measured (median)"))
    ratios = sorted(m / x for x, m in zip(predicted, ms) if x > 0 and m > 0)
    if ratios:
        k = ratios[len(ratios) // 2]
        xs = [min(predicted), max(predicted)]
        ax.loglog(xs, [k * x for x in xs], "--", color="gray", lw=1,
                  label=say("与运算次数成正比", "proportional"))
    if labels:
        order = sorted(range(len(predicted)), key=lambda i: predicted[i])
        for rank, i in enumerate(order):
            below = rank % 2 == 0
            offset = (6, -14) if below else (-6, 8)
            ax.annotate(labels[i], (predicted[i], ms[i]), textcoords="offset points", xytext=offset,
                        ha="left" if below else "right", fontsize=8,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax.set_xlabel(say("预测的运算次数", "predicted operations"))
    ax.set_ylabel(say("实测时间（毫秒）", "measured time (ms)", both="实测时间 / measured time (ms)"))
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    ax.margins(x=0.15, y=0.2)
    fig.tight_layout()
    names = labels or [str(i + 1) for i in range(len(predicted))]
    points = "; ".join(f"{_bounded(names[i], 60)}: {predicted[i]:.3g} ops, {ms[i]:.3g} ms"
                       for i in sorted(range(len(predicted)), key=lambda i: predicted[i]))
    return set_alt(fig, f"{title}{say('：对数坐标', ': log-log plot of measured time (ms) against predicted operations', both='：对数坐标 / log-log plot of measured time (ms) against predicted operations')}, "
                        f"{len(predicted)} points (circles joined by a solid line)"
                        + ("; a dashed grey line shows strict proportionality" if ratios else "")
                        + f": {points}")


@styled
def temperature_sweep(temperatures, outputs, average, maximum,
                      title=Text("softmax 汇聚：温度从小到大", "softmax pooling: from low to high temperature",
                                 "softmax 汇聚：温度从小到大\nsoftmax pooling: from low to high temperature")):
    """One window's softmax-pooling output against the temperature (log axis), with max and mean as limits."""
    title = words(title)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.semilogx(temperatures, outputs, "-", lw=2, color=OKABE_ITO["blue"], label=say("softmax 汇聚", "softmax pooling"))
    ax.axhline(maximum, color=OKABE_ITO["vermillion"], ls="--", lw=1.5, label=say(f"最大值 = {maximum:.3g}（T → 0）", f"max = {maximum:.3g} (T → 0)", both=f"最大值 max = {maximum:.3g}（T → 0）"))
    ax.axhline(average, color=OKABE_ITO["green"], ls=":", lw=2, label=say(f"平均值 = {average:.3g}（T → ∞）", f"mean = {average:.3g} (T → ∞)", both=f"平均值 mean = {average:.3g}（T → ∞）"))
    ax.set_xlabel(say("温度 T", "temperature T", both="温度 / temperature T"))
    ax.set_ylabel(say("窗口输出", "output"))
    ax.set_title(title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    ts, ys = list(temperatures), [float(y) for y in outputs]
    return set_alt(fig, f"{title}" + say("：窗口输出随温度变化", ": one window's softmax-pooling output (solid line) against the",
                                     both="：窗口输出随温度变化 / one window's softmax-pooling output (solid line) against the") + " "
                        f"temperature T on a log axis, from {ys[0]:.3g} at T = {float(ts[0]):.3g} to {ys[-1]:.3g} at "
                        f"T = {float(ts[-1]):.3g}; dashed line: max = {maximum:.3g} (the limit as T → 0); dotted line: "
                        f"mean = {average:.3g} (the limit as T → ∞)") if ys else fig


# ---------------------------------------------------------------------------
# The smallest failing case as a picture (check() and the feedback pages)
# ---------------------------------------------------------------------------

BAD = "#f4a3a3"        # a cell of the student's output that differs (also cross-hatched)
BAD_HATCH = "#a4262c"
MARK = "#cfe3f3"       # the output cell of the marked window (also outlined)
NOTE = "#b3261e"       # the note under the student's output: 6.5:1 on white


def _value(v):
    return v if isinstance(v, (int, float)) else float(v)


class _Cells:
    """Cells and numbers of the case picture, drawn in one collection (fast: a feedback page
    may carry many pictures, and one artist per cell costs a millisecond each)."""

    def __init__(self):
        self.boxes, self.faces, self.edges, self.widths = [], [], [], []
        self.texts = []
        self.hatched = []

    def cell(self, x, y, face="white", edge=EDGE, lw=0.6, w=1, h=1, hatch=False):
        box = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        self.boxes.append(box)
        self.faces.append(face)
        self.edges.append(edge)
        self.widths.append(lw)
        if hatch:
            self.hatched.append(box)

    def text(self, x, y, s, **kw):
        self.texts.append((x, y, s, kw))

    def draw(self, ax):
        from matplotlib.collections import PolyCollection
        ax.add_collection(PolyCollection(self.boxes, facecolors=self.faces, edgecolors=self.edges,
                                         linewidths=self.widths))
        if self.hatched:                         # differing cells: a mark that is not only a colour
            ax.add_collection(PolyCollection(self.hatched, facecolors="none", edgecolors=BAD_HATCH,
                                             linewidths=0, hatch="xx"))
        for x, y, s, kw in self.texts:
            ax.text(x, y, s, **kw)


def _case_grid(cells, grid, x0, y0, title, shade=None, bad=None, fontsize=8, title_y=None):
    rows, cols = len(grid), len(grid[0]) if grid else 0
    for i in range(rows):
        for j in range(cols):
            colour = "white"
            wrong = bad is not None and bad[i][j]
            if wrong:
                colour = BAD
            elif shade is not None and (i, j) == tuple(shade):
                colour = MARK
            cells.cell(x0 + j, y0 + i, colour, hatch=wrong)
            # a hatched cell's number sits on a box of the cell's colour: the hatch never crosses it
            cells.text(x0 + j + 0.5, y0 + i + 0.5, _fmt(_value(grid[i][j])), ha="center", va="center",
                       fontsize=fontsize, color=text_colour(colour),
                       bbox=dict(boxstyle="square,pad=0.05", fc=colour, ec="none") if wrong else None)
    if shade is not None and 0 <= shade[0] < rows and 0 <= shade[1] < cols:
        cells.cell(x0 + shade[1], y0 + shade[0], "none", WINDOW, 2.2)   # the marked cell, outlined
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
        cells.text(x_got + 1.5, 1.0, say("你的输出", "yours") + ":\n" + picture.get("note", ""), ha="center",
                   va="center", fontsize=9, color=NOTE)
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


CASE_ALT_MAX = 400      # characters of the failing case's text alternative


def _alt_number(v) -> str:
    """A value of the picture as text: a number, or nan/inf/-inf; anything else (the picture came
    from results.json, which a student's run fed) is shown as '?' rather than as its own text."""
    if isinstance(v, bool):
        return "?"
    if isinstance(v, (int, float)):
        return _fmt(float(v)).replace("-", "−")
    if v in ("nan", "inf", "-inf"):
        return v.replace("-", "−")
    return "?"


def _alt_pair(p):
    try:
        return int(p[0]), int(p[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def case_alt(picture) -> str:
    """The failing case in words, e.g. "最小的失败用例 / smallest failing case: pool2d: X; input 4×4,
    window 2×2 at (0, 0); expected −15, yours nan (1 of 9 shown cells differ)". Every value is
    formatted as a number (or '?'), the kit's short texts are cleaned of control characters, and
    the whole is bounded (:data:`CASE_ALT_MAX`)."""
    parts = []
    inp, exp, got = picture.get("input") or [], picture.get("expected") or [], picture.get("got")
    shape = picture.get("input_shape")
    if isinstance(shape, list) and len(shape) == 2 and all(isinstance(x, int) for x in shape):
        parts.append(f"input {shape[0]}×{shape[1]}")
    elif inp:
        parts.append(f"input {len(inp)}×{len(inp[0])} (shown)")
    win, origin = picture.get("window"), _alt_pair(picture.get("input_origin") or (0, 0)) or (0, 0)
    if isinstance(win, list) and len(win) == 4 and all(isinstance(x, int) for x in win):
        parts.append(f"window {win[2]}×{win[3]} at ({win[0] + origin[0]}, {win[1] + origin[1]})")
    mark, out0 = _alt_pair(picture.get("mark") or ()), _alt_pair(picture.get("output_origin") or (0, 0)) or (0, 0)
    text = "; ".join([", ".join(parts)] if parts else [])
    if mark and 0 <= mark[0] < len(exp) and 0 <= mark[1] < len(exp[mark[0]]):
        where = f"output ({mark[0] + out0[0]}, {mark[1] + out0[1]}): "
        said = f"expected {_alt_number(exp[mark[0]][mark[1]])}"
        if got and mark[0] < len(got) and mark[1] < len(got[mark[0]]):
            said += f", yours {_alt_number(got[mark[0]][mark[1]])}"
        text += ("; " if text else "") + where + said
    bad = picture.get("bad")
    if got and isinstance(bad, list):
        n_bad = sum(1 for row in bad for x in row if x is True)
        n_all = sum(len(row) for row in bad)
        text += f" ({n_bad} of {n_all} shown cells differ, hatched)"
    note = picture.get("note")
    if note:
        text += f"; {_bounded(note, 80)}"
    title = _bounded(picture.get("title") or "", 60)
    return _bounded(f"{say('最小的失败用例', 'smallest failing case')}: {title}; {text}", CASE_ALT_MAX)


def case_img_tag(picture, alt=None):
    """An ``<img>`` with the picture inline (base64 PNG): a page with it needs no other file.
    Its alt text (``case_alt``) says what the picture shows."""
    import base64
    import html
    if alt is None:
        alt = case_alt(picture)
    alt = _bounded(alt, CASE_ALT_MAX)
    data = base64.b64encode(case_png(picture)).decode("ascii")
    return (f'<img class="case" alt="{html.escape(alt, quote=True)}" style="max-width:100%;height:auto" '
            f'src="data:image/png;base64,{data}">')
