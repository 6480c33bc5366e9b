"""The wire protocol between the trusted grader and the untrusted child.

This file is the trust boundary; keep it small enough to audit in one sitting.

* A *frame* is a 4-byte big-endian length followed by that many bytes.
* A *message* is one JSON frame (UTF-8) followed by ``n`` raw buffer frames,
  where ``n`` is the JSON's ``"nbuf"`` field.
* Values are encoded by ``course/values.py`` (JSON with a few tagged objects,
  tensors as raw buffer frames), the kit's one value encoding: never pickle,
  every size capped, decoding raises ``ProtocolError`` and nothing else.

Whatever the child sends is hostile, so the parent's memory follows the bytes
that actually arrived, never the sizes a header announces: frames are read
into buffers that grow as data comes in; a JSON frame may hold at most
``MAX_JSON_ITEMS`` values; the values' own bounds (depth, tensor sizes,
strides and offsets within the bytes sent) are ``course/values.py``'s.

This module imports only the standard library and ``course.values`` (the
student package's codec: torch only, no grader code), because the child
(which runs inside the jail, without the grader package) loads it too.
"""
import json
import socket
import struct
from typing import Sequence

from course.values import MAX_BUFFERS, ProtocolError, Unsupported, decode, encode  # noqa: F401  (the wire's values)

MAX_FRAME = 256 << 20          # one frame
MAX_MESSAGE = 512 << 20        # JSON + all buffers of one message
MAX_JSON = 8 << 20             # the JSON part
MAX_JSON_ITEMS = 1 << 18       # JSON values of one message (bounds the Python objects it becomes)
_READ_STEP = 1 << 16           # first read size; buffers double only as bytes arrive

_HDR = struct.Struct("!I")


# ---------------------------------------------------------------- framing

# The send and receive paths bind what they use as default arguments when this module loads
# -- in the child, before any student code runs -- so nothing on them is looked up through a
# module, class or builtin a student's cell can patch later (the child also passes the
# socket's methods, bound before student code ran).
def _recv_exact(sock, n, _recv_into=None, *, _bytearray=bytearray, _memoryview=memoryview, _min=min,
                _len=len, _bytes=bytes):
    """Read exactly `n` bytes. The buffer grows (doubling) as bytes arrive, so a peer
    that announces a huge frame and sends little costs little. ``_recv_into``: the socket's
    bound ``recv_into``, when the caller bound it before untrusted code ran."""
    recv_into = _recv_into or sock.recv_into
    buf = _bytearray(_min(n, _READ_STEP))
    got = 0
    while got < n:
        if got == _len(buf):
            buf.extend(_bytes(_min(_len(buf), n - _len(buf))))
        with _memoryview(buf) as view:             # released before the next resize
            k = recv_into(view[got:], _len(buf) - got)
        if k == 0:
            raise EOFError("peer closed the connection")
        got += k
    return buf


def send_message(sock: socket.socket, header: dict, buffers: "Sequence" = (), _sendall=None, *, _dumps=json.dumps, _pack=_HDR.pack,
                 _memoryview=memoryview, _len=len, _dict=dict) -> None:
    """Send one message: a JSON header and raw buffers (bytes-like). ``_sendall``: the socket's
    bound ``sendall``, when the caller bound it before untrusted code ran (the child's serve loop)."""
    header = _dict(header, nbuf=_len(buffers))
    data = _dumps(header, allow_nan=False, separators=(",", ":")).encode()
    parts = [_pack(_len(data)), data]
    for b in buffers:
        b = _memoryview(b).cast("B")
        parts.append(_pack(_len(b)))
        parts.append(b)
    (_sendall or sock.sendall)(b"".join(parts))


def recv_message(sock, max_message: int = MAX_MESSAGE, _recv_into=None, *, _unpack=_HDR.unpack, _bytes=bytes,
                 _isinstance=isinstance, _dict=dict, _type=type, _int=int) -> tuple[dict, list]:
    """Receive one message -> (header dict, list of bytearrays). Raises ProtocolError/EOFError."""
    (n,) = _unpack(_recv_exact(sock, 4, _recv_into))
    if n > min(MAX_JSON, max_message):
        raise ProtocolError(f"JSON frame too large ({n} bytes)")
    header = _parse_json(_bytes(_recv_exact(sock, n, _recv_into)))
    if not _isinstance(header, _dict):
        raise ProtocolError("header is not an object")
    nbuf = header.get("nbuf", 0)
    if _type(nbuf) is not _int or not 0 <= nbuf <= MAX_BUFFERS:
        raise ProtocolError("bad buffer count")
    total = n
    buffers = []
    for _ in range(nbuf):
        (m,) = _unpack(_recv_exact(sock, 4, _recv_into))
        total += m
        if m > MAX_FRAME or total > max_message:
            raise ProtocolError(f"message too large ({total} bytes)")
        buffers.append(_recv_exact(sock, m, _recv_into))
    return header, buffers


def _parse_json(data, _loads=json.loads, _sum=sum):
    """JSON bytes -> object, refusing frames with more than MAX_JSON_ITEMS values.

    Every value after the first in an array or object follows a ',' and every
    container starts with '[' or '{': counting those bytes (strings included,
    which only errs on the strict side) bounds the objects json.loads makes.
    """
    items = _sum(data.count(c) for c in (b",", b"[", b"{"))
    if items > MAX_JSON_ITEMS:
        raise ProtocolError(f"JSON frame has too many values ({items})")
    try:
        return _loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise ProtocolError("bad JSON") from None


def pack(header: dict, **values: object) -> tuple[dict, list]:
    """Encode keyword values into `header`; return (header, buffers)."""
    buffers: list = []
    for k, v in values.items():
        header[k] = encode(v, buffers)
    return header, buffers


def socketpair() -> tuple[socket.socket, socket.socket]:
    """A connected pair of stream sockets (parent end, child end)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
