"""The wire protocol between the trusted grader and the untrusted child.

This file is the trust boundary; keep it small enough to audit in one sitting.

* A *frame* is a 4-byte big-endian length followed by that many bytes.
* A *message* is one JSON frame (UTF-8) followed by ``n`` raw buffer frames,
  where ``n`` is the JSON's ``"nbuf"`` field.
* Values are encoded as JSON with a few tagged objects:

  ========================  ===============================================
  ``{"$t": [...]}``         tuple
  ``{"$d": {...}}``         dict with str keys
  ``{"$f": "nan"}``         non-finite float (``"nan"``, ``"inf"``, ``"-inf"``)
  ``{"$dtype": "float32"}`` a torch dtype
  ``{"$tensor": i, ...}``   tensor: buffer ``i`` holds the bytes of the storage
                            span the view touches, plus dtype, shape, stride,
                            offset (into the span) and requires_grad, so a
                            non-contiguous input stays non-contiguous
  ``{"$u": "typename"}``    something the protocol cannot carry (child only)
  ========================  ===============================================

Never pickle: decoding only ever builds None/bool/int/float/str, lists,
tuples, dicts, dtypes and plain ``torch.Tensor`` objects.  Every size is capped.

Whatever the child sends is hostile, so the parent's memory follows the bytes
that actually arrived, never the sizes a header announces: frames are read
into buffers that grow as data comes in; a JSON frame may hold at most
``MAX_JSON_ITEMS`` values; a tensor is decoded only if its shape, strides and
offset reach nothing outside the bytes sent, and only up to ``MAX_ELEMENTS``
elements (per tensor and per message), so a 4-byte buffer cannot pose as a
2^29-element view; a view with overlapping or zero strides (more elements
than bytes sent) may have at most ``MAX_OVERLAP`` elements, so whatever the
parent later does with it (compare, hash, print) copies at most that much
more than was sent.  Decoding raises ``ProtocolError`` and nothing else.

This module imports only the standard library and torch, because the child
(which runs inside the jail, without the grader package) loads it too.
"""
import json
import math
import socket
import struct

import torch

MAX_FRAME = 256 << 20          # one frame
MAX_MESSAGE = 512 << 20        # JSON + all buffers of one message
MAX_JSON = 8 << 20             # the JSON part
MAX_BUFFERS = 256              # tensors per message
MAX_DEPTH = 32                 # nesting of lists/tuples/dicts
MAX_NDIM = 16
MAX_INT_DIGITS = 4000          # below CPython's own int-parsing guard
MAX_JSON_ITEMS = 1 << 18       # JSON values of one message (bounds the Python objects it becomes)
MAX_ELEMENTS = 1 << 24         # elements of a decoded tensor, and of all tensors of one message
MAX_OVERLAP = 1 << 20          # elements of a view with more elements than its buffer holds
_READ_STEP = 1 << 16           # first read size; buffers double only as bytes arrive

