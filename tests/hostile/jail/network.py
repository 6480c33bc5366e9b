# Phone home: TCP to a listener on 127.0.0.1 (the test counts what it receives), UDP to the same port,
# and an abstract unix socket.
import errno, json, socket
def _leak():
    r = {}
    for host in ("127.0.0.1", "localhost"):
        try:
            s = socket.create_connection((host, {PORT}), timeout=1)
            s.sendall(b"leak")
            s.close()
            r[host[:3]] = "CONNECTED"
        except OSError as e:
            r[host[:3]] = errno.errorcode.get(e.errno, "timeout")
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"leak", ("127.0.0.1", {PORT}))
        r["udp"] = "SENT"
    except OSError as e:
        r["udp"] = errno.errorcode.get(e.errno)
    try:
        a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        a.connect("\0agjail-{TOKEN}")
        r["abs"] = "CONNECTED"
    except OSError as e:
        r["abs"] = errno.errorcode.get(e.errno)
    return r
def _merge(cell, call):
    """One short report (the message is cut): what the cell got, and what the call got where it differs."""
    return {k: cell.get(k) if cell.get(k) == call.get(k) else f"{cell.get(k)}/{call.get(k)}" for k in {**cell, **call}}
_first = _leak()
def pool2d(X, pool_size, mode='max'):
    raise RuntimeError("JAILREPORT " + json.dumps(_merge(_first, _leak())))
