"""Forbidden operators are caught at dispatch level, however they are reached, and score 0."""
import pytest
import torch
import torch.nn.functional as F

from course.forbidden import OpRecorder, violations
from autograder.exercises import PREAMBLE
from autograder.hidden import local_call
from autograder.grading.suites import run_suite
from course.messages import message


def student(source, name):
    """A function defined by student source, exec'd after the notebooks' preamble."""
    ns = {}
    exec(PREAMBLE, ns)
    exec(source, ns)
    return ns[name]


# Ways to call torch's pooling from pool2d_padded. Each is otherwise correct.
CHEATS = {
    "functional": "return (F.max_pool2d if mode == 'max' else F.avg_pool2d)(X, pool_size, stride, padding)",
    "module": "return (nn.MaxPool2d if mode == 'max' else nn.AvgPool2d)(pool_size, stride, padding)(X)",
    "aten": "k = pool_size if isinstance(pool_size, tuple) else (pool_size,) * 2\n"
            "    s = k if stride is None else (stride if isinstance(stride, tuple) else (stride,) * 2)\n"
            "    p = padding if isinstance(padding, tuple) else (padding,) * 2\n"
            "    if mode == 'max':\n"
            "        return torch.ops.aten.max_pool2d_with_indices(X, k, s, p)[0]\n"
            "    return torch.ops.aten.avg_pool2d(X, k, s, p)",
    "getattr": "f = getattr(F, mode + '_' + 'po' + 'ol2d')\n    return f(X, pool_size, stride, padding)",
    "eval": "return eval('F.' + mode + '_p' + 'ool2d')(X, pool_size, stride, padding)",
    "importlib": "import importlib\n"
                 "    mod = importlib.import_module('torch.nn.' + 'functional')\n"
                 "    return getattr(mod, mode + '_pool2d')(X, pool_size, stride, padding)",
    "torch_namespace": "f = torch.max_pool2d if mode == 'max' else torch.avg_pool2d\n"
                       "    return f(X, pool_size, stride or pool_size, padding)",
    "adaptive_trick": "out = F.max_pool2d(X, pool_size, stride, padding) if mode == 'max' else None\n"
                      "    return out if out is not None else F.lp_pool2d(X, 1, pool_size, stride) * 0 + "
                      "F.avg_pool2d(X, pool_size, stride, padding)",
}


@pytest.mark.parametrize("how", sorted(CHEATS))
def test_pooling_calls_score_zero(how):
    src = "def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):\n    " + CHEATS[how]
    result = run_suite("pool2d_padded", local_call(student(src, "pool2d_padded")))
    assert result.points == 0
    assert result.status == "failed"
    assert result.misconception == "forbidden_op"
    assert result.message == message("forbidden_op")
    assert "pool" in result.feedback


def test_as_conv_must_use_conv():
    src = """
def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    k = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    s = k if stride is None else (stride if isinstance(stride, tuple) else (stride, stride))
    p = padding if isinstance(padding, tuple) else (padding, padding)
    win = F.pad(X, (p[1], p[1], p[0], p[0])).unfold(2, k[0], s[0]).unfold(3, k[1], s[1])
    return win.mean((-1, -2))
"""
    result = run_suite("avg_pool_as_conv", local_call(student(src, "avg_pool_as_conv")))
    assert result.points == 0
    assert result.misconception == "conv_not_used"
    assert message("conv_not_used") in result.feedback


def test_as_conv_with_a_pooling_call_scores_zero():
    src = """
def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    F.conv2d(X[:, :1], torch.ones(1, 1, 1, 1, dtype=X.dtype))   # decoy
    return F.max_pool2d(X, pool_size, stride, padding)
"""
    result = run_suite("max_pool_as_conv", local_call(student(src, "max_pool_as_conv")))
    assert result.points == 0
    assert result.misconception == "forbidden_op"


RELU_CHEATS = {
    "amax": "torch.stack([a, b, c, d]).amax(0)",
    "maximum": "torch.maximum(torch.maximum(a, b), torch.maximum(c, d))",
    "clamp": "(a - b).clamp(min=0) + b + ((c - d).clamp(min=0) + d - (a - b).clamp(min=0) - b).clamp(min=0)",
    "where": "torch.where(a > b, a, b) * 0 + torch.stack([a, b, c, d]).max(0).values",
    "abs": "((a + b + (a - b).abs()) / 2 + (c + d + (c - d).abs()) / 2 "
           "+ ((a + b + (a - b).abs()) / 2 - (c + d + (c - d).abs()) / 2).abs()) / 2",
    "sort": "torch.stack([a, b, c, d]).sort(0).values[-1]",
    "pool": "F.max_pool2d(X, 2)",
}


