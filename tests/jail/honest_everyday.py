# What honest students do in a notebook, beyond the pooling itself: the seccomp allowlist and Landlock
# must let all of it through (strace of this cell is part of how the allowlist was derived).
import math, random, time, json, re, itertools, functools, collections, decimal, fractions, statistics
import tempfile, os, io, sys, warnings, textwrap, string, copy, dataclasses, typing, enum, pathlib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def everyday():
    r = {}
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    y = F.max_pool2d(x, 2) + F.avg_pool2d(x, 2) + F.conv2d(x, torch.ones(3, 3, 2, 2), stride=2)
    y = y + F.unfold(x, 2, stride=2).sum() + x.unfold(2, 2, 2).amax() + F.adaptive_avg_pool2d(x, 1)
    y.sum().backward()
    r["grad"] = float(x.grad.abs().sum() > 0)
    pool = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2))
    r["seq"] = list(pool(x).shape)
    print(x[0, 0], repr(torch.tensor([1.5, float("nan")])), torch.arange(6).reshape(2, 3).tolist())
    a = np.arange(16.0).reshape(4, 4)
    r["np"] = float(np.lib.stride_tricks.sliding_window_view(a, (2, 2)).max(axis=(-1, -2)).sum())
    r["np_torch"] = float(torch.from_numpy(a).sum()) + float(torch.ones(2).numpy().sum())
    r["math"] = math.floor(math.sqrt(17)) + statistics.mean([1, 2, 3]) + float(fractions.Fraction(1, 3) * 3)
    random.seed(0)
    r["random"] = random.randint(0, 10) >= 0
    torch.manual_seed(0)
    r["rand"] = float(torch.rand(3).sum()) > 0
    t0 = time.perf_counter(); time.sleep(0.01); r["slept"] = time.perf_counter() - t0 >= 0.009
    import difflib, pprint, heapq, bisect, operator, contextlib, inspect, traceback  # noqa: F401 (after the fork)
    with tempfile.TemporaryDirectory() as d:                     # the scratch dir (TMPDIR)
        p = os.path.join(d, "note.txt")
        with open(p, "w") as f:
            f.write("hello")
        os.rename(p, p + ".bak")
        r["tmp"] = open(p + ".bak").read()
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as f:
        json.dump({"a": 1}, f); f.flush(); f.seek(0); r["json"] = json.load(f)
    torch.save(torch.ones(2), "t.pt"); r["save"] = float(torch.load("t.pt").sum())
    os.remove("t.pt")
    r["cwd_list"] = isinstance(os.listdir("."), list)
    r["cpu"] = os.cpu_count() is not None
    r["env"] = os.environ.get("HOME") is not None
    try:
        raise ValueError("caught")
    except ValueError:
        r["tb"] = "ValueError" in traceback.format_exc()
    warnings.warn("a student warning")
    r["resource"] = __import__("resource").getrlimit(__import__("resource").RLIMIT_AS)[0] > 0
    os.kill(os.getpid(), 0)                                       # signalling oneself is allowed
    r["pid"] = os.getpid() > 0
    return json.dumps(r, sort_keys=True)
