"""Degenerate implementations: answers that ignore what the function is about.

Every graded function must give each of them exactly 0 points. They are
generic: ``DEGENERATES[label](template)`` is a function ``fn(*args, **kwargs)``
for any graded function, where ``template`` is the torch reference's output
for the same call (computed by the caller outside the op recorder, so only
its shape, dtype and type are used: never its values).

The file sits beside the per-function folders, not in one, so the mutant
corpus (``tests/mutants/*/*.py``) does not pick it up.
"""
import torch

BAD_MODE_CHECK = ("max", "avg")


def _first_tensor(args):
    return next((a for a in args if isinstance(a, torch.Tensor)), None)


def _like(template, value):
    """``value`` in the shape and type of the reference's output."""
    if isinstance(template, torch.Tensor):
        return torch.full(template.shape, float(value), dtype=template.dtype)
    if isinstance(template, tuple):
        return tuple(int(value) for _ in template)
    return value


def _constant(value):
    return lambda template: lambda *args, **kwargs: _like(template, value)


def _raises(exc):
    def make(template):
        def fn(*args, **kwargs):
            raise exc("degenerate")
        return fn
    return make


def _argument(i):
    """Returns its i-th positional argument unchanged (identity on X, grad_out, h, ...)."""
    return lambda template: lambda *args, **kwargs: args[i] if i < len(args) else None


def _first_element(template):
    def fn(*args, **kwargs):
        X = _first_tensor(args)
        return args[0] if X is None else X.flatten()[0].clone()
    return fn


def _first_element_everywhere(template):
    def fn(*args, **kwargs):
        X = _first_tensor(args)
        return _like(template, args[0] if X is None else float(X.flatten()[0]))
    return fn


def _zeros_of_input(template):
    def fn(*args, **kwargs):
        X = _first_tensor(args)
        return 0 if X is None else torch.zeros_like(X)
    return fn


def _whole_input(reduce):
    """One statistic of the whole input (its max, its mean) everywhere in the output's shape."""
    def make(template):
        def fn(*args, **kwargs):
            X = _first_tensor(args)
            return _like(template, args[0] if X is None else float(reduce(X)))
        return fn
    return make


def _input_cropped(template):
    """The input's top-left corner in the output's shape (right for 1x1 windows only)."""
    def fn(*args, **kwargs):
        X = _first_tensor(args)
        if X is None or not isinstance(template, torch.Tensor):
            return args[0]
        return X[tuple(slice(0, n) for n in template.shape)].clone()
    return fn


def _first_two(template):
    """``(h, w)`` for the shape functions; a tuple of whatever comes first elsewhere."""
    return lambda *args, **kwargs: tuple(args[:2])


def _checks_mode(make_inner):
    """Raises ValueError for an unknown ``mode`` (as the contract asks), otherwise degenerate."""
    def make(template):
        inner = make_inner(template)

        def fn(*args, **kwargs):
            modes = [v for v in list(args) + list(kwargs.values()) if isinstance(v, str)]
            if any(m not in BAD_MODE_CHECK for m in modes):
                raise ValueError(f"unknown mode {modes}")
            return inner(*args, **kwargs)
        return fn
    return make


DEGENERATES = {
    "identity": _argument(0),
    "second_argument": _argument(1),
    "first_two_arguments": _first_two,
    "zeros": _constant(0),
    "ones": _constant(1),
    "half": _constant(0.5),
    "minus_one": _constant(-1),
    "two": _constant(2),
    "ten": _constant(10),
    "forty_two": _constant(42),
    "zeros_of_input_shape": _zeros_of_input,
    "first_element": _first_element,
    "first_element_everywhere": _first_element_everywhere,
    "input_max_everywhere": _whole_input(torch.max),
    "input_mean_everywhere": _whole_input(torch.mean),
    "input_cropped": _input_cropped,
    "python_zero": lambda template: lambda *args, **kwargs: 0,
    "python_float": lambda template: lambda *args, **kwargs: 0.5,
    "none": lambda template: lambda *args, **kwargs: None,
    "raises_ValueError": _raises(ValueError),
    "raises_NotImplementedError": _raises(NotImplementedError),
    "raises_TypeError": _raises(TypeError),
    "raises_RuntimeError": _raises(RuntimeError),
    "raises_IndexError": _raises(IndexError),
    "raises_Exception": _raises(Exception),
    "mode_check_then_identity": _checks_mode(_argument(0)),
    "mode_check_then_zeros": _checks_mode(_constant(0)),
    "mode_check_then_first_two": _checks_mode(_first_two),
}
