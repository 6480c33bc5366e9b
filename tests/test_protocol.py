"""The wire protocol: round trips keep dtype, shape and strides; nothing odd gets through."""
import json
import math
import struct

import pytest
import torch

from autograder.sandbox import protocol
from course import values


def roundtrip(value):
    a, b = protocol.socketpair()
    with a, b:
        header, bufs = protocol.pack({"op": "x"}, v=value)
        protocol.send_message(a, header, bufs)
        h, rb = protocol.recv_message(b)
        return protocol.decode(h["v"], rb)


@pytest.mark.parametrize("dtype", list(values.DTYPES.values()))
def test_tensor_dtypes(dtype):
    t = (torch.arange(24) % 5).to(dtype).reshape(2, 3, 4)
    got = roundtrip(t)
    assert got.dtype == dtype and got.shape == t.shape and torch.equal(got, t)


@pytest.mark.parametrize("make", [
    lambda: torch.randn(4, 6).t(),
    lambda: torch.randn(2, 3, 8, 8)[:, :, ::2, 1::3],
    lambda: torch.randn(5)[2:].expand(3, 3),
    lambda: torch.randn(3, 4, 5).permute(2, 0, 1),
    lambda: torch.empty(0, 3),
    lambda: torch.tensor(3.5),
])
def test_views_stay_views(make):
    t = make()
    got = roundtrip(t)
    assert got.shape == t.shape and got.stride() == t.stride() and got.is_contiguous() == t.is_contiguous()
    assert torch.equal(got, t)


def test_requires_grad_kept():
    got = roundtrip(torch.randn(3, requires_grad=True))
    assert got.requires_grad and got.is_leaf


@pytest.mark.parametrize("value", [None, True, 3, -2 ** 70, 1.5, "池化", [1, (2, 3)], (1, [2.0]),
                                   {"a": (1, 2)}, torch.float64, torch.Size([2, 3])])
def test_plain_values(value):
    got = roundtrip(value)
    assert got == (tuple(value) if isinstance(value, torch.Size) else value)
    assert type(got) is (tuple if isinstance(value, torch.Size) else type(value))


@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_non_finite(x):
    assert roundtrip(x) == x
    assert math.isnan(roundtrip(math.nan))


def test_subclass_sent_as_plain_tensor():
    class Liar(torch.Tensor):
        def __eq__(self, other):
            return True

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return super().__torch_function__(func, types, args, kwargs or {})
    got = roundtrip(torch.zeros(2).as_subclass(Liar))
    assert type(got) is torch.Tensor and torch.equal(got, torch.zeros(2))


def test_encoding_runs_none_of_the_values_own_code():
    """The reply is encoded after the op recorder stopped: an instance's or a subclass's methods
    (which could compute the answer there, unrecorded) are never called; the base class's are."""
    ran = []

    def later(*_a, **_k):
        ran.append(1)
        return torch.ones(3)
    t = torch.zeros(0)
    for name in ("detach", "resolve_conj", "resolve_neg", "contiguous", "stride", "storage_offset", "cpu"):
        setattr(t, name, later)

    class Items(list):
        def __iter__(self):
            ran.append(1)
            return iter([torch.ones(3)])

    class Num(float):
        def __ne__(self, other):
            ran.append(1)
            return True

    class Int(int):
        def __int__(self):
            ran.append(1)
            return 7
    got = roundtrip([t, Items([torch.zeros(1)]), Num(1.5), Int(3)])
    assert ran == []
    assert got[0].shape == (0,) and torch.equal(got[1][0], torch.zeros(1)) and got[2] == 1.5 and got[3] == 3


def test_unsupported_types_are_named():
    class Thing:
        pass
    got = roundtrip(Thing())
    assert isinstance(got, protocol.Unsupported) and got.typename.endswith("Thing")


def _raw(a, header_bytes, frames=()):
    a.sendall(struct.pack("!I", len(header_bytes)) + header_bytes)
    for f in frames:
        a.sendall(struct.pack("!I", len(f)) + f)


@pytest.mark.parametrize("header,frames", [
    (b"not json", []),
    (b"[1, 2]", []),
    (json.dumps({"nbuf": 10 ** 6}).encode(), []),
    (json.dumps({"nbuf": -1}).encode(), []),
])
def test_bad_frames_rejected(header, frames):
    a, b = protocol.socketpair()
    with a, b:
        _raw(a, header, frames)
        with pytest.raises(protocol.ProtocolError):
            protocol.recv_message(b)


