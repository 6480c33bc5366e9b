# A later child (another student, graded after keyring_store) reads the key back.
import ctypes, errno, json, os
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
REQUEST_KEY, KEYCTL = {"x86_64": (249, 250), "aarch64": (218, 219)}[os.uname().machine]
def _read():
    kid = _libc.syscall(ctypes.c_long(REQUEST_KEY), b"user", b"agjail-{TOKEN}", None, ctypes.c_long(0))
    if kid < 0:
        return errno.errorcode.get(ctypes.get_errno())
    buf = ctypes.create_string_buffer(256)
    n = _libc.syscall(ctypes.c_long(KEYCTL), ctypes.c_long(11), ctypes.c_long(kid), buf,    # KEYCTL_READ
                      ctypes.c_long(256))
    return "READ " + buf.raw[:max(n, 0)].decode(errors="replace")
def pool2d(X, pool_size, mode='max'):
    raise RuntimeError("JAILREPORT " + json.dumps({"call": _read()}))
