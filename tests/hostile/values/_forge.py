# (shared by the forging cases; prepended to their code by the test). Frame introspection is a
# review flag for the parent's static check, and the child binds its encoder before student code
# runs, so these forge the reply itself: a message with this call's sequence number, written on
# the child's socket before the real one. The parent must treat it as the hostile bytes it is.
import sys as _sys
def _serving_frame():
    """The child's serve loop, up the stack: its socket, the protocol module, this call's seq."""
    f = _sys._getframe(1)
    while f is not None:
        loc = f.f_locals
        if "sock" in loc and "seq" in loc and hasattr(loc.get("protocol"), "send_message"):
            return loc
        f = f.f_back
    raise RuntimeError("no serving loop found")
def forge_reply(header, data):
    """Send `header` (a tensor entry) and raw `data` as this call's reply, before the real one."""
    loc = _serving_frame()
    loc["protocol"].send_message(loc["sock"], {"seq": loc["seq"], "ok": True, "error": None, "value": header,
                                               "ops": [], "out": ""}, [data])
