"""Fuzzing the protocol decoder: whatever the child sends, the parent gets a value or
the protocol's own error, and never holds more than a bounded amount of memory.

Frames and values are random and adversarial: random bytes, headers with wrong
lengths and buffer counts, truncated streams, tensors with huge declared shapes,
negative, zero and overlapping strides, offsets past the buffer, bad dtypes,
unknown tags, deep nesting. Every decoded tensor is also handed to what the
parent does with a returned value (``course.compare.compare`` and
``describe_value``), since that is where a lying view used to be materialised.
Example counts are bounded so the module runs in seconds.
"""
import json
import socket
import struct
import subprocess
import sys
import threading
import tracemalloc

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from autograder.sandbox import protocol
from course import values
from course.compare import compare
from course.describe import describe_value

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_REPLY = 64 << 20                       # what the parent allows one reply (runner.Limits.max_reply)
PY_PEAK = 32 << 20                         # Python-level bytes one frame may cost the parent
RSS_GROWTH = 256 << 20                     # how much the whole module may raise the peak RSS
ELEMENT_CAP = 1 << 24                      # the fixed cap on elements a reply may decode to

HUGE = [2 ** 24, 2 ** 24 + 1, 2 ** 29, 2 ** 31, 2 ** 40, 2 ** 48, 2 ** 63, 2 ** 64]
ODD = st.one_of(st.booleans(), st.floats(allow_nan=True), st.none(), st.text(max_size=4),
                st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


def mostly(good, bad):
    """`good` eight times in ten, else `bad`: near-valid input reaches the deeper checks.
    (Hypothesis favours small draws, so the rare branches are the large ones.)"""
    return st.integers(0, 9).flatmap(lambda k: good if k < 8 else bad)


SIZE = mostly(st.integers(0, 5), st.one_of(st.sampled_from(HUGE), st.integers(-3, -1)))
STRIDE = mostly(st.integers(0, 6), st.one_of(st.sampled_from(HUGE), st.integers(-3, -1)))
DTYPE = mostly(st.sampled_from(sorted(values.DTYPES)),
               st.one_of(st.sampled_from(["object", "float128", "", "torch.float32"]), ODD))


def _span(entry):
    """Elements the entry's view reaches (offset included), when its fields are sane ints; else None."""
    shape, stride, offset = entry.get("shape"), entry.get("stride"), entry.get("offset", 0)
    if not (isinstance(shape, list) and isinstance(stride, list) and len(shape) == len(stride)):
        return None
    if not all(type(v) is int for v in shape + stride + [offset]):
        return None
    if any(n == 0 for n in shape):
        return 0
    return offset + 1 + sum((n - 1) * s for n, s in zip(shape, stride))


@st.composite
def tensor_with_buffer(draw, index):
    """A tensor entry pointing at buffer `index` (mostly), and that buffer: often the exact size."""
    # Dimensions: random, or huge with a zero stride (a few bytes posing as a huge view).
    dims = draw(st.lists(st.one_of(st.tuples(SIZE, STRIDE), st.tuples(st.sampled_from(HUGE), st.just(0))),
                         max_size=4))
    shape, stride = [n for n, _ in dims], [s for _, s in dims]
    if draw(st.integers(0, 9)) == 9:
        stride.append(draw(STRIDE))                       # lengths disagree
    entry = {"$tensor": draw(mostly(st.just(index), st.one_of(st.integers(-1, 5), ODD))),
             "dtype": draw(DTYPE), "shape": shape, "stride": stride}
    if draw(st.booleans()):
        entry["offset"] = draw(mostly(st.integers(0, 8), st.one_of(st.integers(-2, -1), st.sampled_from(HUGE))))
    if draw(st.booleans()):
        entry["requires_grad"] = draw(mostly(st.booleans(), ODD))
    if draw(st.integers(0, 19)) == 19:
        entry[draw(st.sampled_from(["shape", "stride", "dtype", "$tensor"]))] = draw(ODD)
    if draw(st.integers(0, 29)) == 29:
        entry[draw(st.text(min_size=1, max_size=4))] = 1
    itemsize = values._ITEMSIZE.get(values.DTYPES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None, 4)
    span = _span(entry)
    exact = span * itemsize if span is not None and span * itemsize <= 4096 else None
    if exact is not None and draw(st.integers(0, 2)) < 2:
        n = exact + draw(st.sampled_from([0, 0, 0, -1, 1, itemsize]))
        data = draw(st.binary(min_size=max(n, 0), max_size=max(n, 0)))
    else:
        data = draw(st.binary(max_size=64))
    return entry, bytearray(data)


@st.composite
def messages(draw):
    """(value object, buffers): tensors with buffers, wrapped in random containers and junk."""
    pairs = [draw(tensor_with_buffer(i)) for i in range(draw(st.integers(0, 3)))]
    buffers = [b for _, b in pairs] + draw(st.lists(st.binary(max_size=16).map(bytearray), max_size=1))
    leaves = st.one_of(st.sampled_from([e for e, _ in pairs]) if pairs else st.nothing(),
                       st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8),
                       st.fixed_dictionaries({"$f": st.sampled_from(["nan", "inf", "-inf", "NaN", 1])}),
                       st.fixed_dictionaries({"$dtype": DTYPE}), st.fixed_dictionaries({"$u": st.one_of(st.text(max_size=8), ODD)}),
                       st.dictionaries(st.sampled_from(["$pickle", "$t", "$d", "$x", "a"]), st.integers(), max_size=2))
    value = draw(st.recursive(leaves, lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.fixed_dictionaries({"$t": st.lists(kids, max_size=4)}),
        st.fixed_dictionaries({"$d": st.dictionaries(st.text(max_size=3), kids, max_size=3)})), max_leaves=12))
    if pairs and draw(st.booleans()):                 # what a reply usually is: a tensor, or a tuple of them
        value = pairs[0][0] if len(pairs) == 1 else {"$t": [e for e, _ in pairs]}
    return value, buffers


