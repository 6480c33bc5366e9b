"""What the notebooks claim is what their own code shows (issue 24, round three).

Every claim here is computed again with torch from the notebook's own code or text, so
that a later edit of a cell cannot make its prose false without a test failing. Timings
are never asserted (a shared machine makes them noise): only the method that measures
them is (the shared median helper, one thread).
"""
import ast
import contextlib
import io
import itertools
import math
import re

import nbformat
import pytest
import torch
import torch.nn.functional as F

from conftest import RELEASE, SOURCE, load_solution

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def notebooks():
    """{(folder name, stem): notebook}, read once."""
    out = {}
    for folder in (SOURCE, RELEASE):
        for path in sorted(folder.glob("*.ipynb")):
            out["release" if folder == RELEASE else "source", path.stem] = nbformat.read(path, as_version=4)
    return out


def _src(notebooks, stem, folder="source"):
    return notebooks[folder, stem]


def _cell(nb, cid):
    found = [c for c in nb.cells if c.get("id") == cid]
    assert len(found) == 1, cid
    return found[0]


def _index(nb, cid):
    return [c.get("id") for c in nb.cells].index(cid)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _code(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _run_cell(source, **names):
    """Run a notebook cell's code (which needs torch and F) and return what it printed."""
    from course.language import say       # the notebooks' printed labels (cell 0x-002 imports it)
    ns = {"torch": torch, "F": F, "math": math, "say": say, **names}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), ns)
    return out.getvalue()


def _floats(text):
    return [float(v) for v in re.findall(r"\d+\.\d+|\d+", text)]


# ---------------------------------------------------------------- 1, 2: timing by one method

def test_median_seconds_warms_up_runs_on_one_thread_and_restores_the_count():
    from course.timing import median_seconds
    before = torch.get_num_threads()
    seen = []
    median_seconds(lambda: seen.append(torch.get_num_threads()), repeats=3, min_batch=1e-4)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == before
    seen.clear()
    median_seconds(lambda: seen.append(torch.get_num_threads()), repeats=3, min_batch=1e-4, threads=None)
    assert set(seen) == {before}


def test_median_seconds_returns_the_median_of_its_samples(monkeypatch):
    """A clock that makes each sample a chosen value: the result is their median, not the minimum
    or the mean (one outlier of 100 s moves neither the median nor the answer)."""
    import course.timing as timing
    samples = iter([5.0, 1.0, 100.0, 3.0, 4.0])          # the per-call times of the 5 samples
    state = {"t": 0.0, "calls": 0, "sample": None}

    def clock():
        return state["t"]

    def f():
        state["calls"] += 1
        state["t"] += state["sample"] if state["sample"] is not None else 1.0   # warm-up and sizing: 1 s

    real_median = timing.statistics.median
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    taken = []

    def spy_median(values):
        taken.extend(values)
        return real_median(values)
    monkeypatch.setattr(timing.statistics, "median", spy_median)
    # min_batch 0.5 s: one call (1 s) is enough, so every sample times one call
    original_f = f

    def f_samples():
        if state["calls"] >= 2:                          # warm-up and the sizing call are done
            state["sample"] = next(samples)
        original_f()
    result = timing.median_seconds(f_samples, repeats=5, min_batch=0.5, threads=None)
    assert taken == [5.0, 1.0, 100.0, 3.0, 4.0] and result == 4.0


def test_03_times_with_the_shared_helper_and_a_tiny_input(notebooks):
    nb = _src(notebooks, "03_cost")
    code = _code(nb)
    assert "from course.timing import median_seconds" in code
    assert "def median_seconds" not in code and "best_time" not in code
    plot = _cell(nb, "03-022").source
    sizes = ast.literal_eval(re.search(r"sizes = (\[.*?\])", plot).group(1))
    assert sizes[0] == (1, 4), "the genuinely tiny input that shows the call's fixed cost"
    assert "median_seconds(lambda: F.max_pool2d(X, 3, 1, 1))" in plot
    text = _cell(nb, "03-023").source
    assert "占了大头" not in text, "the old claim: the fixed cost dominates the small inputs of the plot"
    assert r"$1\times 4\times 4$ 明显在虚线上方" in text and "与输入大小无关" in text
    # "its comparisons are 1/256 of 4x32x32's": the notebook's own pool_cost says so
    pool_cost = load_solution("pool_cost")
    assert pool_cost(4, 32, 32, 3, 1, 1, "max") == 256 * pool_cost(1, 4, 4, 3, 1, 1, "max") == 256 * 128
    assert r"\frac{1}{256}" in text


