"""Every figure the kit draws: text in it reads at >= 4.5:1 against what is behind it (WCAG 1.4.3),
its colours are colour-blind safe and never the only mark, and it has a text alternative that
says what it shows (WCAG 1.1.1).

The contrast is measured on the drawing itself: the figure is rendered once without its text, and
each label's colour is compared with the colour behind it (its own box's colour where it has an
opaque one, else the median of the pixels under the label). The contrast formula is WCAG's, checked
here against published pairs.
"""
import html
import math
import re

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.text import Text

from course import plots
from course.plots import contrast_ratio, relative_luminance, text_colour

AA = 4.5


# ------------------------------------------------------------------ the formula

@pytest.mark.parametrize("fg, bg, ratio", [
    ("#000000", "#ffffff", 21.0),          # the extremes
    ("#ffffff", "#ffffff", 1.0),
    ("#767676", "#ffffff", 4.54),          # the lightest grey that passes AA on white
    ("#777777", "#ffffff", 4.48),          # ... and the darkest that fails
    ("#595959", "#ffffff", 7.0),           # AAA on white
    ("#ff0000", "#ffffff", 4.0),
    ("#0000ff", "#ffffff", 8.59),
    ("#00ff00", "#000000", 15.3),
    ("#808080", "#000000", 5.32),
])
def test_contrast_ratio_is_wcags(fg, bg, ratio):
    """Known pairs from the WCAG definition (relative luminance of linearised sRGB)."""
    assert contrast_ratio(fg, bg) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(bg, fg) == contrast_ratio(fg, bg)


def test_relative_luminance_is_wcags():
    assert relative_luminance("white") == pytest.approx(1.0)
    assert relative_luminance("black") == 0.0
    # one channel alone: its coefficient (0.2126 R + 0.7152 G + 0.0722 B)
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert relative_luminance("#0000ff") == pytest.approx(0.0722)
    # 0x80 linearised: ((128/255 + 0.055) / 1.055) ** 2.4
    assert relative_luminance("#808080") == pytest.approx(((128 / 255 + 0.055) / 1.055) ** 2.4)


def _every_colour():
    grid = np.linspace(0, 1, 18)
    cube = [(r, g, b) for r in grid for g in grid for b in grid]
    maps = [matplotlib.colormaps[name](np.linspace(0, 1, 256))[:, :3]
            for name in ("cividis", "viridis", "gray", "bwr")]
    return cube + [tuple(c) for m in maps for c in m]


def test_text_colour_reaches_aa_on_every_colour():
    """Black or white, whichever contrasts more: never below 4.5:1, on any colour (the worst case,
    a mid grey, gives about 4.58)."""
    worst = min(contrast_ratio(text_colour(c), c) for c in _every_colour())
    assert worst >= AA
    for c in _every_colour()[::97]:
        best = max(contrast_ratio("black", c), contrast_ratio("white", c))
        assert contrast_ratio(text_colour(c), c) == best


# ------------------------------------------------------------------ contrast in the drawings

def _canvas(fig):
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas


def text_contrasts(fig):
    """(text, contrast against what is behind it) for every visible label of ``fig``."""
    canvas = _canvas(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.axes is not False]
    texts = [t for t in texts if t.get_figure() is not None]
    boxes = [t.get_window_extent(renderer) for t in texts]
    shown = [t.get_visible() for t in texts]
    for t in texts:
        t.set_visible(False)
    canvas.draw()
    background = np.asarray(canvas.buffer_rgba())[..., :3] / 255.0
    for t, v in zip(texts, shown):
        t.set_visible(v)
    height, width = background.shape[:2]
    out = []
    for t, box in zip(texts, boxes):
        patch = t.get_bbox_patch()
        if patch is not None and patch.get_visible() and to_rgba(patch.get_facecolor())[3] == 1:
            behind = to_rgb(patch.get_facecolor())
        else:
            x0, x1 = max(int(box.x0), 0), min(int(math.ceil(box.x1)), width)
            y0, y1 = max(int(height - box.y1), 0), min(int(math.ceil(height - box.y0)), height)
            if x1 <= x0 or y1 <= y0:
                continue                                   # outside the canvas: not drawn
            behind = tuple(np.median(background[y0:y1, x0:x1].reshape(-1, 3), axis=0))
        out.append((t.get_text(), contrast_ratio(to_rgb(t.get_color()), behind)))
    return out


def _grid(n, m, lo=-3.0, hi=3.0):
    import torch
    return torch.linspace(lo, hi, n * m).reshape(n, m)


def _case_picture():
    return {"title": "pool2d: X", "input": [[1, -2, 3, 4], [5, -15, -7, 8], [9, 10, 11, 12], [13, 14, 15, -16]],
            "window": [-1, -1, 3, 3], "input_origin": [0, 0], "input_shape": [4, 4],
            "expected": [[-15, 8], [14, 15]], "output_origin": [0, 0], "mark": [0, 0],
            "got": [["nan", 8], [14, 0]], "bad": [[True, False], [False, True]], "note": ""}


