"""Hostile student folder NAMES (not code): each module here is one family of attacks.

Each module has ``STUDENTS``: folder name (str, or bytes for names that are not
UTF-8) -> which answers its 01_basics notebook holds (a key of
``ANSWERS``). Scores differ between look-alike names, so a student who is
shown another's file is caught. ``build_class`` lays them out beside an
honest student in nbgrader's SUBMISSIONS/<student>/pooling/ layout.
"""
import importlib
import json
import os
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
STUBS = {"pool2d": "def pool2d(X, pool_size, mode='max'):\n    raise NotImplementedError()\n",
         "pool2d_padded": "def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):\n"
                          "    raise NotImplementedError()\n"}

# variant -> (functions left as an unimplemented stub, autograded points of 01_basics out of 5)
ANSWERS = {"full": ((), 5.0), "no_pool2d": (("pool2d",), 3.0),
           "no_padded": (("pool2d_padded",), 2.0), "none": (("pool2d", "pool2d_padded"), 0.0)}
HONEST = "honest"


def families():
    """The attack modules of this folder, by name."""
    return {p.stem: importlib.import_module(f"{__name__}.{p.stem}")
            for p in sorted(HERE.glob("*.py")) if p.stem != "__init__"}


def students():
    """Every hostile folder name -> variant, plus the honest student."""
    out = {HONEST: "full"}
    for mod in families().values():
        out.update(mod.STUDENTS)
    return out


def student_id(name):
    """The id the grader sees for a folder name (bytes names are decoded as os.listdir does)."""
    return os.fsdecode(name) if isinstance(name, bytes) else name


def hidden(name):
    """A hidden folder (.cache, .ipynb_checkpoints) is never a student."""
    return student_id(name).startswith(".")


def expected_scores():
    """student id -> its 01_basics points (the other notebooks are missing: 0), hidden folders left out."""
    return {student_id(n): ANSWERS[v][1] for n, v in students().items() if not hidden(n)}


def notebook(variant, source_nb):
    """The instructor's 01_basics with the variant's functions turned back into stubs."""
    nb = json.loads(json.dumps(source_nb))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        for fn in ANSWERS[variant][0]:
            if gid == f"answer_{fn}":
                cell["source"] = STUBS[fn]
    return nb


def build_class(subs, source_nb):
    """SUBMISSIONS dir with every name of ``students()``; returns it."""
    subs = pathlib.Path(subs)
    for name, variant in students().items():
        base = os.fsencode(subs) + b"/" + (name if isinstance(name, bytes) else os.fsencode(name))
        d = os.path.join(base, b"pooling")
        os.makedirs(d)
        with open(os.path.join(d, b"01_basics.ipynb"), "w", encoding="utf-8") as f:
            json.dump(notebook(variant, source_nb), f, ensure_ascii=False)
    return subs