def test_04_times_by_the_median_on_one_thread_with_torch_for_scale(notebooks):
    nb = _src(notebooks, "04_min_softmax")
    code = _code(nb)
    assert "from course.timing import median_seconds" in code
    assert "best_time" not in code and "time.perf_counter" not in code
    cell = _cell(nb, "04-025").source
    for timed in ("windows.amax(dim=-1)", "torch.softmax(windows, dim=-1) * windows", "F.max_pool2d(Xb, 2)"):
        assert re.search(r"median_seconds\(lambda: \(?" + re.escape(timed), cell), timed
    text = _cell(nb, "04-024").source + _cell(nb, "04-timing-md").source
    assert "中位数" in text and "一个线程" in text and "一个数量级以上" in text


# ---------------------------------------------------------------- 3: one-hot convolution exact on CPU

@pytest.mark.parametrize("dtype,k,channels", list(itertools.product(
    (torch.float32, torch.float64), (2, 3, 5), (1, 8, 128))))
def test_one_hot_convolution_is_bit_exact_on_cpu(dtype, k, channels):
    """The claim of 02: on CPU a one-hot convolution returns the window's elements bit for bit."""
    g = torch.Generator().manual_seed(k * 1000 + channels)
    X = torch.randn(2, channels, 11, 13, generator=g, dtype=dtype) * 1e3
    P = k * k
    onehot = torch.eye(P, dtype=dtype).reshape(P, 1, k, k).repeat(channels, 1, 1, 1)
    for stride in (1, k):
        G = F.conv2d(X, onehot, stride=stride, groups=channels)
        oh, ow = G.shape[-2:]
        gathered = (X.unfold(2, k, stride).unfold(3, k, stride).reshape(2, channels, oh, ow, P)
                    .permute(0, 1, 4, 2, 3).reshape(2, channels * P, oh, ow))
        assert torch.equal(G, gathered)


def test_02_says_exact_on_cpu_and_why_not_on_gpu(notebooks):
    text = _cell(_src(notebooks, "02_as_convolution"), "02-013").source
    assert "\n在 CPU 上，对**有限**的输入，one-hot 卷积是精确的" in text
    assert "浮点运算中没有任何舍入误差" not in text
    assert "TF32" in text and "`torch.backends.cudnn.allow_tf32` 默认为 `True`" in text
    assert torch.backends.cudnn.allow_tf32 is True           # torch's default, as the text says


# ---------------------------------------------------------------- 4: the two readings of padding (p_h, p_w)