def _report_heatmap():
    from autograder.report import plots as report_plots
    with report_plots.cjk_fonts():
        return report_plots.pass_heatmap_figure(
            ["pool2d", "pool2d_padded", "min_pool2d"], ["整题 whole function", "padding", "stride"],
            [[i / 10 for i in range(0, 3)], [0.45, None, 1.0], [0.05, 0.5, 0.95]])


def _report_histograms():
    from autograder.report import data as report_data, plots as report_plots
    values = [3, 5, 5, 8, 9, 10]
    with report_plots.cjk_fonts():
        return report_plots.total_histogram_figure(values, 10, report_data.score_stats(values))


def _report_notebook_histograms():
    from autograder.report import data as report_data, plots as report_plots
    per_nb = [(nb, v, 5, report_data.score_stats(v)) for nb, v in
              [("01_basics", [0, 2, 5, 5]), ("02_as_convolution", [1, 1, 4]), ("03_cost", [3, 4, 4, 4])]]
    with report_plots.cjk_fonts():
        return report_plots.notebook_histograms_figure(per_nb)


# name -> (draws the figure, words its alt text must hold: what it shows, not just its kind)
FIGURES = {
    "pooling_figure": (lambda: plots.pooling_figure(), ["input 3×3", "[0 1 2; 3 4 5; 6 7 8]", "max(0, 1, 3, 4) = 4"]),
    "pooling_figure_avg": (lambda: plots.pooling_figure(mode="avg"), ["average", "mean(0, 1, 3, 4) = 2"]),
    "sliding_window_frames": (lambda: plots.sliding_window_frames(_grid(4, 4, 0, 15), 3, stride=2, padding=1),
                              ["3×3", "padding 1", "window 1/4", "→ output (1, 1)"]),
    "show_grids": (lambda: plots.show_grids([("X", _grid(4, 4)), ("dL/dX", _grid(4, 4, 0, 1))]),
                   ["X: 4×4", "dL/dX: 4×4", "-3"]),
    "show_grids_images": (lambda: plots.show_grids([("X", _grid(3, 6, 0, 1), plots.IMAGE),
                                                    ("边缘", _grid(3, 5, -1, 1), plots.EDGES)]),
                          ["X: 3×6", "边缘: 3×5"]),
    "cost_vs_time": (lambda: plots.cost_vs_time([10, 100, 1000], [1e-4, 5e-4, 4e-3], ["a", "b", "c"]),
                     ["a: 10 ops", "c: 1e+03 ops, 4 ms", "proportional"]),
    "temperature_sweep": (lambda: plots.temperature_sweep([0.01, 1, 100], [4.0, 2.5, 1.1], 1.0, 4.0),
                          ["max = 4", "mean = 1", "T = 0.01"]),
    "case_figure": (lambda: plots.case_figure(_case_picture()), None),
    "report_heatmap": (_report_heatmap, None),
    "report_total_histogram": (_report_histograms, None),
    "report_notebook_histograms": (_report_notebook_histograms, None),
}

# What each entry above draws with: every public drawing function of course.plots (the ones wrapped
# by @styled) and of autograder.report.plots (the *_figure ones) must be here, so a new figure
# cannot go untested. translation_figure and interactive_window draw through show_grids and _frame.
COVERED = {"pooling_figure", "sliding_window_frames", "show_grids", "cost_vs_time", "temperature_sweep",
           "case_figure", "pass_heatmap_figure", "total_histogram_figure", "notebook_histograms_figure"}


def test_every_drawing_function_is_measured():
    from autograder.report import plots as report_plots
    drawing = {n for n, f in vars(plots).items() if not n.startswith("_") and getattr(f, "draws_figure", False)}
    drawing |= {n for n in vars(report_plots) if n.endswith("_figure")}
    assert drawing <= COVERED, drawing - COVERED
    assert COVERED <= drawing


@pytest.fixture(scope="module")
def drawn():
    """Each figure drawn once; closed afterwards."""
    import matplotlib.pyplot as plt
    figs = {}
    for name, (draw, _) in FIGURES.items():
        fig = draw()
        figs[name] = fig
    yield figs
    for fig in figs.values():
        if isinstance(fig, tuple):
            continue
        plt.close(fig)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_text_contrast_is_at_least_aa(drawn, name, summary):
    measured = text_contrasts(drawn[name])
    assert measured, f"{name}: no text found"
    low = [(text, round(c, 2)) for text, c in measured if c < AA]
    worst = min(c for _, c in measured)
    summary.append(f"figure {name}: {len(measured)} labels, lowest contrast {worst:.2f}:1")
    assert not low, f"{name}: labels under {AA}:1: {low[:10]}"


@pytest.mark.parametrize("name", sorted(n for n, (_, words) in FIGURES.items() if words))
def test_figure_says_what_it_shows(drawn, name):
    alt = plots.alt_text(drawn[name])
    assert alt and len(alt) <= plots.ALT_MAX
    for word in FIGURES[name][1]:
        assert word in alt, (word, alt)


