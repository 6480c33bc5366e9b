# Phone home: connect to a server on loopback (the test listens there).
import socket
def _leak():
    for host in ("127.0.0.1", "localhost"):
        try:
            s = socket.create_connection((host, {PORT}), timeout=1)
            s.sendall(b"leak")
            s.close()
        except OSError:
            pass
_leak()
def pool2d(X, pool_size, mode='max'):
    _leak()
    return torch.zeros(1)