@pytest.mark.parametrize("h,s,p", [(h, s, p) for h in (4, 5, 7, 10) for s in (1, 2, 3) for p in (1, 2, 3, 4) if p <= h])
def test_total_padding_reading_gives_floor_h_over_s_plus_one(h, s, p):
    """§6.3's formula read with p_h as the total padding: out_h = floor(h / s_h) + 1, and for an even
    p_h PyTorch accepts it as padding = p_h // 2 per side."""
    X = torch.randn(1, 1, h, h)
    top = p // 2
    padded = F.pad(X, (top, p - top, top, p - top), value=-math.inf)
    assert F.max_pool2d(padded, p, s).shape[-1] == h // s + 1
    if p % 2 == 0:
        assert F.max_pool2d(X, p, s, p // 2).shape[-1] == h // s + 1
    # the reading the notebook uses (per side), from the graded function's solution
    pool_output_shape = load_solution("pool_output_shape")
    assert pool_output_shape(h, h, p, s, p) == ((h + p) // s + 1,) * 2


def test_03_names_both_readings_and_cites_the_section(notebooks):
    text = _cell(_src(notebooks, "03_cost"), "03-003").source
    assert "第 6.3 节" in text and "两侧的填充数量分别为" in text and "padding=(2, 1)" in text
    assert r"\lfloor h/s_h \rfloor + 1" in text and "一共" in text
    assert "本笔记本按第一种读法（每一侧）" in text
    # the section's own example: a 5 x 3 kernel with padding (2, 1) keeps the shape only per side
    X = torch.randn(1, 1, 8, 8)
    assert F.conv2d(X, torch.ones(1, 1, 5, 3), padding=(2, 1)).shape[-2:] == (8, 8)


# ---------------------------------------------------------------- 5: the closed form comes after the graded cell

CLOSED = r"\left\lfloor \frac{h + p_h}{s_h} \right\rfloor"


@pytest.mark.parametrize("folder", ["source", "release"])
def test_03_closed_form_only_after_the_graded_cost_cell(notebooks, folder):
    nb = _src(notebooks, "03_cost", folder)
    graded = next(i for i, c in enumerate(nb.cells)
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_pool_cost")
    shown = [i for i, c in enumerate(nb.cells) if CLOSED in c.source]
    assert shown and min(shown) > graded, (shown, graded)


def test_03_closed_form_is_what_pool_cost_computes(notebooks):
    text = _cell(_src(notebooks, "03_cost"), "03-closed-form").source
    assert r"(p_h p_w - 1)$ 次比较" in text and r"p_h p_w$ 次运算" in text
    pool_cost = load_solution("pool_cost")
    g = torch.Generator().manual_seed(4)
    for _ in range(200):
        c, h, w, ph, pw, sh, sw = (int(v) for v in torch.randint(1, 9, (7,), generator=g))
        rows, cols = (h + ph) // sh + 1, (w + pw) // sw + 1
        assert pool_cost(c, h, w, (ph, pw), (sh, sw), (ph, pw), "max") == c * rows * cols * (ph * pw - 1)
        assert pool_cost(c, h, w, (ph, pw), (sh, sw), (ph, pw), "avg") == c * rows * cols * ph * pw


def test_03_and_02_say_03_may_come_first(notebooks):
    assert "可以在 02 之前做" in _cell(_src(notebooks, "03_cost"), "03-000").source
    assert "可以先做 03" in _cell(_src(notebooks, "02_as_convolution"), "02-000").source


# ---------------------------------------------------------------- 6: exercise 4 translated in full

@pytest.mark.parametrize("folder", ["source", "release"])
def test_04_exercise4_prompt_is_translated_in_full(notebooks, folder):
    text = _cell(_src(notebooks, "04_min_softmax", folder), "answer-ex4").source
    zh = text.split("**Exercise 4")[0]
    assert "保留了什么信息、丢掉了什么，以及这对网络有什么影响" in zh
    en = re.search(r"\*\*Exercise 4:(.*?)\*\*", text, re.S).group(1)
    for word in ("differently", "keeps", "discards", "network"):
        assert word in en, word


# ---------------------------------------------------------------- 7: bilingual figure labels

def _texts(fig):
    """Every text a figure shows: titles, suptitle, axis labels, legends, annotations."""
    out = []
    if fig._suptitle is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _all_figures():
    from course import plots
    X = torch.arange(16.0).reshape(1, 1, 4, 4)
    image = torch.ones(6, 8)
    image[:, 2:6] = 0
    figures = {
        "pooling_figure(max)": plots.pooling_figure(),
        "pooling_figure(avg)": plots.pooling_figure(mode="avg"),
        "sliding_window_frames": plots.sliding_window_frames(X, 3, stride=2, padding=1),
        "cost_vs_time": plots.cost_vs_time([128, 32768, 147456], [2e-6, 9e-5, 4e-4], ["1×4×4", "4×32×32", "8×48×48"]),
        "temperature_sweep": plots.temperature_sweep([1e-3, 1.0, 1e3], [4.0, 3.5, 2.5], 2.5, 4.0),
    }
    top, bottom = plots.translation_figure(image, image, image[:, :7], image[:, :7], image[:3, :4], image[:3, :4])
    figures["translation_figure(top)"], figures["translation_figure(bottom)"] = top, bottom
    return figures


@pytest.fixture(scope="module")
def figures():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figs = _all_figures()
    yield figs
    for fig in figs.values():
        plt.close(fig)


def test_every_chinese_label_of_every_figure_has_english_beside_it(figures):
    missing = [(name, t) for name, fig in figures.items() for t in _texts(fig)
               if CJK.search(t) and not ENGLISH_WORD.search(CJK.sub(" ", t).replace("dL/dX", ""))]
    assert not missing, missing


def test_the_pooling_figure_says_the_same_in_both_languages(figures):
    for mode, zh, en in (("max", "最大汇聚", "max pooling"), ("avg", "平均汇聚", "average pooling")):
        titles = [t for t in _texts(figures[f"pooling_figure({mode})"]) if "输出" in t]
        assert len(titles) == 1 and zh in titles[0] and "output" in titles[0] and en in titles[0], titles


@pytest.mark.parametrize("stem", ["01_basics", "02_as_convolution", "03_cost", "04_min_softmax", "05_gradients"])
def test_labels_the_notebooks_pass_to_figures_are_bilingual(notebooks, stem):
    """Strings a notebook hands to course.plots (e.g. 05's panel titles) have English beside the
    Chinese: in the same string, or as a ``(zh, en)`` pair (``course.plots.words``: both lines in
    the Chinese edition, English only in the English one)."""
    bad = []
    for cell in _src(notebooks, stem).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "plots"):
                paired = {id(t.elts[0]) for t in ast.walk(node)
                          if isinstance(t, ast.Tuple) and len(t.elts) == 2
                          and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in t.elts)
                          and not CJK.search(t.elts[1].value) and ENGLISH_WORD.search(t.elts[1].value)}
                for arg in ast.walk(node):
                    if id(arg) in paired:
                        continue
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CJK.search(arg.value):
                        if not ENGLISH_WORD.search(CJK.sub(" ", arg.value).replace("dL/dX", "")):
                            bad.append(arg.value)
    assert not bad, bad


# ---------------------------------------------------------------- 8: the window is outlined, padding stays grey

def test_sliding_window_outlines_the_window_and_keeps_padding_grey():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle
    from course import plots
    fig = plots.sliding_window_frames(torch.arange(16.0).reshape(1, 1, 4, 4), 3, stride=2, padding=1)
    ax = fig.axes[0]                                          # the first window: rows 0-2, columns 0-2 of the padded input
    cells = {}                                                # a cell may be drawn in layers (hatched padding)
    for p in ax.patches:
        if isinstance(p, Rectangle) and p.get_width() == 1 and p.get_height() == 1 and p.get_x() < 6:
            cells.setdefault((round(p.get_x()), round(p.get_y())), []).append(p.get_facecolor())
    padding = [(x, y) for x in range(3) for y in range(3) if x == 0 or y == 0]
    for xy in padding:                                        # five of the window's nine cells are padding
        assert to_rgba(plots.PAD) in cells[xy], xy
        assert to_rgba(plots.SHADE) not in cells[xy], xy
    frames = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() == 3 and p.get_height() == 3]
    assert len(frames) == 1 and frames[0].get_facecolor()[3] == 0     # outlined, not filled
    assert (frames[0].get_x(), frames[0].get_y()) == (0, 0) and frames[0].get_linewidth() >= 2
    assert not any(p.get_facecolor() == to_rgba(plots.SHADE) for p in ax.patches)
    plt.close(fig)