def _tensors(v):
    if isinstance(v, torch.Tensor):
        yield v
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _tensors(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _tensors(x)


def _check_decoded(value, buffers):
    """What the parent may hold after a decode: capped views over the bytes sent, safe to judge."""
    tensors = list(_tensors(value))
    assert sum(t.numel() for t in tensors) <= ELEMENT_CAP
    biggest = max((len(b) for b in buffers), default=0)
    for t in tensors:
        assert type(t) is torch.Tensor and t.layout == torch.strided
        assert t.untyped_storage().nbytes() <= biggest       # a view of what was sent, nothing more
        describe_value(t)
        expected = torch.zeros(2, 3, dtype=torch.float32)
        compare(expected, t)
        if tuple(t.shape) == (2, 3):
            compare(expected.to(t.dtype) if t.is_floating_point() else expected, t)
    compare((2, 3), value)
    compare(6, value)
    describe_value(value)


@pytest.mark.slow       # hypothesis fuzzing (44 s under load)
@FUZZ
@given(messages())
def test_decode_gives_a_value_or_its_own_error(msg):
    obj, buffers = msg
    try:
        value = values._decode(obj, buffers, 0, [values.MAX_ELEMENTS])   # without decode's safety net
    except protocol.ProtocolError:
        return
    _check_decoded(value, buffers)


@st.composite
def raw_streams(draw):
    """Bytes a child could write: random, or frames whose lengths, counts and JSON lie."""
    if draw(st.integers(0, 3)) == 3:
        return draw(st.binary(max_size=256))
    obj, buffers = draw(messages())
    header = {"ok": True, "value": obj, "nbuf": draw(st.one_of(st.just(len(buffers)), st.sampled_from(
        [-1, 0, 1, protocol.MAX_BUFFERS, protocol.MAX_BUFFERS + 1, 10 ** 6]), ODD))}
    try:
        text = json.dumps(header).encode()
    except (ValueError, TypeError):
        text = b"{}"
    if draw(st.integers(0, 5)) == 5:
        text = text[:draw(st.integers(0, len(text)))] + draw(st.binary(max_size=4))
    announced = draw(st.one_of(st.just(len(text)), st.sampled_from(
        [0, len(text) + 1, protocol.MAX_JSON, protocol.MAX_JSON + 1, 2 ** 32 - 1])))
    out = struct.pack("!I", announced) + text
    for b in buffers:
        n = draw(st.one_of(st.just(len(b)), st.sampled_from([len(b) + 1, MAX_REPLY, protocol.MAX_FRAME, 2 ** 32 - 1])))
        out += struct.pack("!I", n) + bytes(b)
    if draw(st.integers(0, 4)) == 4:
        out = out[:draw(st.integers(0, len(out)))]
    return out


def _send_all_then_close(sock, data):
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)               # the reader sees EOF after the data
    except OSError:                                 # the reader gave up early: fine
        pass


