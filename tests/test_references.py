"""The torch references agree with torch and with their definitions, written out longhand."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from autograder.exercises import references as R


def longhand_windows(X, k, s, p, fill):
    """Padded windows by explicit loops: {(i, j): tensor (N, C, kh*kw)}."""
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    Xp = F.pad(X, (pw, pw, ph, ph), value=fill)
    out_h = (X.shape[2] + 2 * ph - kh) // sh + 1
    out_w = (X.shape[3] + 2 * pw - kw) // sw + 1
    return {(i, j): Xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(*X.shape[:2], -1)
            for i in range(out_h) for j in range(out_w)}, (out_h, out_w)


CONFIGS = [((2, 2), None, 0), ((3, 3), 2, 1), ((2, 3), (2, 3), (0, 1)), ((4, 2), (2, 1), (2, 1)),
           ((1, 1), None, 0), ((3, 2), (1, 2), (1, 1)), ((2, 2), 3, 1)]


@pytest.mark.parametrize("k,s,p", CONFIGS)
def test_pool2d_padded_longhand(k, s, p):
    X = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    ka, sa, pa = R.window_args(k, s, p)
    wins, shape = longhand_windows(X, ka, sa, pa, -math.inf)
    Y = R.pool2d_padded(X, k, s, p, "max")
    assert Y.shape[-2:] == shape and Y.dtype == X.dtype
    for (i, j), w in wins.items():
        assert torch.equal(Y[:, :, i, j], w.amax(-1))
    wins, _ = longhand_windows(X, ka, sa, pa, 0.0)
    Y = R.pool2d_padded(X, k, s, p, "avg")
    for (i, j), w in wins.items():
        torch.testing.assert_close(Y[:, :, i, j], w.sum(-1) / (ka[0] * ka[1]))


def test_seed_examples():
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    assert R.pool2d(X, (2, 2)).tolist() == [[4, 5], [7, 8]]
    assert R.pool2d(X, (2, 2), "avg").tolist() == [[2, 3], [5, 6]]
    X = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
    assert R.pool2d_padded(X, 3).tolist() == [[[[10.0]]]]
    assert R.pool2d_padded(X, 3, 2, 1).tolist() == [[[[5, 7], [13, 15]]]]
    assert R.pool2d_padded(X, (2, 3), (2, 3), (0, 1)).tolist() == [[[[5, 7], [13, 15]]]]


@pytest.mark.parametrize("mode", ["min", "mean", "MAX", None])
def test_pool2d_unknown_mode(mode):
    with pytest.raises(ValueError):
        R.pool2d(torch.ones(3, 3), (2, 2), mode)


def test_pool_output_shape_equals_torch():
    """Wherever PyTorch accepts the arguments (padding at most half the window)."""
    for h, w, kh, kw, sh, sw in itertools.product([1, 4, 7], [3, 8], [1, 2, 3], [2, 4], [1, 3], [2]):
        for ph, pw in [(0, 0), (kh // 2, kw // 2), (0, kw // 2)]:
            if h + 2 * ph < kh or w + 2 * pw < kw:
                continue
            X = torch.zeros(1, 1, h, w)
            expected = tuple(F.max_pool2d(X, (kh, kw), (sh, sw), (ph, pw)).shape[-2:])
            assert R.pool_output_shape(h, w, (kh, kw), (sh, sw), (ph, pw)) == expected
    assert R.pool_output_shape(7, 7, 2, None, 0) == (3, 3)


def counted_cost(c, h, w, k, s, p, mode):
    """An instrumented pooling: count every comparison, addition and division."""
    (kh, kw), (sh, sw), (ph, pw) = R.window_args(k, s, p)
    ops = 0
    for _ in range(c):
        for i in range(0, h + 2 * ph - kh + 1, sh):
            for j in range(0, w + 2 * pw - kw + 1, sw):
                window = [(i + a, j + b) for a in range(kh) for b in range(kw)]
                ops += len(window) - 1          # comparisons, or additions
                if mode == "avg":
                    ops += 1                    # the division
    return ops


@pytest.mark.parametrize("c,h,w,k,s,p", [
    (1, 4, 4, 2, 2, 0), (3, 8, 8, (2, 2), (2, 2), (2, 2)), (2, 7, 9, (3, 2), (2, 3), (3, 2)),
    (1, 5, 4, (2, 3), None, (2, 3)), (4, 6, 6, 3, 1, 1), (1, 1, 1, 1, None, 0)])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_cost_counts(c, h, w, k, s, p, mode):
    assert R.pool_cost(c, h, w, k, s, p, mode) == counted_cost(c, h, w, k, s, p, mode)


def test_min_pool_padding_never_wins():
    X = torch.rand(1, 1, 4, 4) + 1.0
    Y = R.min_pool2d(X, 3, 2, 1)
    assert (Y >= 1.0).all()
    assert torch.equal(Y, -F.max_pool2d(-X, 3, 2, 1))


def test_softmax_pool_longhand():
    X = torch.randn(2, 2, 5, 6, dtype=torch.float64)
    for T in [1e-3, 0.5, 1.0, 7.0, 1e3]:
        Y = R.softmax_pool2d(X, (2, 3), (1, 2), T)
        wins, shape = longhand_windows(X, (2, 3), (1, 2), (0, 0), 0.0)
        assert Y.shape[-2:] == shape
        for (i, j), w in wins.items():
            weights = torch.exp(w / T - (w / T).amax(-1, keepdim=True))
            weights = weights / weights.sum(-1, keepdim=True)
            torch.testing.assert_close(Y[:, :, i, j], (weights * w).sum(-1))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_pool_limits_and_range(dtype):
    X = (torch.rand(1, 2, 4, 4, dtype=torch.float64) * 2e4 - 1e4).to(dtype)
    for T in [1e-3, 1.0, 1e3]:
        Y = R.softmax_pool2d(X, 2, temperature=T)
        assert Y.dtype == dtype and torch.isfinite(Y).all()
    torch.testing.assert_close(R.softmax_pool2d(X, 2, temperature=1e-3), F.max_pool2d(X, 2))
    Xs = torch.randn(1, 1, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(R.softmax_pool2d(Xs, 2, temperature=1e9), F.avg_pool2d(Xs, 2))


@pytest.mark.parametrize("k,s,p", CONFIGS)
def test_backward_longhand(k, s, p):
    X = torch.randperm(2 * 2 * 7 * 6).reshape(2, 2, 7, 6).double()      # tie-free
    (kh, kw), (sh, sw), (ph, pw) = R.window_args(k, s, p)
    out = R.pool_output_shape(7, 6, k, s, p)
    G = torch.randn(2, 2, *out, dtype=torch.float64)
    dmax = torch.zeros(2, 2, 7 + 2 * ph, 6 + 2 * pw, dtype=torch.float64)
    davg = torch.zeros_like(dmax)
    Xp = F.pad(X, (pw, pw, ph, ph), value=-math.inf)
    for i, j in itertools.product(range(out[0]), range(out[1])):
        r, c = i * sh, j * sw
        win = Xp[:, :, r:r + kh, c:c + kw]
        mask = win == win.amax((-1, -2), keepdim=True)
        dmax[:, :, r:r + kh, c:c + kw] += mask * G[:, :, i:i + 1, j:j + 1]
        davg[:, :, r:r + kh, c:c + kw] += G[:, :, i:i + 1, j:j + 1] / (kh * kw)
    crop = (slice(None), slice(None), slice(ph, ph + 7), slice(pw, pw + 6))
    torch.testing.assert_close(R.max_pool2d_backward(X, G, k, s, p), dmax[crop])
    torch.testing.assert_close(R.avg_pool2d_backward(X, G, k, s, p), davg[crop])


def test_every_graded_function_has_a_reference():
    from autograder.exercises import BY_NAME
    assert set(R.REFERENCES) == set(BY_NAME)
