"""nbgrader's gradebook, opened without changing this process's environment for good.

``Gradebook(url)`` runs the ``alembic`` command by name when a gradebook has no version table yet
(``nbgrader.api.get_alembic_version``: a subprocess, which finds programs on ``$PATH``). A venv used
without activating it has ``alembic`` beside the interpreter but not on ``$PATH``. nbgrader offers
no setting for that command, so ``$PATH`` gets the interpreter's folder while the gradebook opens,
and its old value back at once (``os.environ["PATH"]`` is as it was once ``open_gradebook`` returns).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from typing import Any, Iterator


@contextlib.contextmanager
def alembic_on_path() -> Iterator[None]:
    """``$PATH`` with the interpreter's folder first, for the block only (unchanged when ``alembic``
    is found already); restored exactly, absent if it was absent."""
    here = os.path.dirname(sys.executable)
    if shutil.which("alembic") or not os.path.exists(os.path.join(here, "alembic")):
        yield
        return
    old = os.environ.get("PATH")
    os.environ["PATH"] = here + os.pathsep + (old or "")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = old


def open_gradebook(url: str) -> Any:
    """``nbgrader.api.Gradebook(url)`` (a context manager: ``with open_gradebook(url) as gb``)."""
    from nbgrader.api import Gradebook
    with alembic_on_path():
        return Gradebook(url)