# ---------------------------------------------------------------- 9: the English edition's context

def test_01_has_the_english_editions_context_with_references(notebooks):
    nb = _src(notebooks, "01_basics")
    text = _markdown(nb)
    assert text.count("**英文版补充 / From the English edition") >= 3
    for needle in ("Riesenhuber", "Poggio", "Yamaguchi", "1990", "1999", "Zeiler", "Stochastic pooling",
                   "Graham", "Fractional max-pooling", "注意力机制", "四分之一", "感受野", "信噪比",
                   "in almost all cases, max-pooling"):
        assert needle in text, needle


def test_01_receptive_field_numbers_are_what_its_code_prints(notebooks):
    nb = _src(notebooks, "01_basics")
    printed = _run_cell(_cell(nb, "01-en-receptive-code").source)
    plain, pooled = (int(v) for v in re.findall(r"[:：]\s*(\d+)", printed))
    assert (plain, pooled) == (7, 18)
    # the same numbers by the receptive-field recurrence r += (k - 1) * jump, jump *= s
    r, jump = 1, 1
    for k, s in ((3, 1), (2, 2), (3, 1), (2, 2), (3, 1)):
        r, jump = r + (k - 1) * jump, jump * s
    assert r == pooled
    text = _cell(nb, "01-en-receptive-md2").source
    assert rf"${plain}\times {plain}$" in text and rf"${pooled}\times {pooled}$" in text