DTYPES = {
    name: getattr(torch, name)
    for name in ("float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                 "uint8", "int8", "int16", "int32", "int64", "bool")
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
_ITEMSIZE = {v: torch.empty((), dtype=v).element_size() for v in DTYPES.values()}
_HDR = struct.Struct("!I")


class ProtocolError(Exception):
    """The peer sent something that is not a valid message (or too much of it)."""


class Unsupported:
    """Stands for a value the child could not encode (e.g. a numpy array)."""

    def __init__(self, typename):
        self.typename = str(typename)[:100]

    def __repr__(self):
        return f"<unsupported {self.typename}>"

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.typename == self.typename

    __hash__ = None


# ---------------------------------------------------------------- framing

def _recv_exact(sock, n):
    """Read exactly `n` bytes. The buffer grows (doubling) as bytes arrive, so a peer
    that announces a huge frame and sends little costs little."""
    buf = bytearray(min(n, _READ_STEP))
    got = 0
    while got < n:
        if got == len(buf):
            buf.extend(bytes(min(len(buf), n - len(buf))))
        with memoryview(buf) as view:             # released before the next resize
            k = sock.recv_into(view[got:], len(buf) - got)
        if k == 0:
            raise EOFError("peer closed the connection")
        got += k
    return buf


def send_message(sock, header: dict, buffers=()):
    """Send one message: a JSON header and raw buffers (bytes-like)."""
    header = dict(header, nbuf=len(buffers))
    data = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    parts = [_HDR.pack(len(data)), data]
    for b in buffers:
        b = memoryview(b).cast("B")
        parts.append(_HDR.pack(len(b)))
        parts.append(b)
    sock.sendall(b"".join(parts))


def recv_message(sock, max_message=MAX_MESSAGE):
    """Receive one message -> (header dict, list of bytearrays). Raises ProtocolError/EOFError."""
    (n,) = _HDR.unpack(_recv_exact(sock, 4))
    if n > min(MAX_JSON, max_message):
        raise ProtocolError(f"JSON frame too large ({n} bytes)")
    header = _parse_json(bytes(_recv_exact(sock, n)))
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    nbuf = header.get("nbuf", 0)
    if type(nbuf) is not int or not 0 <= nbuf <= MAX_BUFFERS:
        raise ProtocolError("bad buffer count")
    total = n
    buffers = []
    for _ in range(nbuf):
        (m,) = _HDR.unpack(_recv_exact(sock, 4))
        total += m
        if m > MAX_FRAME or total > max_message:
            raise ProtocolError(f"message too large ({total} bytes)")
        buffers.append(_recv_exact(sock, m))
    return header, buffers


def _parse_json(data):
    """JSON bytes -> object, refusing frames with more than MAX_JSON_ITEMS values.

    Every value after the first in an array or object follows a ',' and every
    container starts with '[' or '{': counting those bytes (strings included,
    which only errs on the strict side) bounds the objects json.loads makes.
    """
    items = sum(data.count(c) for c in (b",", b"[", b"{"))
    if items > MAX_JSON_ITEMS:
        raise ProtocolError(f"JSON frame has too many values ({items})")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise ProtocolError("bad JSON") from None


# ---------------------------------------------------------------- values

def encode(value, buffers: list, depth=0):
    """Python value -> JSON-able object; tensor bytes are appended to `buffers`."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return {"$f": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, buffers)
    if isinstance(value, torch.dtype):
        if value not in DTYPE_NAMES:
            return {"$u": f"torch.{value}"}
        return {"$dtype": DTYPE_NAMES[value]}
    if isinstance(value, (tuple, torch.Size)):
        return {"$t": [encode(v, buffers, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, buffers, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$d": {k: encode(v, buffers, depth + 1) for k, v in value.items()}}
    return {"$u": type(value).__qualname__}


def _encode_tensor(t, buffers):
    if len(buffers) >= MAX_BUFFERS:
        raise ProtocolError("too many tensors")
    # Read the raw data without running any __torch_function__ override a
    # subclass might carry: what is sent is exactly what is in memory.
    with torch._C.DisableTorchFunction():
        requires_grad = bool(t.requires_grad)
        t = torch.Tensor._make_subclass(torch.Tensor, t.detach()) if type(t) is not torch.Tensor else t.detach()
        if t.layout != torch.strided:
            t = t.to_dense()
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.resolve_conj().resolve_neg()
        if t.dtype not in DTYPE_NAMES:
            return {"$u": f"tensor of {t.dtype}"}
        shape, stride = list(t.shape), list(t.stride())
        if any(s < 0 for s in stride):
            t = t.contiguous()
            shape, stride = list(t.shape), list(t.stride())
        span = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, stride))
        if span:
            flat = torch.as_strided(t, (span,), (1,), t.storage_offset())
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


def pack(header: dict, **values):
    """Encode keyword values into `header`; return (header, buffers)."""
    buffers = []
    for k, v in values.items():
        header[k] = encode(v, buffers)
    return header, buffers


def socketpair():
    """A connected pair of stream sockets (parent end, child end)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