def test_translation_figure_describes_both_figures():
    """Both of its figures (show_grids, whose contrast is measured above) say what they show."""
    import matplotlib.pyplot as plt
    X = _grid(6, 8, 0, 1)
    top, bottom = plots.translation_figure(X, X, _grid(6, 7, -1, 1), _grid(6, 7, -1, 1),
                                           _grid(3, 3, -1, 1), _grid(3, 3, -1, 1))
    try:
        alt = plots.alt_text(top)
        assert "X (0 black, 1 white)" in alt and "6×8" in alt.split("X (0 black, 1 white)")[1][:12], alt
        assert "after 2×2 max pooling" in plots.alt_text(bottom) and "3×3" in plots.alt_text(bottom)
    finally:
        plt.close(top)
        plt.close(bottom)


def test_heat_maps_use_a_colour_blind_safe_colormap():
    from autograder.report import plots as report_plots
    assert report_plots.PASS_CMAP.name == "cividis"
    assert plots.CMAP == "cividis"
    fig = plots.show_grids([("X", _grid(2, 2))])
    try:
        assert fig.axes[0].images[0].get_cmap().name == "cividis"
    finally:
        import matplotlib.pyplot as plt
        plt.close(fig)


def test_marked_cells_differ_by_more_than_colour(drawn):
    """The case picture hatches the differing cells and outlines the marked one; the frames outline
    the window and hatch the padding; the report hatches a function's missing groups."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Rectangle
    case = drawn["case_figure"].axes[0]
    assert any(c.get_hatch() for c in case.collections if isinstance(c, PolyCollection))
    frames = drawn["sliding_window_frames"].axes[0]
    assert any(isinstance(p, Rectangle) and p.get_hatch() for p in frames.patches)            # padding
    assert any(isinstance(p, Rectangle) and p.get_linewidth() >= 3 for p in frames.patches)   # the window
    heat = drawn["report_heatmap"].axes[0]
    assert sum(1 for p in heat.patches if p.get_hatch()) == 1                                 # the one None
    texts = {t.get_text() for t in heat.texts}
    assert {"0%", "10%", "20%", "45%", "100%", "5%", "50%", "95%"} <= texts                    # values printed


# ------------------------------------------------------------------ the failing case in words

def test_case_alt_says_the_case():
    alt = plots.case_alt(_case_picture())
    assert "input 4×4, window 3×3 at (-1, -1)" in alt
    assert "expected −15, yours nan" in alt
    assert "2 of 4 shown cells differ" in alt


HOSTILE = "\"><script>alert(1)</script>\x1b[2J\u202e" + "x" * 5000


@pytest.mark.parametrize("field, value", [
    ("got", [[HOSTILE, 8], [14, 0]]),                   # a value that is not a number
    ("got", [[{"a": 1}, [1]], [True, 0]]),
    ("note", HOSTILE),
    ("title", HOSTILE),
    ("input_shape", [HOSTILE, 3]),
    ("window", [HOSTILE, 0, 2, 2]),
    ("mark", [10 ** 9, -5]),
])
def test_case_alt_treats_values_as_hostile(field, value):
    """Whatever a picture from results.json holds, the alt text is one bounded line and the <img>
    tag is a single element with the text escaped in its attribute."""
    picture = dict(_case_picture(), **{field: value})
    alt = plots.case_alt(picture)
    assert len(alt) <= plots.CASE_ALT_MAX
    assert "\x1b" not in alt and "\u202e" not in alt and "\n" not in alt
    if field == "got":
        assert "<script" not in alt and "yours ?" in alt
    tag = plots.case_img_tag(dict(_case_picture()), alt=alt)
    assert tag.count("<") == 1 and tag.count(">") == 1                       # one element, nothing injected
    assert re.search(r'alt="([^"]*)"', tag).group(1) == html.escape(alt, quote=True)


# ------------------------------------------------------------------ the report's images in words

from test_report import graded_dir  # noqa: E402,F401  (fixture: a hand-built grading directory)


def test_report_images_say_what_they_show(graded_dir):  # noqa: F811
    """Each <img> of the report has an alt text with the numbers a reader takes from it."""
    from autograder.report import report, data as report_data
    rep = report_data.build(graded_dir)
    alts = report.figure_alts(rep)
    assert f"{len(rep.students)} 名学生 / students" in alts["total"]
    assert f"mean {rep.stats.mean:.1f}" in alts["total"] and f"out of {rep.max_total:g}" in alts["total"]
    for nb in rep.notebooks:
        assert nb in alts["notebooks"]
    low = min((g.share, r.function) for r in rep.pass_rates for g in r.groups)
    assert f"{low[1]} · " in alts["heatmap"] and f"{low[0]:.0%}" in alts["heatmap"]
    page = report.render_html(rep)
    for alt in alts.values():
        assert f'alt="{html.escape(alt, quote=True)}"'.replace("&#x27;", "&#39;") in page