def test_size_caps():
    a, b = protocol.socketpair()
    with a, b:
        a.sendall(struct.pack("!I", protocol.MAX_JSON + 1))
        with pytest.raises(protocol.ProtocolError):
            protocol.recv_message(b)


@pytest.mark.parametrize("obj", [
    {"$tensor": 0, "dtype": "float32", "shape": [4], "stride": [1], "requires_grad": False},   # buffer too short
    {"$tensor": 0, "dtype": "object", "shape": [1], "stride": [1]},
    {"$tensor": 0, "dtype": "float32", "shape": [-1], "stride": [1]},
    {"$tensor": 5, "dtype": "float32", "shape": [1], "stride": [1]},
    {"$pickle": "gASV"},
    {"$t": [1], "$d": {}},
])
def test_bad_values_rejected(obj):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(obj, [bytearray(4)])


def test_depth_capped():
    v = []
    for _ in range(values.MAX_DEPTH + 5):
        v = [v]
    with pytest.raises(protocol.ProtocolError):
        protocol.encode(v, [])


# ------------------------------------------------------------------ views that lie about their size

def _tensor(shape, stride, **extra):
    return dict({"$tensor": 0, "dtype": "float32", "shape": shape, "stride": stride}, **extra)


@pytest.mark.parametrize("obj,nbytes", [
    (_tensor([2 ** 29], [0]), 4),                         # 4 bytes posing as 2 GiB
    (_tensor([2 ** 12, 2 ** 12 + 1], [0, 0]), 4),        # over the element cap
    (_tensor([2 ** 10, 2 ** 10 + 1], [0, 0]), 4),        # over the cap of overlapping views
    (_tensor([2 ** 21], [1]), 4),
    (_tensor([2 ** 31], [1]), 4),                         # huge shape, tiny buffer
    (_tensor([2 ** 20, 2 ** 20], [2 ** 20, 1]), 4),
    (_tensor([2, 2], [-2, -1]), 16),                      # negative strides
    (_tensor([2, 2], [2, 1], offset=2 ** 30), 16),        # offset beyond the buffer
    (_tensor([2, 2], [2, 1], offset=1), 16),              # offset: the last element is past the end
    (_tensor([2, 2], [2, 1], offset=-1), 20),
    (_tensor([True, 2], [2, 1]), 16),                     # bools are not sizes
    (_tensor([4], [1], extra=1), 16),                     # unknown field
    (_tensor([4], [1], requires_grad="yes"), 16),
])
def test_lying_views_refused(obj, nbytes):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(obj, [bytearray(nbytes)])


def test_zero_stride_view_within_the_cap_stays_a_view():
    t = protocol.decode(_tensor([2 ** 10, 2 ** 10], [0, 0]), [bytearray(4)])
    assert t.shape == (2 ** 10, 2 ** 10) and t.untyped_storage().nbytes() == 4


def test_elements_capped_per_message():
    half = {"$tensor": 0, "dtype": "uint8", "shape": [2 ** 23 + 1], "stride": [1]}
    bufs = [bytearray(2 ** 23 + 1), bytearray(2 ** 23 + 1)]
    with pytest.raises(protocol.ProtocolError, match="in all"):
        protocol.decode({"$t": [half, dict(half, **{"$tensor": 1})]}, bufs)


def test_offset_into_the_buffer():
    buf = bytearray(torch.arange(6, dtype=torch.float32).numpy().tobytes())
    t = protocol.decode(_tensor([2, 2], [2, 1], offset=2), [buf])
    assert torch.equal(t, torch.tensor([[2.0, 3.0], [4.0, 5.0]]))


def test_child_encoder_zero_stride_refused_by_parent():
    """What a student returns with expand/as_strided: sent as 4 bytes, refused past the cap."""
    with pytest.raises(protocol.ProtocolError, match="too many elements"):
        roundtrip(torch.zeros(1).expand(2 ** 25))
    assert roundtrip(torch.zeros(1).expand(3, 4)).stride() == (0, 0)


@pytest.mark.parametrize("obj", [{"$dtype": ["float32"]}, {"$u": ["x"] * 1000}, {"$f": ["nan"]},
                                 {"$tensor": 0, "dtype": ["float32"], "shape": [1], "stride": [1]}])
def test_unhashable_fields_refused(obj):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(obj, [bytearray(4)])
