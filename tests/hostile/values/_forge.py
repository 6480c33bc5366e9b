# (shared by the forging cases; prepended to their code by the test). Frame introspection is what
# the parent's static check refuses, so these run straight through a sandbox session.
import sys as _sys
def _child_protocol():
    """The child's protocol module: a local of the serving loop up the stack."""
    f = _sys._getframe(1)
    while f is not None:
        p = f.f_locals.get("protocol")
        if p is not None and hasattr(p, "encode") and hasattr(p, "send_message"):
            return p
        f = f.f_back
    raise RuntimeError("no protocol module found")
def forge_reply(header, data):
    """Make the child send `header` (a tensor entry) and raw `data` instead of the real value."""
    p = _child_protocol()
    real = p.encode
    def fake(value, buffers, depth=0):
        p.encode = real
        buffers.append(data)
        return header
    p.encode = fake
