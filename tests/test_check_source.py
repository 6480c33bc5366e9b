"""The parent's static check of answer cells (course/source_rules/, pipeline/check_source.py).

Honest code of every kind the kit holds (solutions, stubs, mutants, example
submissions) is never flagged; tampering, run-time names and forbidden
operators are, however they are spelled. Nothing here runs student code.
"""
import json
import pathlib
import re

import pytest

from autograder import exercises as functions
from autograder.pipeline.check_source import CHECK_ERROR, CheckSource, flag_of
from autograder.core.cells import AnswerCell
from autograder.pipeline.find_answers import FindAnswers, runnable
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook
from course.source_rules import Notebook

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Mutants that really call what their rule forbids (the rest are merely wrong and must pass).
REALLY_FORBIDDEN = {"max_pool_conv_relu/uses_amax"}


def findings(code, function="pool2d", policy=None, extra=()):
    """(line, category, key) of what counts against `function` when `code` is its answer cell."""
    policy = policy or functions.BY_NAME[function].forbid
    cells = [(f"cell 1 ({function})", code)] + [(f"cell {i + 2} ({f})", c) for i, (f, c) in enumerate(extra)]
    nb = Notebook(cells)
    return [(f.line, f.category, f.key) for f in nb.findings(function, policy, (0,))]


def categories(code, **kw):
    return {c for _line, c, _key in findings(code, **kw)}


# ------------------------------------------------------------------ the honest corpus

def _notebook_cases():
    paths = sorted((ROOT / "source" / "pooling").glob("*.ipynb")) + \
        sorted((ROOT / "release" / "pooling").glob("*.ipynb")) + \
        sorted((ROOT / "examples" / "submitted").glob("*/pooling/*.ipynb"))
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in paths]


