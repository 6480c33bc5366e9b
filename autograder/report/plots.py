"""Figures of the class report, as base64 PNG strings ready for an <img> tag.

Uses matplotlib's object API (``Figure``) rather than pyplot, so no global
backend or figure state leaks into whatever imported the report. Each ``*_figure``
function returns the Figure (tests measure its text's contrast); the functions
without the suffix return its PNG. Accessible as the student-side figures are
(``course.plots``): cividis for the heat map, its numbers black or white by the WCAG
contrast formula, lines that differ in style as well as colour, and a text
alternative for each (``autograder.report.report.figure_alts``).
"""
import base64
import contextlib
import io

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course.language import say       # the report's language (autograder.report.report renders inside it)
from course.plots import OKABE_ITO, text_colour

# dark blue (nobody) -> yellow (everybody): colour-blind safe, lightness grows with the share,
# and every cell prints its share, so the colour is never the only mark
PASS_CMAP = matplotlib.colormaps["cividis"]
NO_GROUP_HATCH = "#8a8a8a"       # a function without that property group: hatched, no number


@contextlib.contextmanager
def cjk_fonts():
    """Chinese labels without tofu and ASCII minus signs, only inside the block.

    Same font choice as the student-side figures (course.plots); rc_context
    undoes it afterwards so importers keep their own settings.
    """
    from course.plots import style
    with matplotlib.rc_context(style()):
        yield


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _mark_stats(ax, stats):
    """Vertical lines for mean, median and quartiles."""
    if not stats.n:
        return
    ax.axvspan(stats.q1, stats.q3, color=OKABE_ITO["sky"], alpha=0.18,
               label=say("四分位", "IQR", both="四分位 IQR") + f" {stats.q1:.1f}–{stats.q3:.1f}")
    ax.axvline(stats.median, color=OKABE_ITO["blue"], lw=2,
               label=say("中位数", "median", both="中位数 median") + f" {stats.median:.1f}")
    ax.axvline(stats.mean, color=OKABE_ITO["vermillion"], lw=2, ls="--",
               label=say("平均", "mean", both="平均 mean") + f" {stats.mean:.1f}")


def _hist(ax, values, max_points, stats, title):
    hi = max(max_points, max(values, default=0), 1)
    # one bin per point when the range is small, so each score has its bar
    bins = np.linspace(0, hi, int(min(hi, 30)) + 1)
    ax.hist(values, bins=bins, color="#91bfdb", edgecolor="#2b5f8a")
    _mark_stats(ax, stats)
    ax.set_xlim(0, hi)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(say("学生数", "students", both="学生数 students"))


def total_histogram_figure(totals, max_points, stats) -> Figure:
    """Histogram of the class's total scores."""
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    _hist(ax, totals, max_points, stats, say("总分分布", "Total score", both="总分分布 Total score"))
    ax.set_xlabel(say("分数", "points", both="分数 points"))
    ax.legend(fontsize=8, loc="upper left")
    return fig


def total_histogram(totals, max_points, stats) -> str:
    with cjk_fonts():
        return _png(total_histogram_figure(totals, max_points, stats))


def notebook_histograms(per_notebook) -> str:
    """Small multiples, one histogram per notebook.

    ``per_notebook``: list of (notebook, values, max_points, stats).
    """
    with cjk_fonts():
        return _png(notebook_histograms_figure(per_notebook))


def notebook_histograms_figure(per_notebook) -> Figure:
    n = max(len(per_notebook), 1)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (nb, values, max_points, stats) in zip(axes, per_notebook):
        _hist(ax, values, max_points, stats,
              f"{nb}  {say('平均', 'mean', both='平均 mean')} {stats.mean:.1f} / {max_points:g}")
    for ax in axes[len(per_notebook):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def pass_heatmap(functions, columns, shares) -> str:
    """Heat map of the share of students passing: functions down, property groups across.

    ``shares[i][j]`` is the share for ``functions[i]`` and ``columns[j]``, or
    None where that function has no such group (left blank).
    """
    with cjk_fonts():
        return _png(pass_heatmap_figure(functions, columns, shares))


def pass_heatmap_figure(functions, columns, shares) -> Figure:
    data = np.array([[np.nan if v is None else v for v in row] for row in shares], dtype=float)
    fig = Figure(figsize=(0.62 * len(columns) + 2.4, 0.42 * len(functions) + 1.9))
    ax = fig.subplots()
    ax.imshow(np.ma.masked_invalid(data), cmap=PASS_CMAP, vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(data):
        if np.isnan(v):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="white", edgecolor=NO_GROUP_HATCH,
                                   lw=0, hatch="///"))
        else:
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=7.5,
                    color=text_colour(PASS_CMAP(float(v))))
    ax.set_yticks(range(len(functions)), functions, fontsize=8.5)
    ax.set_xticks(range(len(columns)), columns, fontsize=8, rotation=40, ha="left",
                  rotation_mode="anchor")
    ax.xaxis.tick_top()
    # white lines between cells make rows easy to follow across
    ax.set_xticks(np.arange(-0.5, len(columns), 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(functions), 1), minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="both", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.axvline(0.5, color="#333", lw=1.5)  # the whole function | its groups
    return fig
