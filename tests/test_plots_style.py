"""course.plots draws with its fonts inside a style context: importing it changes no global setting."""
import subprocess
import sys

import pytest

CODE = """
import matplotlib
matplotlib.use("Agg")
before = dict(matplotlib.rcParams)
import course.plots
changed = sorted(k for k, v in matplotlib.rcParams.items() if before[k] != v)
print(changed)
"""


def test_importing_plots_leaves_rcparams_unchanged():
    """In a fresh interpreter, as in a student's kernel: every rcParam is what it was before the import."""
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_drawing_leaves_rcparams_unchanged():
    import matplotlib
    from course import plots
    before = dict(matplotlib.rcParams)
    fig = plots.pooling_figure()
    plots.case_png({"input": [[1.0, 2.0], [3.0, 4.0]], "expected": [[4.0]], "got": [[3.0]], "bad": [[0, 0]]})
    assert {k for k, v in matplotlib.rcParams.items() if before[k] != v} == set()
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_a_drawing_uses_the_cjk_font_when_one_is_installed():
    """Its Chinese text resolves to the CJK font, also when drawn after the function returned."""
    import matplotlib
    from matplotlib import font_manager
    from course import plots
    font = plots.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    fig = plots.pooling_figure()
    texts = [t for t in fig.axes[0].texts if "输入" in t.get_text()]
    assert texts
    path = font_manager.findfont(texts[0].get_fontproperties(), fallback_to_default=False)
    assert font_manager.get_font(path).family_name == font
    assert matplotlib.rcParams["font.family"] != plots.style()["font.family"]   # not a global setting
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_every_figure_shows_in_a_real_kernel(tmp_path):
    """In a Jupyter kernel (inline backend) the second and third figures show too: the style
    context must not switch off the interactive mode the first figure's backend turned on. Each
    carries its alt text in the output's metadata."""
    nbformat = pytest.importorskip("nbformat")
    from support.kernels import SlicedClient     # nbclient's, without a stall on a missed wake-up (#21)
    cells = ["from course import plots\nplots.pooling_figure();",
             "plots.pooling_figure(mode='avg');",
             "import torch\nplots.sliding_window_frames(torch.arange(16.).reshape(1, 1, 4, 4), 3, stride=2, padding=1);"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    SlicedClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    images = [sum("image/png" in o.get("data", {}) for o in c.outputs) for c in nb.cells]
    assert images == [1, 1, 1], [c.outputs for c in nb.cells]
    # each image carries its text alternative in the display metadata (course.plots.set_alt), which
    # JupyterLab and nbconvert put on the <img>: what the figure shows, not only its kind
    alts = [o["metadata"]["image/png"]["alt"] for c in nb.cells for o in c.outputs if "image/png" in o.get("data", {})]
    assert "max(0, 1, 3, 4) = 4" in alts[0] and "mean(0, 1, 3, 4) = 2" in alts[1], alts
    assert "padding 1" in alts[2] and "window 4/4" in alts[2], alts[2]
