"""Step 0: the instructor's tests and points, read from ``source/`` (never from a submission)."""
import dataclasses
import hashlib
import json
import os
import pathlib

from autograder import functions

# The course directory (source/ and release/): the repository, or AUTOGRADER_COURSE_DIR where the
# instructor package is installed from a wheel (Gradescope's run_autograder sets it).
ROOT = pathlib.Path(os.environ.get("AUTOGRADER_COURSE_DIR") or pathlib.Path(__file__).resolve().parents[2])
SOURCE_DIR = ROOT / "source" / functions.ASSIGNMENT
RELEASE_DIR = ROOT / "release" / functions.ASSIGNMENT


@dataclasses.dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    function: str = None        # graded function name, None for an unknown test cell


@dataclasses.dataclass(frozen=True)
class ManualCell:
    grade_id: str
    points: float
    stub: str = None            # what the released notebook holds there (to tell "answered")


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


class SourceTests:
    """Which test cells (with points) and written-answer cells each notebook has.

    Reads ``source/<assignment>/<notebook>.ipynb``; where a source notebook is
    missing, falls back to the registry in ``autograder.functions``.
    """

    def __init__(self, source_dir=SOURCE_DIR, release_dir=RELEASE_DIR):
        self.source_dir = pathlib.Path(source_dir)
        self.release_dir = pathlib.Path(release_dir)
        self._cache = {}

    def notebooks(self):
        """The graded notebooks: the registry's, plus any other source notebook with test cells."""
        names = set(functions.NOTEBOOKS)
        if self.source_dir.is_dir():
            names |= {p.stem for p in self.source_dir.glob("*.ipynb") if self.tests(p.stem)}
        return sorted(names)

    def _load(self, notebook):
        if notebook in self._cache:
            return self._cache[notebook]
        path = self.source_dir / f"{notebook}.ipynb"
        tests, manual, digest = [], [], hashlib.sha256()
        if path.is_file():
            raw = path.read_bytes()
            nb = json.loads(raw)
            stubs = self._release_stubs(notebook)
            for cell in nb.get("cells", []):
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if not meta.get("grade"):
                    continue
                gid, pts = meta["grade_id"], float(meta.get("points", 0))
                if meta.get("solution"):
                    manual.append(ManualCell(gid, pts, stubs.get(gid)))
                elif cell.get("cell_type") == "code":
                    name = gid[5:] if gid.startswith("test_") else None
                    tests.append(TestCell(gid, pts, name if name in functions.BY_NAME else None))
                digest.update(json.dumps([gid, pts, _src(cell)]).encode())
        else:
            for f in functions.functions_in(notebook):
                tests.append(TestCell(f.grade_id, float(f.points), f.name))
                digest.update(json.dumps([f.grade_id, f.points]).encode())
        self._cache[notebook] = (tests, manual, digest.hexdigest())
        return self._cache[notebook]

    def _release_stubs(self, notebook):
        path = self.release_dir / f"{notebook}.ipynb"
        if not path.is_file():
            return {}
        nb = json.loads(path.read_bytes())
        return {c["metadata"]["nbgrader"]["grade_id"]: _src(c) for c in nb.get("cells", [])
                if c.get("metadata", {}).get("nbgrader", {}).get("solution")}

    def tests(self, notebook):
        """The autograded test cells of a notebook, in order."""
        return self._load(notebook)[0]

    def manual(self, notebook):
        """The written-answer cells awaiting a human."""
        return self._load(notebook)[1]

    def digest(self, notebook):
        """Changes whenever the notebook's tests or points change."""
        return self._load(notebook)[2]

    def functions(self, notebook):
        """The graded function names this notebook's tests grade."""
        return [t.function for t in self.tests(notebook) if t.function]