@pytest.mark.parametrize("how", sorted(RELU_CHEATS))
def test_conv_relu_only(how):
    src = f"""
def max_pool_conv_relu(X):
    N, C, H, W = X.shape
    k = torch.zeros(4, 1, 2, 2, dtype=X.dtype)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1
    g = F.conv2d(X.reshape(N * C, 1, H, W), k, stride=2)
    a, b, c, d = (g[:, i].reshape(N, C, g.shape[-2], g.shape[-1]) for i in range(4))
    return {RELU_CHEATS[how]}
"""
    result = run_suite("max_pool_conv_relu", local_call(student(src, "max_pool_conv_relu")))
    assert result.points == 0
    assert result.misconception in ("conv_relu_only", "forbidden_op")


def test_min_pool2d_may_use_max_pooling():
    src = "def min_pool2d(X, pool_size, stride=None, padding=0):\n    return -F.max_pool2d(-X, pool_size, stride, padding)"
    result = run_suite("min_pool2d", local_call(student(src, "min_pool2d")))
    assert result.status == "passed" and result.points == result.max_points


def test_recorder_sees_aten_names():
    X = torch.randn(1, 1, 4, 4)
    with OpRecorder() as rec:
        F.max_pool2d(X, 2)
        F.conv2d(X, torch.ones(1, 1, 2, 2))
    assert "aten.max_pool2d_with_indices" in rec.ops
    assert "aten.convolution" in rec.ops


@pytest.mark.parametrize("policy,ops,bad", [
    ("pooling", {"aten.add", "aten.amax"}, []),
    ("pooling", {"aten.avg_pool2d", "aten.add"}, ["aten.avg_pool2d"]),
    ("pooling_require_conv", {"aten.add"}, ["missing:aten.convolution"]),
    ("pooling_require_conv", {"aten.convolution", "aten.amax"}, []),
    ("conv_relu_only", {"aten.convolution", "aten.relu", "aten.sub", "aten.view"}, []),
    ("conv_relu_only", {"aten.convolution", "aten.relu", "aten.maximum"}, ["aten.maximum"]),
    ("none", {"aten.max_pool2d_with_indices"}, []),
])
def test_policies(policy, ops, bad):
    assert violations(policy, ops) == bad


def test_unknown_policy():
    with pytest.raises(ValueError):
        violations("everything", set())


# ------------------------------------------------------------------ the rule is about computation on X

def _recorded(fn, X):
    from course.forbidden import install_value_hooks
    install_value_hooks()
    rec = OpRecorder()
    rec.taint(((X,), {}))
    with rec:
        fn(X)
    return rec


@pytest.mark.parametrize("build", [
    "K = F.one_hot(torch.arange(4), 4).to(X.dtype).reshape(4, 1, 2, 2)",
    "import numpy as np\nK = torch.from_numpy(np.eye(4)).to(X.dtype).reshape(4, 1, 2, 2)",
    "c = nn.Conv2d(1, 4, 2, bias=False)\nwith torch.no_grad():\n    c.weight.copy_(torch.eye(4).reshape(4, 1, 2, 2))\n"
    "K = c.weight.detach().to(X.dtype)",
    "K = torch.zeros(4, 1, 2, 2, dtype=X.dtype)\nK[torch.arange(4), 0, torch.arange(4) // 2, torch.arange(4) % 2] = 1",
    "K = torch.eye(4, dtype=X.dtype).amax(0, keepdim=True).expand(4, 4).reshape(4, 1, 2, 2) * torch.eye(4).reshape(4, 1, 2, 2)",
    # X's dtype, device and shape are not its values: a kernel from X.new_zeros / zeros_like is a constant
    "K = X.new_zeros((4, 1, 2, 2))\nfor p in range(4):\n    K[p, 0, p // 2, p % 2] = 1\nassert K.sum() == 4 and K.max() == 1",
    "K = torch.zeros_like(X).new_ones(1).expand(4).diag().reshape(4, 1, 2, 2)\nassert bool((K >= 0).all())",
])
def test_constants_may_be_built_with_any_operator(build):
    src = "def f(X):\n" + "".join("    " + line + "\n" for line in build.splitlines()) + \
          "    g = F.conv2d(X, K, stride=2)\n    m = g[:, :1]\n" \
          "    for i in range(1, 4):\n        m = m + F.relu(g[:, i:i + 1] - m)\n    return m\n"
    rec = _recorded(student(src, "f"), torch.randn(2, 1, 4, 4))
    assert violations("conv_relu_only", rec.ops, rec.x_ops) == [], sorted(rec.x_ops)