def test_01_signal_to_noise_claim_is_what_its_code_prints(notebooks):
    nb = _src(notebooks, "01_basics")
    printed = _run_cell(_cell(nb, "01-en-history-code").source)
    subsampled, averaged = (float(v) for v in re.findall(r"[:：]\s*([\d.]+)", printed))
    assert subsampled == pytest.approx(1.0, abs=0.02)         # "not reduced at all"
    assert subsampled / averaged == pytest.approx(2.0, rel=0.03)   # "halved (1 / sqrt(4))"
    assert "标准差减半" in _cell(nb, "01-en-history").source


def test_01_two_by_two_quarters_the_resolution(notebooks):
    nb = _src(notebooks, "01_basics")
    printed = _run_cell(_cell(nb, "01-en-practice-code").source)
    assert printed.rstrip().endswith("4") and "(32, 48) -> (16, 24)" in printed
    assert "四分之一" in _cell(nb, "01-en-practice").source


# ---------------------------------------------------------------- 10: English exercises 2 and 3a as written prompts

@pytest.mark.parametrize("folder", ["source", "release"])
def test_02_written_prompts_come_before_their_worked_text(notebooks, folder):
    nb = _src(notebooks, "02_as_convolution", folder)
    for prompt, answer, worked, english, given_away in (
            ("02-009", "02-ex2-answer", "02-ex2-worked",
             "prove that max pooling cannot be implemented through a convolution alone.", "(2, 1)"),
            ("02-021", "02-ex3a-answer", "02-ex3a-worked",
             r"express $\max(a, b)$ using only ReLU", r"b + \mathrm{ReLU}(a - b)")):
        # #24 point 10: the prompt is an optional written grade cell with a rubric (as answer_ex3c)
        cell = _cell(nb, answer)
        assert english in cell.source
        assert _index(nb, prompt) < _index(nb, answer) < _index(nb, worked)
        meta = cell.get("metadata", {})
        assert meta["nbgrader"]["grade"] and meta["nbgrader"]["solution"] and meta["nbgrader"]["points"] == 0
        assert meta["optional"] == {"points": 1}
        if folder == "source":
            assert "评分标准 / Rubric" in cell.source and "### BEGIN SOLUTION" in cell.source
        else:                                  # the rubric and model answer stay with the instructor
            assert "Rubric" not in cell.source and given_away not in cell.source
        text = _cell(nb, worked).source
        assert text.startswith("<details><summary>写完之后再看") and text.rstrip().endswith("</details>")
        assert "What a complete answer has" in text
    # the prompt does not give the answer away before the <details>
    assert r"b + \mathrm{ReLU}(a - b)" not in _cell(nb, "02-021").source
    assert "(2, 1)" not in _cell(nb, "02-009").source


def test_02_worked_answers_hold_numerically(notebooks):
    nb = _src(notebooks, "02_as_convolution")
    text = _cell(nb, "02-ex3a-worked").source
    a, b = torch.randn(2, 10000, dtype=torch.float64)
    want = torch.maximum(a, b)
    forms = {r"b + \mathrm{ReLU}(a - b)": b + F.relu(a - b),
             r"a + \mathrm{ReLU}(b - a)": a + F.relu(b - a),
             r"\frac{1}{2}\big(a + b + \mathrm{ReLU}(a - b) + \mathrm{ReLU}(b - a)\big)":
                 (a + b + F.relu(a - b) + F.relu(b - a)) / 2}
    for form, value in forms.items():
        assert form in text, form
        torch.testing.assert_close(value, want)
    proof = _cell(nb, "02-ex2-worked").source
    pa, pb = torch.tensor([2.0, 1.0]), torch.tensor([1.0, 2.0])
    assert ((pa + pb).max().item(), pa.max().item() + pb.max().item()) == (3.0, 4.0)
    assert ((-pa).max().item(), -pa.max().item()) == (-1.0, -2.0)
    assert (((pa + pb) / 2).max().item(), (pa.max() + pb.max()).item() / 2) == (1.5, 2.0)
    for shown in (r"= 3 \neq 4 =", r"= -1 \neq -2 =", r"= 1.5 \neq 2 ="):
        assert shown in proof, shown