def _receive(data):
    """recv_message on a socket fed `data` (by a thread: it may exceed the socket buffer)."""
    a, b = protocol.socketpair()
    with a, b:
        writer = threading.Thread(target=_send_all_then_close, args=(a, data))
        writer.start()
        try:
            return protocol.recv_message(b, MAX_REPLY)
        finally:
            b.shutdown(socket.SHUT_RDWR)
            writer.join()


@pytest.mark.slow       # hypothesis fuzzing (37 s under load)
@FUZZ
@given(raw_streams())
def test_frames_cost_what_arrives(data):
    tracemalloc.start()
    try:
        try:
            header, buffers = _receive(data)
        except (protocol.ProtocolError, EOFError):
            header = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PY_PEAK + 64 * len(data)
    if header is not None:
        try:
            value = protocol.decode(header.get("value"), buffers)
        except protocol.ProtocolError:
            return
        _check_decoded(value, buffers)


# ------------------------------------------------------------------ the worst cases, by hand

@pytest.mark.parametrize("announced", [protocol.MAX_FRAME, MAX_REPLY - 100, 2 ** 31])
def test_announced_frame_costs_only_what_arrives(announced):
    data = struct.pack("!I", len(b'{"nbuf":1}')) + b'{"nbuf":1}' + struct.pack("!I", announced) + b"x" * 10
    tracemalloc.start()
    try:
        with pytest.raises((protocol.ProtocolError, EOFError)):
            _receive(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_json_with_too_many_values_refused():
    text = b"[" + b"[]," * (protocol.MAX_JSON_ITEMS + 1) + b"[]]"
    with pytest.raises(protocol.ProtocolError, match="too many values"):
        _receive(struct.pack("!I", len(text)) + text)


@pytest.mark.parametrize("depth", [values.MAX_DEPTH + 2, 5000, 100000])
def test_deep_nesting_refused(depth):
    text = b'{"value":' + b"[" * depth + b"]" * depth + b"}"
    try:
        header = _receive(struct.pack("!I", len(text)) + text)[0]
    except protocol.ProtocolError:
        return
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(header["value"], [])


# In a fresh interpreter: run pytest on this module's fuzz tests and print the process's peak RSS
# once they are collected (the kit and the tests imported) and at the end. The long-lived test
# process is no place to measure it: by this module, earlier tests have left it fragmented and near
# its peak, so any transient page counts.
PEAK_OF = """
import resource, sys, pytest
class Peak:
    collected = None
    def pytest_collection_finish(self, session):
        self.collected = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
peak = Peak()
rc = pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:], {module!r}], plugins=[peak])
print("PEAK", peak.collected, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10, rc)
"""


def _peaks_of(*args):
    """(peak RSS once collected, peak RSS at the end) of a fresh pytest process on this module."""
    proc = subprocess.run([sys.executable, "-c", PEAK_OF.format(module=__file__), *args],
                          capture_output=True, text=True, timeout=600)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("PEAK ")][-1]
    _, collected, peak, rc = line.split()
    assert rc == "0", proc.stdout[-3000:]
    return int(collected), int(peak)


@pytest.mark.slow       # a measured child process (109 s under load)
def test_peak_memory_stays_bounded():
    """Decoding every fuzzed frame raises the peak RSS of a fresh process by less than
    RSS_GROWTH over importing and collecting the same tests (one process: its peak then and at the end)."""
    collected, peak = _peaks_of("-k", "not test_peak_memory_stays_bounded")
    grown = peak - collected
    assert grown < RSS_GROWTH, f"peak RSS grew by {grown / 2 ** 20:.0f} MiB"
