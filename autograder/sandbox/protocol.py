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

DTYPES = {
    name: getattr(torch, name)
    for name in ("float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                 "uint8", "int8", "int16", "int32", "int64", "bool")
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
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
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
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
    try:
        header = json.loads(bytes(_recv_exact(sock, n)).decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"bad JSON: {str(e)[:80]}") from None
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
    """JSON object from `encode` -> Python value. Raises ProtocolError on anything odd."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or isinstance(obj, (bool, str, float)):
        return obj
    if isinstance(obj, int):
        if abs(obj).bit_length() > MAX_INT_DIGITS * 3:
            raise ProtocolError("integer too large")
        return obj
    if isinstance(obj, list):
        return [decode(v, buffers, depth + 1) for v in obj]
    if not isinstance(obj, dict) or len(obj) == 0:
        raise ProtocolError("bad value")
    if "$tensor" in obj:
        return _decode_tensor(obj, buffers)
    if len(obj) != 1:
        raise ProtocolError("bad tagged value")
    (tag, v), = obj.items()
    if tag == "$t" and isinstance(v, list):
        return tuple(decode(x, buffers, depth + 1) for x in v)
    if tag == "$d" and isinstance(v, dict):
        return {str(k): decode(x, buffers, depth + 1) for k, x in v.items()}
    if tag == "$f" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag == "$dtype" and v in DTYPES:
        return DTYPES[v]
    if tag == "$u":
        return Unsupported(v)
    raise ProtocolError(f"unknown tag {str(tag)[:20]}")


def _decode_tensor(obj, buffers):
    try:
        i, dtype = obj["$tensor"], DTYPES[obj["dtype"]]
        shape, stride = obj["shape"], obj["stride"]
        rg = obj.get("requires_grad", False)
        buf = buffers[i]
    except (KeyError, IndexError, TypeError):
        raise ProtocolError("bad tensor header") from None
    ok = (type(i) is int and isinstance(shape, list) and isinstance(stride, list)
          and len(shape) == len(stride) <= MAX_NDIM and type(rg) is bool
          and all(type(n) is int and 0 <= n < 2 ** 40 for n in shape)
          and all(type(s) is int and 0 <= s < 2 ** 40 for s in stride))
    if not ok:
        raise ProtocolError("bad tensor shape/stride")
    itemsize = torch.empty((), dtype=dtype).element_size()
    span = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, stride))
    if len(buf) != span * itemsize:
        raise ProtocolError("tensor buffer size does not match shape/stride")
    if span == 0:
        base = torch.empty(0, dtype=dtype)
    elif dtype == torch.bool:
        base = torch.frombuffer(buf, dtype=torch.uint8).to(torch.bool)
    else:
        base = torch.frombuffer(buf, dtype=torch.uint8).view(dtype)
    t = torch.as_strided(base, shape, stride, 0)
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
