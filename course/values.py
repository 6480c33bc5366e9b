"""One encoding of values -- tensors, tuples, numbers, dtypes -- as JSON plus raw byte buffers.

Used on both sides of the kit: the sandbox's wire protocol
(``autograder/sandbox/protocol.py``) carries the student's arguments and return
values with it, and ``course/public_cases.json`` stores the public cases with it
(``to_json`` / ``from_json``: the buffers inline, as base64). So a public case
reaches ``check()`` exactly as a hidden case reaches the student's function in
the sandbox: same dtype, shape and strides.

  ========================  ===============================================
  ``{"$t": [...]}``         tuple
  ``{"$d": {...}}``         dict with str keys
  ``{"$f": "nan"}``         non-finite float (``"nan"``, ``"inf"``, ``"-inf"``)
  ``{"$dtype": "float32"}`` a torch dtype
  ``{"$tensor": i, ...}``   tensor: buffer ``i`` holds the bytes of the storage
                            span the view touches, plus dtype, shape, stride,
                            offset (into the span) and requires_grad, so a
                            non-contiguous input stays non-contiguous
  ``{"$u": "typename"}``    something the encoding cannot carry
  ========================  ===============================================

Never pickle: decoding only ever builds None/bool/int/float/str, lists,
tuples, dicts, dtypes and plain ``torch.Tensor`` objects.

What the sandboxed child sends is hostile, so decoding is bounded: nesting
(``MAX_DEPTH``), dimensions, integer size, tensors per message; a tensor is
decoded only if its shape, strides and offset reach nothing outside the bytes
sent, and only up to ``MAX_ELEMENTS`` elements (per tensor and per message), so
a 4-byte buffer cannot pose as a 2^29-element view; a view with overlapping or
zero strides (more elements than bytes sent) may have at most ``MAX_OVERLAP``
elements, so whatever the parent later does with it (compare, hash, print)
copies at most that much more than was sent.  Decoding raises
``ProtocolError`` and nothing else.

Imports only the standard library and torch: the student package ships it,
and the sandboxed child loads it (through ``protocol.py``) before its jail.
"""
import base64
import math

import torch

MAX_BUFFERS = 256              # tensors per message
MAX_DEPTH = 32                 # nesting of lists/tuples/dicts
MAX_NDIM = 16
MAX_INT_DIGITS = 4000          # below CPython's own int-parsing guard
MAX_ELEMENTS = 1 << 24         # elements of a decoded tensor, and of all tensors of one message
MAX_OVERLAP = 1 << 20          # elements of a view with more elements than its buffer holds

