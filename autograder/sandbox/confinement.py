"""Is a child confined enough to run student code? The one judgement, from its ``ready`` notes.

The child reports, per resource, the layers that confine it (``notes["confined"]``:
``{"fs": ["mount_ns", "landlock"], "net": ["netns", "landlock", "seccomp"]}``). A
resource with no layer means student code could reach the grading user's files or
the network: the engine then refuses to grade (``SandboxTooWeak``, exit status 3)
unless weak sandboxes were explicitly allowed. A leaf: the standard library only.
"""
RESOURCES = ("fs", "net")


def missing(notes: dict) -> list[str]:
    """The resources (of ``RESOURCES``) that no layer confines, per the child's notes."""
    confined = notes.get("confined") if isinstance(notes.get("confined"), dict) else {}
    return [r for r in RESOURCES if not confined.get(r)]


def summary(notes: dict) -> dict:
    """What was applied, for run.json: the layers per resource and the Landlock ABI."""
    confined = notes.get("confined") if isinstance(notes.get("confined"), dict) else {}
    return {"fs": list(confined.get("fs") or []), "net": list(confined.get("net") or []),
            "landlock_abi": notes.get("landlock_abi"), "seccomp": notes.get("seccomp"),
            "namespaces": notes.get("namespaces"), "missing": missing(notes)}