@pytest.mark.parametrize("body,op", [
    ("return X.reshape(-1, 4).amax(1)", "aten.amax"),
    ("Y = torch.zeros(2)\n    Y[0] = X.max()\n    return Y * 1", "aten.max"),
    ("return torch.tensor(X.tolist())", "aten.tolist"),
    ("import numpy as np\n    return torch.from_numpy(np.asarray(X).max(axis=1))", "aten.array"),
    ("return torch.tensor(float(X[0, 0, 0, 0]))", "aten._local_scalar_dense"),
    ("return torch.tensor(max(X.flatten()))", "aten.gt"),
    ("K = torch.zeros_like(X)\n    K.copy_(X)\n    return K.amax()", "aten.amax"),
    ("K = X.new_empty(X.shape)\n    K[...] = X\n    return K.clamp(0)", "aten.clamp"),
    # aliases of X's memory made without any op: derived by the memory they view, not their identity
    ("return torch.from_dlpack(X.contiguous()).amax()", "aten.dlpack"),
    # a dlpack round trip without X.__dlpack__: a new storage object at X's address
    ("import torch.utils.dlpack as dl\n    return dl.from_dlpack(dl.to_dlpack(X.contiguous())).amax()", "aten.amax"),
    ("Y = torch.zeros(1)\n    Y.data = X\n    return Y.amax()", "aten.amax"),
    ("P = torch.nn.Parameter(torch.zeros(X.shape))\n    torch.nn.utils.vector_to_parameters((X + 0).flatten(), [P])\n"
     "    return P.detach().amax()", "aten.amax"),
    ("return torch.tensor(max(X.contiguous()._typed_storage()))", "aten._local_scalar_dense"),
    # X's memory or values handed to Python without an op
    ("import io\n    torch.save(X, io.BytesIO())\n    return X + 0", "aten.untyped_storage"),
    ("import numpy as np\n    return torch.from_numpy(np.from_dlpack(X.contiguous()).max(axis=1))", "aten.dlpack"),
    ("v = []\n    X.clone().apply_(lambda a: v.append(a) or a)\n    return torch.tensor(max(v))", "aten.apply"),
    ("A = X[:, :, :2].contiguous()\n    A.map_(X[:, :, 2:].contiguous(), lambda a, b: a if a > b else b)\n"
     "    return A", "aten.map"),
    ("import copy\n    return copy.deepcopy(X).amax()", "aten.amax"),
    # X's address handed to numpy through an __array_interface__ (no ctypes named)
    ("import numpy as np\n    Z = X.contiguous()\n"
     "    R = type('R', (), {'__array_interface__': {'data': (Z.data_ptr(), True), 'shape': (Z.numel(),),"
     " 'typestr': '<f4', 'version': 3}})\n    return torch.from_numpy(np.array(np.asarray(R())).max(keepdims=True))",
     "aten.data_ptr"),
])
def test_data_derived_from_x_counts_wherever_it_goes(body, op):
    rec = _recorded(student(f"def f(X):\n    {body}\n", "f"), torch.randn(2, 1, 4, 4))
    assert op in violations("conv_relu_only", rec.ops, rec.x_ops), sorted(rec.x_ops)


def test_memory_of_a_freed_derived_tensor_is_not_derived():
    """The recorder keys memory by the storage object, held weakly: a constant allocated where a
    freed derived tensor's memory was is a fresh constant (no false accusation)."""
    def f(X):
        for _ in range(20):
            t = X * 1
            del t
            K = torch.zeros(2, 1, 4, 4)
            K.amax()                                 # a constant: any operator
        return X + 0
    rec = _recorded(f, torch.randn(2, 1, 4, 4))
    assert violations("conv_relu_only", rec.ops, rec.x_ops) == [], sorted(rec.x_ops)


# The recorder keeps Dynamo out of its dispatch frames only once Dynamo can be there (a frame hook set,
# or torch._dynamo loaded): before, recording loads neither it nor sympy (over a second of CPU in every
# zygote, worker and kernel). One fresh interpreter, in this order (torch._dynamo stays loaded): a
# plain op; an op under a frame hook set through torch._C alone (torch's own wrapper then, which
# loads Dynamo); a function compiled by Dynamo. Each is recorded.
_DYNAMO_SCRIPT = """
import json, sys, types, torch
import torch.nn.functional as F
import torch._C._dynamo.eval_frame as ef
from course.forbidden import OpRecorder
seen = []
def record(call):
    with OpRecorder() as rec:
        call()
    seen.append([sorted(rec.ops), 'torch._dynamo' in sys.modules, 'sympy' in sys.modules])
x = torch.randn(1, 1, 4, 4)
record(lambda: F.max_pool2d(x, 2))
a = ef._FrameAction.DEFAULT
run = types.SimpleNamespace(frame_exec_strategy=ef._FrameExecStrategy(a, a), apply_to_code=False, guarded_code=None)
def hooked():
    ef.set_eval_frame(lambda *_: run)
    try:
        F.max_pool2d(x, 2)
    finally:
        ef.set_eval_frame(None)
record(hooked)
record(lambda: torch.compile(lambda t: F.max_pool2d(t, 2).relu(), backend='eager')(x))
print(json.dumps(seen))
"""


def test_recorder_loads_dynamo_only_when_it_is_in_use():
    import json
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", _DYNAMO_SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plain, hooked, compiled = json.loads(proc.stdout.strip().splitlines()[-1])
    assert plain == [["aten.max_pool2d_with_indices"], False, False], plain
    assert hooked[0] == ["aten.max_pool2d_with_indices"] and hooked[1] is True, hooked
    assert {"aten.max_pool2d_with_indices", "aten.relu"} <= set(compiled[0]), compiled