@pytest.mark.parametrize("path", _notebook_cases())
def test_honest_notebooks_are_not_flagged(path):
    try:
        nb = ReadNotebook().read(path)
    except InvalidNotebook:
        pytest.skip("unreadable on purpose (an example of an invalid notebook)")
    names = [f.name for f in functions.functions_in(path.stem)]
    cells = runnable(FindAnswers().find(nb, names))
    checker = CheckSource()
    rejected = checker.check(cells, names)
    assert checker.error is None
    assert rejected == {}


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "mutants").glob("*/*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutants_are_flagged_only_for_a_real_forbidden_call(path):
    name = path.parent.name
    cells = [AnswerCell(0, (name,), path.read_text(encoding="utf-8"))]
    rejected = CheckSource().check(cells, [name])
    if f"{name}/{path.stem}" in REALLY_FORBIDDEN:
        assert [f.category for f in rejected[name]] == ["bonus"] and rejected[name][0].automatic
    else:
        assert rejected == {}


HONEST = {
    "loops": """
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    h, w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = X[i:i + h, j:j + w].max() if mode == 'max' else X[i:i + h, j:j + w].mean()
    return Y
""",
    "comparison_below": """
def pool2d(X, pool_size, mode='max'):
    return X.unfold(0, pool_size, 1).unfold(1, pool_size, 1).amax((-2, -1))
X = torch.arange(16.).reshape(4, 4)
Y = F.max_pool2d(X[None, None], 2, stride=1)[0, 0]      # my own check, not the function
print(torch.allclose(pool2d(X, 2), Y))
""",
    "getattr_constants": """
def pool2d(X, pool_size, mode='max'):
    reduce = getattr(torch, 'amax' if mode == 'max' else 'mean')
    w = X.unfold(0, pool_size, 1).unfold(1, pool_size, 1)
    return reduce(w, dim=(-2, -1))
""",
    "numpy_and_helpers": """
import numpy as np
import itertools, functools
def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)
def pool2d(X, pool_size, mode='max'):
    p, q = _pair(pool_size)
    a = X.numpy()
    out = np.array([[a[i:i + p, j:j + q].max() for j in range(a.shape[1] - q + 1)]
                    for i in range(a.shape[0] - p + 1)])
    return torch.from_numpy(out).to(X.dtype)
""",
    "docstring_mentions_pooling": '''
def pool2d(X, pool_size, mode='max'):
    """Like F.max_pool2d / nn.MaxPool2d, but by hand: no max_pool2d here."""
    msg = "do not call max_pool2d"
    return X
''',
    "class_and_lambda": """
class Pooler:
    def __init__(self, k):
        self.k = k
    def __call__(self, X):
        return X.unfold(0, self.k, 1).unfold(1, self.k, 1).amax((-2, -1))
pool2d = lambda X, pool_size, mode='max': Pooler(pool_size)(X)
""",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_snippets_are_not_flagged(name):
    assert findings(HONEST[name]) == []


def test_honest_bonus_is_not_flagged():
    code = """
def max_pool_conv_relu(X):
    N, C, H, W = X.shape
    k = torch.zeros(4, 1, 2, 2, dtype=X.dtype)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1
    g = F.conv2d(X.reshape(N * C, 1, H, W), k, stride=2)
    a, b, c, d = (g[:, i] for i in range(4))
    m = F.relu(a - b) + b
    n = F.relu(c - d) + d
    return (F.relu(m - n) + n).reshape(N, C, H // 2, W // 2)
"""
    assert findings(code, function="max_pool_conv_relu") == []


def test_min_pool2d_may_pool():
    code = "def min_pool2d(X, pool_size, stride=None, padding=0):\n" \
           "    return -F.max_pool2d(-X, pool_size, stride, padding)\n"
    assert findings(code, function="min_pool2d") == []
    # ... and gc still goes to a person
    assert categories("import gc\n" + code, function="min_pool2d") == {"tampering"}


# ------------------------------------------------------------------ what is flagged

TAMPERING = {
    "threading": ("import threading\ndef pool2d(X, k, mode='max'):\n"
                  "    t = threading.Thread(target=print); t.start()\n", "threading"),
    "thread_from_import": ("from threading import Thread as T\ndef pool2d(X, k, mode='max'):\n"
                           "    T(target=print).start()\n", "threading"),
    "_thread": ("import _thread\ndef pool2d(X, k, mode='max'):\n    _thread.start_new_thread(print, ())\n",
                "_thread"),
    "concurrent": ("def pool2d(X, k, mode='max'):\n    import concurrent.futures as cf\n"
                   "    return cf.ThreadPoolExecutor(1).submit(print).result()\n", "concurrent"),
    "multiprocessing": ("import multiprocessing as mp\ndef pool2d(X, k, mode='max'):\n    mp.Process().start()\n",
                        "multiprocessing"),
    "subprocess": ("def pool2d(X, k, mode='max'):\n    import subprocess\n    subprocess.run(['true'])\n",
                   "subprocess"),
    "os.fork": ("import os\ndef pool2d(X, k, mode='max'):\n    os.fork()\n", "os.fork"),
    "os.system": ("from os import system\ndef pool2d(X, k, mode='max'):\n    system('true')\n", "os.system"),
    "os.posix_spawn": ("import os\ndef pool2d(X, k, mode='max'):\n    os.posix_spawn('/bin/true', [], {})\n",
                       "os.posix_spawn"),
    "ctypes": ("import ctypes\ndef pool2d(X, k, mode='max'):\n    ctypes.CDLL(None)\n", "ctypes"),
    "signal": ("import signal\ndef pool2d(X, k, mode='max'):\n    signal.alarm(1)\n", "signal"),
    "gc": ("import gc\ndef pool2d(X, k, mode='max'):\n"
           "    for o in gc.get_objects():\n        if type(o).__name__ == 'OpRecorder': o.ops = set()\n", "gc"),
    "gc.get_referrers": ("from gc import get_referrers\ndef pool2d(X, k, mode='max'):\n"
                         "    return get_referrers(X)\n", "gc"),
    "sys._getframe": ("import sys\ndef pool2d(X, k, mode='max'):\n    f = sys._getframe(1)\n", "sys._getframe"),
    "f_back": ("def pool2d(X, k, mode='max'):\n    try:\n        raise ValueError\n"
               "    except ValueError as e:\n        f = e.__traceback__.tb_frame.f_back\n", "f_back"),
    "f_locals": ("def pool2d(X, k, mode='max'):\n    return frame.f_locals['rec']\n", "f_locals"),
    "inspect": ("import inspect\ndef pool2d(X, k, mode='max'):\n    return inspect.stack()\n", "inspect"),
    "__code__": ("def pool2d(X, k, mode='max'):\n    return pool2d.__code__\n", "__code__"),
    "__globals__": ("def pool2d(X, k, mode='max'):\n    return pool2d.__globals__\n", "__globals__"),
    "torch._C": ("def pool2d(X, k, mode='max'):\n    torch._C._set_dispatch_mode(None)\n", "torch._C"),
    "_python_dispatch": ("from torch.utils._python_dispatch import _pop_mode_temporarily\n"
                         "def pool2d(X, k, mode='max'):\n    pass\n", "torch.utils._python_dispatch"),
    "TorchDispatchMode": ("def pool2d(X, k, mode='max', m=None):\n"
                          "    class M(m.TorchDispatchMode):\n        pass\n    return X\n", "TorchDispatchMode"),
    "torch.overrides": ("def pool2d(X, k, mode='max'):\n    with torch.overrides.TorchFunctionMode(): pass\n",
                        "torch.overrides"),
    "__torch_function__": ("class T(torch.Tensor):\n    @classmethod\n"
                           "    def __torch_function__(cls, f, t, a=(), k=None): return True\n"
                           "def pool2d(X, k, mode='max'):\n    return X.as_subclass(T)\n", "__torch_function__"),
    "torch.library": ("lib = torch.library.Library('aten', 'IMPL')\ndef pool2d(X, k, mode='max'):\n    return X\n",
                      "torch.library"),
    "monkeypatch": ("def pool2d(X, k, mode='max'):\n    F.pad = lambda *a, **k: X\n", "F.pad ="),
    "sys.modules": ("import sys\ndef pool2d(X, k, mode='max'):\n    return sys.modules['torch']\n", "sys.modules"),
    "importlib.reload": ("import importlib\ndef pool2d(X, k, mode='max'):\n    importlib.reload(torch)\n",
                         "importlib.reload"),
    "__subclasses__": ("def pool2d(X, k, mode='max'):\n    return object.__subclasses__()\n", "__subclasses__"),
    "pickle": ("import pickle\ndef pool2d(X, k, mode='max'):\n    return pickle.loads(b'')\n", "pickle"),
    "traceback.walk_stack": ("import traceback\ndef pool2d(X, k, mode='max'):\n"
                             "    return list(traceback.walk_stack(None))\n", "traceback.walk_stack"),
    "logging.currentframe": ("import logging\ndef pool2d(X, k, mode='max'):\n    return logging.currentframe()\n",
                             "logging.currentframe"),
    "/proc/self/mem": ("def pool2d(X, k, mode='max'):\n    return open('/proc/self/' + 'mem', 'r+b')\n", "/proc"),
    "torch.compile": ("def pool2d(X, k, mode='max'):\n    return torch.compile(lambda x: x)(X)\n", "torch.compile"),
    "private_dispatch_helper": ("from torch.nn.functional import handle_torch_function as h\n"
                                "def pool2d(X, k, mode='max'):\n    return h\n", "handle_torch_function"),
    "fullwidth_unicode": ("import ｓys\ndef pool2d(X, k, mode='max'):\n    return ｓys._getframe()\n", "sys._getframe"),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_tampering_is_flagged(name):
    code, key = TAMPERING[name]
    found = findings(code)
    assert any(c == "tampering" and k.startswith(key) for _l, c, k in found), found


DYNAMIC = {
    "getattr_param": "def pool2d(X, k, mode='max'):\n    return getattr(F, mode + '_po' + 'ol2d')(X)\n",
    "getattr_unfoldable": "def pool2d(X, k, mode='max'):\n    return getattr(F, ''.join(sorted('2admlo_oxp')))(X)\n",
    "getattr_escape": "g = getattr\ndef pool2d(X, k, mode='max'):\n    return g(F, 'x')(X)\n",
    "__import__computed": "def pool2d(X, k, mode='max'):\n    return __import__(mode).x\n",
    "import_module_computed": "import importlib\ndef pool2d(X, k, mode='max'):\n"
                              "    return importlib.import_module('torch.' + mode)\n",
    "exec_computed": "def pool2d(X, k, mode='max'):\n    exec(open('x').read())\n",
    "exec_constant": "exec('def pool2d(X, k, mode=\"max\"):\\n    return X\\n')\n",
    "globals": "def pool2d(X, k, mode='max'):\n    return globals()['F']\n",
    "vars": "def pool2d(X, k, mode='max'):\n    return vars(F)\n",
    "__dict__": "def pool2d(X, k, mode='max'):\n    return F.__dict__\n",
    "__builtins__": "def pool2d(X, k, mode='max'):\n    return __builtins__\n",
    "setattr_computed": "def pool2d(X, k, mode='max'):\n    setattr(F, mode, F.relu)\n",
    "attrgetter": "import operator\ndef pool2d(X, k, mode='max'):\n    return operator.attrgetter(mode)(F)\n",
    # a C-level twin and a primitive reached by another path: the same object, so the same construct
    "_operator_attrgetter": "import _operator\ndef pool2d(X, k, mode='max'):\n    return _operator.attrgetter(mode)(F)\n",
    "getattr_via_module": "import builtins as b\ndef pool2d(X, k, mode='max'):\n    return b.getattr(F, mode)(X)\n",
    "reduce_getattr": "import functools\ndef pool2d(X, k, mode='max'):\n"
                      "    return functools.reduce(getattr, ['nn', 'functional', mode], torch)(X)\n",
    "partial_getattr": "from functools import partial\ndef pool2d(X, k, mode='max'):\n    return partial(getattr, F)(mode)(X)\n",
    "locals": "def pool2d(X, k, mode='max'):\n    return locals()\n",
    "helper_param": "def _call(m, n, X):\n    return getattr(m, n)(X)\n"
                    "def pool2d(X, k, mode='max'):\n    return _call(F, 'max_pool2d', X)\n",
    "string_in_aten": "def pool2d(X, k, mode='max'):\n    return torch.ops.aten.__getattr__('max_pool2d_with_indices')(X)\n",
}


@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_run_time_names_are_flagged_for_review(name):
    nb = Notebook([("cell 1 (pool2d)", DYNAMIC[name])])
    found = nb.findings("pool2d", "pooling", (0,))
    assert "dynamic" in {f.category for f in found}, found
    assert not any(f.automatic for f in found if f.category == "dynamic")


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_tampering_goes_to_a_person_not_a_score(name):
    nb = Notebook([("cell 1 (pool2d)", TAMPERING[name][0])])
    found = nb.findings("pool2d", "pooling", (0,))
    assert found and not any(f.automatic for f in found)
    assert all(re.fullmatch(r"review:[a-z_]+@cell1(:line\d+)?", flag_of(f)) for f in found), found


def test_run_time_names_are_allowed_without_a_ban():
    assert findings("def min_pool2d(X, k, stride=None, padding=0):\n    return getattr(X, k)\n",
                    function="min_pool2d") == []


POOL = {
    "direct": "def pool2d(X, k, mode='max'):\n    return F.max_pool2d(X[None, None], k, 1)[0, 0]\n",
    "nn_module": "def pool2d(X, k, mode='max'):\n    return nn.MaxPool2d(k, 1)(X[None, None])[0, 0]\n",
    "adaptive": "def pool2d(X, k, mode='max'):\n    return torch.nn.functional.adaptive_avg_pool2d(X, 1)\n",
    "aten": "def pool2d(X, k, mode='max'):\n    return torch.ops.aten.max_pool2d(X[None, None], [k, k], [1, 1])\n",
    "torch_top_level": "def pool2d(X, k, mode='max'):\n    return torch.max_pool2d(X[None, None], k, 1)\n",
    "alias_import": "from torch.nn.functional import max_pool2d as mp\n"
                    "def pool2d(X, k, mode='max'):\n    return mp(X[None, None], k, 1)[0, 0]\n",
    "alias_module": "import torch.nn.functional as G\ndef pool2d(X, k, mode='max'):\n"
                    "    return G.avg_pool2d(X[None, None], k, 1)[0, 0]\n",
    "star_import": "from torch.nn.functional import *\ndef pool2d(X, k, mode='max'):\n"
                   "    return max_pool2d(X[None, None], k, 1)[0, 0]\n",
    "module_level_alias": "P = F.max_pool2d\ndef pool2d(X, k, mode='max'):\n    return P(X[None, None], k, 1)[0, 0]\n",
    "container": "IMPL = {}\nIMPL['f'] = F.max_pool2d\ndef pool2d(X, k, mode='max'):\n    return IMPL['f'](X)\n",
    "torch_attribute": "torch.helper = F.max_pool2d\ndef pool2d(X, k, mode='max'):\n    return torch.helper(X)\n",
    "default_argument": "def pool2d(X, k, mode='max', f=F.max_pool2d):\n    return f(X)\n",
    # string obfuscation, folded
    "concat": "def pool2d(X, k, mode='max'):\n    return getattr(F, 'max_' + 'po' + 'ol2d')(X)\n",
    "fstring": "def pool2d(X, k, mode='max'):\n    p = 'po'\n    return getattr(F, f'max_{p}ol2d')(X)\n",
    "percent": "def pool2d(X, k, mode='max'):\n    return getattr(F, '%s_%s' % ('max', 'pool2d'))(X)\n",
    "format": "def pool2d(X, k, mode='max'):\n    return getattr(F, '{}_{}'.format('avg', 'pool2d'))(X)\n",
    "join": "def pool2d(X, k, mode='max'):\n    return getattr(F, '_'.join(['max', 'pool2d']))(X)\n",
    "reversed_slice": "def pool2d(X, k, mode='max'):\n    return getattr(F, 'd2loop_xam'[::-1])(X)\n",
    "chr_codes": "def pool2d(X, k, mode='max'):\n"
                 "    return getattr(F, ''.join(chr(c) for c in [109, 97, 120, 95, 112, 111, 111, 108, 50, 100]))(X)\n",
    "bytes_decode": "def pool2d(X, k, mode='max'):\n    return getattr(F, bytes([97, 118, 103, 95, 112, 111, 111, 108, 50, 100]).decode())(X)\n",
    "base64": "import base64\ndef pool2d(X, k, mode='max'):\n"
              "    return getattr(F, base64.b64decode('bWF4X3Bvb2wyZA==').decode())(X)\n",
    "replace": "def pool2d(X, k, mode='max'):\n    return getattr(F, 'max_p##l2d'.replace('#', 'o'))(X)\n",
    "dict_of_names": "def pool2d(X, k, mode='max'):\n"
                     "    n = {'max': 'max_' + 'pool2d', 'avg': 'avg_' + 'pool2d'}[mode]\n    return getattr(F, n)(X)\n",
    "import_module": "import importlib\ndef pool2d(X, k, mode='max'):\n"
                     "    return importlib.import_module('torch.nn.functional').max_pool2d(X)\n",
    "eval_constant": "def pool2d(X, k, mode='max'):\n    return eval('F.max_' + 'pool2d')(X)\n",
}


@pytest.mark.parametrize("name", sorted(POOL))
def test_pooling_is_flagged_however_spelled(name):
    assert "pool" in categories(POOL[name]), findings(POOL[name])


def test_forbidden_obfuscated_corpus_case_is_a_forbidden_op():
    code = (ROOT / "tests" / "hostile" / "forbidden_obfuscated.py").read_text(encoding="utf-8")
    assert categories(code) == {"pool"}


BONUS = {
    "amax": ("def max_pool_conv_relu(X):\n    return X.amax(0)\n", "amax"),
    "torch.maximum": ("def max_pool_conv_relu(X):\n    return torch.maximum(X[0], X[1])\n", "torch.maximum"),
    "sort": ("def max_pool_conv_relu(X):\n    return X.sort(0).values[-1]\n", "sort"),
    "topk": ("def max_pool_conv_relu(X):\n    return torch.topk(X, 1).values\n", "torch.topk"),
    "numpy": ("import numpy as np\ndef max_pool_conv_relu(X):\n"
              "    return torch.from_numpy(np.maximum(X.numpy()[0], 0))\n", "numpy"),
    "where": ("def max_pool_conv_relu(X):\n    return torch.where(X > 0, X, -X)\n", "torch.where"),
    "tolist": ("def max_pool_conv_relu(X):\n    return torch.tensor(X.tolist())\n", "tolist"),
    "pool": ("def max_pool_conv_relu(X):\n    return F.max_pool2d(X, 2)\n", "F.max_pool2d"),
    "getattr_folded": ("def max_pool_conv_relu(X):\n    return getattr(torch, 'ma' + 'ximum')(X[0], X[1])\n",
                       "maximum"),
    "item": ("def max_pool_conv_relu(X):\n    return torch.tensor(X[0, 0, 0, 0].item())\n", "item"),
}

# Builtins and numpy are not named by the static rule: constants may be built with them, and the
# recorder sees them reach X's data (a comparison of X's elements, float(), tolist, __array__).
LEFT_TO_THE_RECORDER = {
    "builtin_max": "def max_pool_conv_relu(X):\n    return max(X[0], X[1])\n",
    "builtin_sorted": "def max_pool_conv_relu(X):\n    return sorted(X)[-1]\n",
    "numpy_imported_inside": "def max_pool_conv_relu(X):\n    import numpy\n    return X\n",
    "float_compare": "def max_pool_conv_relu(X):\n    a, b = float(X[0, 0, 0, 0]), float(X[0, 0, 0, 1])\n"
                     "    return torch.tensor(a if a > b else b)\n",
    "np_eye_kernel": "import numpy as np\ndef max_pool_conv_relu(X):\n"
                     "    k = torch.from_numpy(np.eye(4)).reshape(4, 1, 2, 2).to(X.dtype)\n    return F.conv2d(X, k)\n",
}


@pytest.mark.parametrize("name", sorted(LEFT_TO_THE_RECORDER))
def test_bonus_builtins_and_numpy_are_left_to_the_recorder(name):
    assert findings(LEFT_TO_THE_RECORDER[name], function="max_pool_conv_relu") == []


@pytest.mark.parametrize("name", sorted(BONUS))
def test_bonus_rule_is_checked(name):
    code, key = BONUS[name]
    found = findings(code, function="max_pool_conv_relu")
    assert any(k == key for _l, _c, k in found), found
    assert categories(code, function="max_pool_conv_relu") <= {"bonus", "pool"}


def test_bonus_may_take_int_of_a_shape():
    code = "def max_pool_conv_relu(X):\n    h, w = int(X.shape[2] / 2), int(X.shape[3] / 2)\n" \
           "    return F.relu(F.conv2d(X, torch.ones(1, 1, 2, 2), stride=2))[..., :h, :w]\n"
    assert findings(code, function="max_pool_conv_relu") == []


def test_bonus_names_are_fine_elsewhere():
    assert findings("import numpy as np\ndef pool2d(X, k, mode='max'):\n    return torch.tensor(np.max(X.numpy()))\n") == []


# ------------------------------------------------------------------ which code counts for which function

PADDED = "def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):\n    return F.pad(X, (1, 1, 1, 1))\n"


def test_tampering_elsewhere_costs_only_its_own_function():
    nb = Notebook([("cell 1 (pool2d)", "import threading\ntorch.allclose = lambda *a: True\n"
                                       "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    assert {f.key for f in nb.findings("pool2d", "pooling", (0,))} == {"threading", "torch.allclose ="}
    assert nb.findings("pool2d_padded", "pooling", (1,)) == []


def test_a_patch_another_function_relies_on_counts_for_it():
    nb = Notebook([("cell 1 (pool2d)", "def pool2d(X, k, mode='max'):\n    F.pad = F.max_pool2d\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    assert {f.category for f in nb.findings("pool2d_padded", "pooling", (1,))} == {"tampering", "pool"}


def test_a_function_rebound_from_another_body_counts():
    nb = Notebook([("cell 1 (pool2d)", "def pool2d(X, k, mode='max'):\n    global pool2d_padded\n"
                                       "    pool2d_padded = lambda X, *a, **k: F.max_pool2d(X, 2)\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    assert {f.key for f in nb.findings("pool2d_padded", "pooling", (1,))} == {"F.max_pool2d"}


def test_shared_state_with_a_tampering_cell_counts():
    nb = Notebook([("cell 1 (pool2d)", "import threading\nQ = []\ndef _work():\n    F.max_pool2d(Q[0], 2)\n"
                                       "threading.Thread(target=_work).start()\n"
                                       "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", "def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):\n"
                                              "    Q.append(X)\n    return X\n")])
    assert "threading" in {f.key for f in nb.findings("pool2d_padded", "pooling", (1,))}


def test_run_time_code_anywhere_counts_for_every_function_with_a_ban():
    nb = Notebook([("cell 1 (pool2d)", "exec(open('x').read(), globals())\n"),
                   ("cell 2 (pool2d_padded)", PADDED),
                   ("cell 3 (min_pool2d)", "def min_pool2d(X, k, stride=None, padding=0):\n    return X\n")])
    assert {f.category for f in nb.findings("pool2d_padded", "pooling", (1,))} == {"dynamic"}
    assert nb.findings("min_pool2d", "none", (2,)) == []


@pytest.mark.parametrize("module_level,spreads", [
    ("import gc\nfor o in gc.get_objects():\n    pass\n", True),                  # finds the recorder
    ("import sys\n_f = sys._getframe()\n", True),
    ("from torch.utils._python_dispatch import _disable_current_modes\n_disable_current_modes().__enter__()\n", True),
    ("import builtins\nbuiltins.set = list\n", True),                            # the recorder's set()
    ("class C:\n    import ctypes\n    lib = ctypes.CDLL(None)\n", True),     # a class body runs at once
    ("def _setup():\n    import gc\n    gc.collect()\n_setup()\n", True),       # called at module level
    ("import sys\nsys.path.insert(0, '/tmp')\n", True),                          # code from outside the cells
    ("import threading\n", False),
    ("import gc\nfrom torch.utils._python_dispatch import _disable_current_modes\n", False),   # imports run nothing
    ("import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n", False),
    ("torch.allclose = lambda *a: True\n", False),
    ("def _helper():\n    import gc\n", False),                                 # never run before a call
])
def test_module_level_tampering_that_blinds_the_recorder_counts_everywhere(module_level, spreads):
    nb = Notebook([("cell 1 (pool2d)", module_level + "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    assert bool(nb.findings("pool2d_padded", "pooling", (1,))) == spreads
    never_runs = module_level.startswith("def _helper")
    assert bool(nb.findings("pool2d", "pooling", (0,))) != never_runs      # its own cell's function pays


def test_deeply_nested_code_is_unverifiable_not_skipped():
    deep = "x = " + "+".join(["1"] * 100000) + "\n"
    nb = Notebook([("cell 1 (pool2d)", deep + "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    found = nb.findings("pool2d_padded", "pooling", (1,))
    assert nb.unparsed == [0] or {f.key for f in found} == {"check_budget"}
    # the step: a cell the parent could not parse but the child ran is review:unparsed_cell
    checker = CheckSource()
    checker.unparsed = (0,)
    labels = [AnswerCell(0, ("pool2d",), ""), AnswerCell(1, ("pool2d_padded",), "")]
    assert [flag_of(f) for f in checker.unparsed_flags({}, labels)] == ["review:unparsed_cell@cell1"]
    assert checker.unparsed_flags({"cell 1 (pool2d)": "SyntaxError: invalid syntax"}, labels) == []
    assert [flag_of(f) for f in checker.unparsed_flags({"cell 1 (pool2d)": "NameError: x"}, labels)] == \
        ["review:unparsed_cell@cell1"]


def test_folding_stays_cheap():
    for bomb in ("'a'.ljust(10**9)", "'%999999999s' % 'a'", "'{:>999999999}'.format('a')",
                 "('a' * 64).replace('a', 'a' * 64).replace('a', 'a' * 64).replace('a', 'a' * 64)"):
        assert findings(f"N = {bomb}\ndef pool2d(X, k, mode='max'):\n    return N\n") == []


def test_syntax_errors_are_left_to_the_child():
    assert findings("def pool2d(X, k, mode='max'):\n    return (\n") == []


# ------------------------------------------------------------------ the step: rows, messages, flags

def test_row_fields():
    code = "import threading\ndef pool2d(X, k, mode='max'):\n    threading.Thread(target=print).start()\n" \
           "    return F.max_pool2d(X, 2)\n"
    labels = cells = [AnswerCell(6, ("pool2d",), code)]
    checker = CheckSource()
    found = checker.check(cells, ["pool2d", "pool2d_padded"])
    rejected, reviews = checker.automatic(found), checker.reviews(found)
    assert list(rejected) == ["pool2d"] and [f.key for f in rejected["pool2d"]] == ["F.max_pool2d"]
    row = checker.row_fields("pool2d", rejected["pool2d"], labels, 2)
    assert row["points"] == 0.0 and row["status"] == "failed" and row["misconception"] == "forbidden_op"
    assert row["message"].startswith("禁止使用汇聚算子 F.max_pool2d（单元格 7 第 4 行）/ the pooling operator "
                                     "F.max_pool2d is not allowed (cell 7, line 4)")
    assert row["flags"] == {"forbidden_op:F.max_pool2d"}
    assert row["result"].points == 0.0 and not any(g.passed for g in row["result"].groups)
    from autograder.core.results import Row
    graded = Row("s", "pooling", "01_basics", "test_pool2d", points=2.0, max_points=2.0, status="passed",
                 feedback="pool2d: 2 / 2")
    fields = checker.review_fields(graded, reviews["pool2d"], labels)
    assert fields["flags"] == {"review:threads@cell7:line1", "review:threads@cell7:line3"}
    assert fields["feedback"].startswith("这个答案将由老师复核 / This answer will be reviewed by a person:")
    assert "单元格 7 第 3 行" in fields["feedback"] and "cell 7, line 3" in fields["feedback"]
    assert fields["feedback"].endswith("pool2d: 2 / 2")


@pytest.mark.parametrize("function,code,mid,flag", [
    ("pool2d", POOL["direct"], "forbidden_op", "forbidden_op:F.max_pool2d"),
    ("max_pool_conv_relu", BONUS["amax"][0], "conv_relu_only", "forbidden_op:amax"),
])
def test_misconception_and_flag(function, code, mid, flag):
    checker = CheckSource()
    labels = [AnswerCell(1, (function,), code)]
    found = checker.check(labels, [function])
    rejected = checker.automatic(found)
    row = checker.row_fields(function, rejected[function], labels, 1)
    assert row["misconception"] == mid
    assert flag in row["flags"]
    assert re.search(r"[\u4e00-\u9fff]", row["message"]) and "）/ " in row["message"]


def test_flags_have_no_separators():
    nb = Notebook([("cell 1 (pool2d)", "def pool2d(X, k, mode='max'):\n    torch._C.x; torch.x = 1\n")])
    found = nb.findings("pool2d", "pooling", (0,))
    assert found
    for f in found:
        assert re.fullmatch(r"(review:[a-z_]+@cell\d+:line\d+|forbidden_op:[\w.]+)", flag_of(f)), flag_of(f)


def test_answer_cells_are_typed():
    src = "def pool2d(X, k, mode='max'):\n    return X\ndef pool2d_padded(X, k):\n    return X\n"
    nb = {"cells": [{"cell_type": "markdown", "source": "", "metadata": {}},
                    {"cell_type": "code", "source": src, "metadata": {}}]}
    cell, = FindAnswers().find(nb, ["pool2d", "pool2d_padded"])
    assert cell == AnswerCell(1, ("pool2d", "pool2d_padded"), src)
    assert cell.number == 2 and cell.label == "cell 2 (pool2d, pool2d_padded)"


def test_a_checker_bug_fails_open(monkeypatch):
    import autograder.pipeline.check_source as cs

    def broken(cells, *entries):
        raise KeyError("bug")
    monkeypatch.setattr(cs, "Notebook", broken)
    cs._Checker._stop()                       # the next checker is forked with the bug in it
    checker = CheckSource()
    rejected = checker.check([AnswerCell(0, ("pool2d",), POOL["direct"])], ["pool2d"])
    assert not checker.over_budget
    cs._Checker._stop()
    assert rejected == {} and checker.error.startswith("KeyError")
    assert CHECK_ERROR == "source_check_error"


def test_every_answer_cell_of_the_source_parses():
    """The checker sees what the child runs: each source answer cell is valid Python."""
    for path in sorted((ROOT / "source" / "pooling").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        names = [f.name for f in functions.functions_in(path.stem)]
        for cell in runnable(FindAnswers().find(ReadNotebook().normalise(nb), names)):
            compile(cell.code, str(path), "exec")


# ------------------------------------------------------------------ every binding of a graded name

_POOLING_LAMBDA = "(lambda X, *a, **k: F.max_pool2d(X, 2))"
REBINDINGS = {
    "walrus_in_comprehension": f"[pool2d_padded := {_POOLING_LAMBDA} for _ in range(1)]\n",
    "walrus_in_nested_comprehension": f"[[pool2d_padded := {_POOLING_LAMBDA} for _ in '1'] for _ in '1']\n",
    "walrus_in_condition": "if (pool2d_padded := F.max_pool2d):\n    pass\n",
    "match_capture": f"match {_POOLING_LAMBDA}:\n    case pool2d_padded:\n        pass\n",
    "match_mapping_rest": f"match {{'a': 1}}:\n    case {{**pool2d_padded}}:\n        pool2d_padded = {_POOLING_LAMBDA}\n",
    "global_in_function": f"def setup():\n    global pool2d_padded\n    pool2d_padded = {_POOLING_LAMBDA}\nsetup()\n",
    "global_in_nested_class": f"def setup():\n    class C:\n        global pool2d_padded\n"
                              f"        pool2d_padded = {_POOLING_LAMBDA}\nsetup()\n",
    "for_target": f"for pool2d_padded in [{_POOLING_LAMBDA}]:\n    pass\n",
    "import_as": "from torch.nn.functional import max_pool2d as pool2d_padded\n",
    "with_as": "import contextlib\nwith contextlib.nullcontext(F.max_pool2d) as pool2d_padded:\n    pass\n",
    "except_as": "try:\n    raise ValueError\nexcept ValueError as pool2d_padded:\n    pool2d_padded = F.max_pool2d\n",
    "tuple_target": "a, (b, pool2d_padded) = 1, (2, F.max_pool2d)\n",
    "starred_target": "*a, pool2d_padded = [1, F.max_pool2d]\n",
    "del_and_rebind": "del pool2d_padded\npool2d_padded = F.max_pool2d\n",
    "alias_chain_5000": "a0 = F.max_pool2d\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(5000)) +
                        "pool2d_padded = a5000\n",
    "alias_chain_backwards": "pool2d_padded = a300\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(300)) +
                             "a0 = F.max_pool2d\n",
}


@pytest.mark.parametrize("name", sorted(REBINDINGS))
def test_every_binding_of_a_graded_name_is_seen(name):
    """A later cell rebinds the graded pool2d_padded to pooling, however Python binds names."""
    nb = Notebook([("cell 1 (pool2d)", REBINDINGS[name] + "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    found = nb.findings("pool2d_padded", "pooling", (1,))
    assert any(f.automatic and f.key == "F.max_pool2d" for f in found), found


def test_a_comprehension_variable_is_not_a_binding_of_the_global():
    nb = Notebook([("cell 1 (pool2d)", "xs = [F.max_pool2d for pool2d_padded in range(1)]\n"
                                       "def pool2d(X, k, mode='max'):\n    return X\n"),
                   ("cell 2 (pool2d_padded)", PADDED)])
    assert nb.findings("pool2d_padded", "pooling", (1,)) == []


# ------------------------------------------------------------------ honest answers learners write

HONEST_FILES = sorted((ROOT / "tests" / "hostile" / "ban").glob("honest_*.py"))


@pytest.mark.parametrize("path", HONEST_FILES, ids=lambda p: p.stem)
def test_honest_corpus_has_no_finding_of_either_kind(path):
    function = max((n for n in functions.BY_NAME if path.stem.endswith("_" + n)), key=len)
    assert findings(path.read_text(encoding="utf-8"), function=function) == []


@pytest.mark.parametrize("code", [
    "from torch.nn.modules.utils import _pair, _single, _triple, _quadruple, _ntuple\n",
    "import torch.nn.modules.utils as U\nP = U._pair\n",
    "P = torch.nn.functional._pair\n",
    "class Mine:\n    pass\nMine.helper = staticmethod(lambda v: (v, v))\nsetattr(Mine, 'k', 2)\n",
    "import functools\ncache = functools.lru_cache(maxsize=None)\n",
    "K = F.one_hot(torch.arange(4), 4).float()\n",
    "conv = nn.Conv2d(1, 4, 2, bias=False)\n",
    "kind = getattr(torch, 'amax')\n",
    "print('compare with max_pool2d:', 'max_pool2d')\n",
    "class Mine:\n    def maxpool(self, w):\n        return w.amax()\n    def max_pool2d(self, w):\n"
    "        return self.maxpool(w)\nM = Mine()\nY = M.max_pool2d(torch.ones(2))\n",
])
def test_inert_helpers_are_not_accusations(code):
    nb = Notebook([("cell 1 (pool2d)", code + "def pool2d(X, k, mode='max'):\n    return Y if 0 else X\n"
                                              if "Y =" in code else code + "def pool2d(X, k, mode='max'):\n    return X\n")])
    assert nb.findings("pool2d", "pooling", (0,)) == []
    if "amax" not in code:
        nb = Notebook([("cell 1 (max_pool_conv_relu)", code + "def max_pool_conv_relu(X, pool_size=2):\n    return X\n")])
        assert nb.findings("max_pool_conv_relu", "conv_relu_only", (0,)) == []


def test_look_up_primitives_are_known_by_identity_not_spelling():
    from course.source_rules.policy import canonical
    assert canonical("_operator.attrgetter") == "operator.attrgetter"
    assert canonical("operator.methodcaller") == "operator.methodcaller"
    assert canonical("torch.nn.functional.conv2d") == "torch.nn.functional.conv2d"


def test_rows_carry_review_flags_typed():
    from autograder.core.results import Row
    row = Row("s", "pooling", "01_basics", "test_pool2d", flags={"review:gc@cell3:line2", "solution_copy", "review:check_budget"})
    assert row.reviews == ("review:check_budget", "review:gc@cell3:line2")
    assert Row.from_csv(dict(zip(("student_id", "assignment", "notebook", "grade_id", "points", "max_points",
                                  "flags"), ("s", "a", "n", "g", "1", "2", row.to_csv()[-1])))).reviews == row.reviews


# ------------------------------------------------------------------ the bonus: computation on X (taint.py)

_BONUS_TAIL = """
    N, C, H, W = X.shape
    G = F.conv2d(X.reshape(N * C, 1, H, W), K, stride=k)
    m = G[:, :1]
    for i in range(1, P):
        m = m + F.relu(G[:, i:i + 1] - m)
    return m.reshape(N, C, H // k, W // k)
"""
_BONUS_HEAD = "def max_pool_conv_relu(X, pool_size=2):\n    k = pool_size if isinstance(pool_size, int) else pool_size[0]\n"


@pytest.mark.parametrize("kernel", [
    "    P = int(torch.tensor([k, k]).prod().item())\n    K = torch.eye(P, dtype=X.dtype).reshape(P, 1, k, k)\n",
    "    P = k * k\n    idx = torch.arange(P)\n"
    "    K = torch.where(idx[:, None] == idx[None, :], 1.0, 0.0).to(X.dtype).reshape(P, 1, k, k)\n",
    "    P = k * k\n    K = torch.tensor(__import__('numpy').eye(P).tolist(), dtype=X.dtype).reshape(P, 1, k, k)\n",
    "    P = k * k\n    K = torch.eye(P, dtype=X.dtype).reshape(P, 1, k, k)\n"
    "    assert K.sum(dim=0).max() == 1 and K.abs().sum() == P and K.clamp(0, 1).equal(K)\n",
    "    P = k * k\n    K = torch.zeros(P, 1, k, k, dtype=X.dtype)\n    K.view(P, -1)[torch.arange(P), torch.arange(P)] = 1\n"
    "    assert sorted(K.flatten().tolist()).count(1.0) == P\n",
], ids=["item", "where", "numpy_tolist", "assert_max_abs", "sorted_tolist"])
def test_a_constant_kernel_may_be_built_with_anything(kernel):
    """The bonus forbids operators on data derived from X, not on the constants it builds."""
    code = _BONUS_HEAD + kernel + _BONUS_TAIL
    assert [f for f in findings(code, function="max_pool_conv_relu") if f[1] == "bonus"] == []


_BONUS_ATTACKS = {
    "helper": "def h(t):\n    return t.amax(dim=(-1,-2))\ndef max_pool_conv_relu(X, pool_size=2):\n"
              "    return h(X.unfold(2,2,2).unfold(3,2,2))\n",
    "append": "def max_pool_conv_relu(X, pool_size=2):\n    L = []\n    L.append(X)\n    return L[0].amax()\n",
    "index_into_const": "def max_pool_conv_relu(X, pool_size=2):\n    K = torch.zeros(X.shape)\n    K[...] = X\n"
                        "    return K.max()\n",
    "view_write": "def max_pool_conv_relu(X, pool_size=2):\n    K = torch.zeros(X.shape)\n    V = K.view(-1)\n"
                  "    V.copy_(X.reshape(-1))\n    return K.max()\n",
    "out_kw": "def max_pool_conv_relu(X, pool_size=2):\n    K = torch.zeros(X.shape)\n    torch.add(X, 0, out=K)\n"
              "    return torch.amax(K)\n",
    "inplace_fn": "def max_pool_conv_relu(X, pool_size=2):\n    K = torch.zeros(X.shape)\n"
                  "    torch.Tensor.copy_(K, X)\n    return K.max()\n",
    "np_copyto": "import numpy as np\ndef max_pool_conv_relu(X, pool_size=2):\n    K = np.zeros(X.shape)\n"
                 "    np.copyto(K, X)\n    return torch.tensor(K).max()\n",
    "global": "G = None\ndef set_(x):\n    global G\n    G = x\ndef max_pool_conv_relu(X, pool_size=2):\n"
              "    set_(X)\n    return G.max()\n",
    "closure": "def max_pool_conv_relu(X, pool_size=2):\n    f = lambda: X * 1\n    y = f()\n    return y.max()\n",
    "swap_decorator": "def swap(f):\n    return lambda X, k=2: f(k, X)\n@swap\ndef max_pool_conv_relu(pool_size, X):\n"
                      "    return X.max()\n",
    "rebind": "def _impl(pool_size, X):\n    return X.max()\ndef max_pool_conv_relu(pool_size, X=None):\n"
              "    return X.max()\nmax_pool_conv_relu = lambda X, k=2: _impl(k, X)\n",
    "recursion": "def max_pool_conv_relu(X, pool_size=2):\n    if isinstance(pool_size, int):\n"
                 "        return max_pool_conv_relu(X, X)\n    return pool_size.max()\n",
    "own_shape_attribute": "class H:\n    pass\ndef max_pool_conv_relu(X, pool_size=2):\n    h = H()\n    h.shape = X\n"
                           "    return h.shape.max()\n",
    "dict_store": "def max_pool_conv_relu(X, pool_size=2):\n    d = {}\n    d['x'] = X\n    return d['x'].max()\n",
    "object": "class H:\n    def __init__(self, x):\n        self.x = x\ndef max_pool_conv_relu(X, pool_size=2):\n"
              "    return H(X).x.max()\n",
    "for_iter": "def max_pool_conv_relu(X, pool_size=2):\n    for row in X:\n        r = row\n    return r.max()\n",
    "with_as": "def max_pool_conv_relu(X, pool_size=2):\n    import contextlib\n"
               "    with contextlib.nullcontext(X) as t:\n        return t.max()\n",
    "from_import": "from torch import maximum\ndef max_pool_conv_relu(X, pool_size=2):\n"
                   "    return maximum(X[..., ::2], X[..., 1::2])\n",
    "passed_around": "def max_pool_conv_relu(X, pool_size=2):\n    f = torch.maximum\n    return f(X, X)\n",
    "exec_string": "def max_pool_conv_relu(X, pool_size=2):\n    exec('y = K.max()')\n    return X\n",
}


@pytest.mark.parametrize("name", sorted(_BONUS_ATTACKS))
def test_data_derived_from_x_is_followed_however_it_flows(name):
    found = findings(_BONUS_ATTACKS[name], function="max_pool_conv_relu")
    assert any(c == "bonus" for _line, c, _key in found), found


@pytest.mark.parametrize("code", [
    "from torch.nn.functional import *\ndef pool2d(X, pool_size, mode='max'):\n"
    "    k = pool_size if isinstance(pool_size, int) else max(pool_size)\n    return unfold(X[None, None], k)\n",
])
def test_a_star_import_binds_what_the_module_exports(code):
    assert findings(code) == []


@pytest.mark.parametrize("module", ["torch.nn.functional", "torch", "torch.ops.aten"])
def test_a_star_import_of_a_pooling_name_is_still_plain(module):
    code = f"from {module} import *\ndef pool2d(X, pool_size, mode='max'):\n    return max_pool2d(X[None, None], pool_size, 1)[0, 0]\n"
    assert any(c == "pool" for _line, c, _key in findings(code))


@pytest.mark.parametrize("line", ["torch.backends.cudnn.deterministic = True", "torch.backends.cudnn.benchmark = False",
                                  "torch.backends.mkldnn.enabled = False"])
def test_setting_a_torch_flag_is_not_a_patch(line):
    """The flag's own setter runs (a data descriptor of torch's module): no code is replaced."""
    assert findings(line + "\ndef pool2d(X, pool_size, mode='max'):\n    return X\n") == []


@pytest.mark.parametrize("line", ["torch.nn.functional.relu = None", "torch.Tensor.max = 1",
                                  "torch.backends.cudnn = None", "torch.nn.functional.conv2d = print",
                                  "torch.overrides.x = True"])
def test_replacing_torch_code_is_still_a_patch(line):
    found = findings(line + "\ndef pool2d(X, pool_size, mode='max'):\n    return X\n")
    assert any(c == "tampering" and k.endswith(" =") for _l, c, k in found), found


def test_a_write_into_a_view_does_not_derive_the_module_that_built_it():
    """``eye[...].expand(C, C, *pool_size)`` in another function writes into ``eye`` (a view of
    ``torch.eye(C)``): that derives ``eye``'s data, never ``torch`` itself, so the bonus's own
    constant kernel (``torch.where`` on index tensors) stays a constant."""
    honest = ROOT / "tests" / "hostile" / "honest"
    other = (honest / "avg_pool_as_conv_eye_kernel.py").read_text(encoding="utf-8")
    bonus = (honest / "max_pool_conv_relu_const_item_where.py").read_text(encoding="utf-8")
    nb = Notebook([("cell 1 (avg_pool_as_conv)", other), ("cell 2 (max_pool_conv_relu)", bonus)],
                  ["max_pool_conv_relu"])
    assert nb.findings("max_pool_conv_relu", "conv_relu_only", (1,)) == []