DTYPES = {
    name: getattr(torch, name)
    for name in ("float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                 "uint8", "int8", "int16", "int32", "int64", "bool")
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
_ITEMSIZE = {v: torch.empty((), dtype=v).element_size() for v in DTYPES.values()}


class ProtocolError(Exception):
    """Not a valid encoded value (or too much of one)."""


class Unsupported:
    """Stands for a value the sender could not encode (e.g. a numpy array)."""

    def __init__(self, typename):
        self.typename = str(typename)[:100]

    def __repr__(self):
        return f"<unsupported {self.typename}>"

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.typename == self.typename

    __hash__ = None


def encode(value, buffers: list, depth=0):
    """Python value -> JSON-able object; tensor bytes are appended to `buffers`.

    Runs after the call, outside the op recorder: so it runs none of the value's own code.
    A subclass's or an instance's overrides (``t.detach = ...``, a list whose ``__iter__`` or a
    float whose ``__ne__`` computes) would run there unrecorded; every access below goes
    through the base class (``_T.detach(t)``, ``list.__iter__(v)``), never the value."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value if type(value) in (bool, str) or value is None else str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        value = float.__float__(value)
        if math.isfinite(value):
            return value
        return {"$f": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, buffers)
    if isinstance(value, torch.dtype):
        if value not in DTYPE_NAMES:
            return {"$u": f"torch.{value}"}
        return {"$dtype": DTYPE_NAMES[value]}
    if isinstance(value, (tuple, torch.Size)):
        return {"$t": [encode(v, buffers, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(v, buffers, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in dict.__iter__(value)):
        return {"$d": {str.__str__(k): encode(v, buffers, depth + 1) for k, v in dict.items(value)}}
    return {"$u": type(value).__qualname__}


_T = torch.Tensor


def _encode_tensor(t, buffers):
    if len(buffers) >= MAX_BUFFERS:
        raise ProtocolError("too many tensors")
    # Read the raw data without running any __torch_function__ override a subclass might carry,
    # nor a method an instance carries (``t.detach = ...``): what is sent is exactly what is in
    # memory. Properties (shape, dtype, layout ...) are the class's data descriptors.
    with torch._C.DisableTorchFunction():
        requires_grad = bool(t.requires_grad)
        t = torch.Tensor._make_subclass(torch.Tensor, _T.detach(t)) if type(t) is not torch.Tensor else _T.detach(t)
        if t.layout != torch.strided:
            t = _T.to_dense(t)
        if t.device.type != "cpu":
            t = _T.cpu(t)
        t = _T.resolve_neg(_T.resolve_conj(t))
        if t.dtype not in DTYPE_NAMES:
            return {"$u": f"tensor of {t.dtype}"}
        shape, stride = list(t.shape), list(_T.stride(t))
        if any(s < 0 for s in stride):
            t = _T.contiguous(t)
            shape, stride = list(t.shape), list(_T.stride(t))
        span = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, stride))
        if span:
            flat = torch.as_strided(t, (span,), (1,), _T.storage_offset(t))
            data = flat.clone().view(torch.uint8).numpy().tobytes() if t.dtype != torch.bool \
                else flat.clone().to(torch.uint8).numpy().tobytes()
        else:
            data = b""
    buffers.append(data)
    return {"$tensor": len(buffers) - 1, "dtype": DTYPE_NAMES[t.dtype], "shape": shape,
            "stride": stride, "requires_grad": requires_grad}


def decode(obj, buffers, depth=0):
    """JSON object from `encode` -> Python value. Raises ProtocolError (only) on anything odd."""
    try:
        return _decode(obj, buffers, depth, [MAX_ELEMENTS])
    except ProtocolError:
        raise
    except (RecursionError, MemoryError):
        raise ProtocolError("value too large or nested too deeply") from None
    except Exception as e:                        # a check we missed must still not reach the caller
        raise ProtocolError(f"bad value ({type(e).__name__})") from None


def _decode(obj, buffers, depth, budget):
    """`decode` proper; `budget` is a one-item list: tensor elements the message may still hold."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or isinstance(obj, (bool, str, float)):
        return obj
    if isinstance(obj, int):
        if abs(obj).bit_length() > MAX_INT_DIGITS * 3:
            raise ProtocolError("integer too large")
        return obj
    if isinstance(obj, list):
        return [_decode(v, buffers, depth + 1, budget) for v in obj]
    if not isinstance(obj, dict) or len(obj) == 0:
        raise ProtocolError("bad value")
    if "$tensor" in obj:
        return _decode_tensor(obj, buffers, budget)
    if len(obj) != 1:
        raise ProtocolError("bad tagged value")
    (tag, v), = obj.items()
    if tag == "$t" and isinstance(v, list):
        return tuple(_decode(x, buffers, depth + 1, budget) for x in v)
    if tag == "$d" and isinstance(v, dict):
        return {str(k): _decode(x, buffers, depth + 1, budget) for k, x in v.items()}
    if tag == "$f" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag == "$dtype" and isinstance(v, str) and v in DTYPES:
        return DTYPES[v]
    if tag == "$u" and isinstance(v, str):
        return Unsupported(v)
    raise ProtocolError("unknown tag")


_TENSOR_KEYS = frozenset({"$tensor", "dtype", "shape", "stride", "offset", "requires_grad"})


def _int_list(v, lo):
    """`v` is a list of at most MAX_NDIM plain ints, each >= lo."""
    return (isinstance(v, list) and len(v) <= MAX_NDIM
            and all(type(n) is int and lo <= n < 2 ** 48 for n in v))


def _tensor_header(obj, buffers):
    """Validated (buffer, dtype, shape, stride, offset, requires_grad) of a tensor entry."""
    i, name = obj.get("$tensor"), obj.get("dtype")
    shape, stride = obj.get("shape"), obj.get("stride")
    offset, rg = obj.get("offset", 0), obj.get("requires_grad", False)
    if not set(obj) <= _TENSOR_KEYS or type(i) is not int or not 0 <= i < len(buffers):
        raise ProtocolError("bad tensor header")
    if not isinstance(name, str) or name not in DTYPES or type(rg) is not bool:
        raise ProtocolError("bad tensor dtype")
    if not (_int_list(shape, 0) and _int_list(stride, 0) and len(shape) == len(stride)
            and type(offset) is int and 0 <= offset < 2 ** 48):
        raise ProtocolError("bad tensor shape/stride/offset")
    return buffers[i], DTYPES[name], shape, stride, offset, rg


def _decode_tensor(obj, buffers, budget):
    """A plain tensor over the bytes sent, if its view stays inside them and within the caps."""
    buf, dtype, shape, stride, offset, rg = _tensor_header(obj, buffers)
    numel = 1
    for n in shape:
        numel *= n
        if numel > MAX_ELEMENTS:
            raise ProtocolError(f"tensor has too many elements (more than {MAX_ELEMENTS})")
    if numel > budget[0]:
        raise ProtocolError(f"tensors have too many elements in all (more than {MAX_ELEMENTS})")
    budget[0] -= numel
    itemsize = _ITEMSIZE[dtype]
    # Elements the view reaches: offset .. offset + max index. The buffer must be exactly that.
    span = 0 if numel == 0 else offset + 1 + sum((n - 1) * s for n, s in zip(shape, stride))
    if len(buf) != span * itemsize:
        raise ProtocolError("tensor buffer size does not match shape/stride/offset")
    if numel > max(span, MAX_OVERLAP):
        raise ProtocolError(f"overlapping view has too many elements (more than {MAX_OVERLAP})")
    if span == 0:
        base = torch.empty(0, dtype=dtype)
    elif dtype == torch.bool:
        base = torch.frombuffer(buf, dtype=torch.uint8).to(torch.bool)
    else:
        base = torch.frombuffer(buf, dtype=torch.uint8).view(dtype)
    # Overlapping or zero strides stay views: at most MAX_OVERLAP elements, over the bytes sent.
    t = torch.as_strided(base, shape, stride, offset if span else 0)
    if rg and (dtype.is_floating_point or dtype.is_complex):
        t = t.detach().requires_grad_(True)
    return t


# ---------------------------------------------------------------- in a JSON file

def to_json(value):
    """One value as a self-contained JSON-able object: the encoding, its buffers as base64."""
    buffers = []
    obj = encode(value, buffers)
    if not buffers:
        return {"v": obj}
    return {"v": obj, "b": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]}


def from_json(record):
    """The value of a ``to_json`` object (decoded with every bound of ``decode``)."""
    if not isinstance(record, dict) or "v" not in record:
        raise ProtocolError("bad value record")
    try:
        buffers = [bytearray(base64.b64decode(b, validate=True)) for b in record.get("b", [])]
    except (TypeError, ValueError):
        raise ProtocolError("bad value buffer") from None
    if len(buffers) > MAX_BUFFERS:
        raise ProtocolError("too many tensors")
    return decode(record["v"], buffers)
