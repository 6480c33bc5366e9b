"""The wire protocol: round trips keep dtype, shape and strides; nothing odd gets through."""
import json
import math
import struct

import pytest
import torch

from autograder.sandbox import protocol


def roundtrip(value):
    a, b = protocol.socketpair()
    with a, b:
        header, bufs = protocol.pack({"op": "x"}, v=value)
        protocol.send_message(a, header, bufs)
        h, rb = protocol.recv_message(b)
        return protocol.decode(h["v"], rb)


@pytest.mark.parametrize("dtype", list(protocol.DTYPES.values()))
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
    for _ in range(protocol.MAX_DEPTH + 5):
        v = [v]
    with pytest.raises(protocol.ProtocolError):
        protocol.encode(v, [])
