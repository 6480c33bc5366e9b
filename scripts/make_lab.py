"""Prepare ``lab/``, the working copy ``make lab`` serves: student work never changes tracked files.

``lab/`` (gitignored) is an nbgrader course directory of its own::

    lab/nbgrader_config.py     the course's configuration (the repository's, rooted in lab/) + the exchange
    lab/source/pooling/        copied from the repository when lab/ is made
    lab/release/pooling/       idem (notebooks and the student wheel)
    lab/exchange/              nbgrader's exchange for this machine (release, fetch, submit, collect)
    lab/gradebook.db           the formgrader's gradebook (made by nbgrader)
    lab/pooling/               where the Assignment List fetches the assignment to (the student's copy)

``lab/nbgrader_config.py`` is rewritten every time (it only points at the
repository's ``nbgrader_config.py``); the rest is made once and kept, so work
survives ``make lab`` again. ``make lab-reset`` deletes ``lab/``.

Usage: python scripts/make_lab.py [--dir DIR]
"""
import argparse
import os
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "pooling"

CONFIG = '''"""Written by `make lab` (scripts/make_lab.py): the course's nbgrader configuration, rooted in this folder."""
import os

_kit_config = {config!r}
with open(_kit_config, encoding="utf-8") as _f:
    # The repository's nbgrader_config.py takes its course root from __file__: here, this folder.
    exec(compile(_f.read(), _kit_config, "exec"), dict(globals(), __file__=__file__))

c = get_config()  # noqa: F821 (provided by nbgrader)
c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")
'''


def prepare(lab=ROOT / "lab", root=ROOT):
    """Make (or refresh the configuration of) the lab working copy; return its path."""
    lab = pathlib.Path(lab)
    lab.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    for sub in ("source", "release"):
        dest = lab / sub / ASSIGNMENT
        if not dest.exists():
            shutil.copytree(pathlib.Path(root) / sub / ASSIGNMENT, dest, ignore=ignore)
    (lab / "exchange").mkdir(exist_ok=True)
    text = CONFIG.format(config=str(pathlib.Path(root) / "nbgrader_config.py"))
    tmp = lab / ".nbgrader_config.py.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, lab / "nbgrader_config.py")
    return lab


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=str(ROOT / "lab"), help="the working copy (default: lab/)")
    args = ap.parse_args(argv)
    lab = prepare(args.dir)
    print(f"{lab}: nbgrader course directory (exchange {lab / 'exchange'}); "
          f"练习在 / the notebooks: {lab / 'release' / ASSIGNMENT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
