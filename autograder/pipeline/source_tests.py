"""Step 0: the instructor's tests and points, read from ``source/`` (never from a submission)."""
from typing import Optional
import dataclasses
import hashlib
import json
import pathlib

from autograder.core import manifest
from autograder.core.course_dir import ASSIGNMENT, COURSE_DIR_ENV, SourceMissing, release_dir, source_dir
from autograder.core.totals import points_of

@dataclasses.dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    function: Optional[str] = None        # graded function name, None for an unknown test cell


@dataclasses.dataclass(frozen=True)
class ManualCell:
    grade_id: str
    points: float
    stub: Optional[str] = None            # what the released notebook holds there (to tell "answered")


def _missing(path, course_dir):
    return (f"找不到教师的源 notebook：{path} / the instructor's source notebooks are missing: {path} "
            f"(course directory {course_dir}; pass the course directory, or set ${COURSE_DIR_ENV})")


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


class SourceTests:
    """Which test cells (with points) and written-answer cells each notebook has.

    Reads ``<course_dir>/source/<assignment>/<notebook>.ipynb`` (``assignment``: one of the
    editions, ``autograder.core.course_dir.EDITIONS``; :meth:`edition` gives another's). A missing
    ``source/`` (or a graded notebook missing from it) is ``SourceMissing``:
    points are never guessed.
    """

    def __init__(self, course_dir: "str | pathlib.Path", assignment: str = ASSIGNMENT):
        self.course_dir, self.assignment = pathlib.Path(course_dir), assignment
        self.source_dir = source_dir(course_dir, assignment)
        self.release_dir = release_dir(course_dir, assignment)
        if not self.source_dir.is_dir():
            raise SourceMissing(_missing(self.source_dir, self.course_dir))
        self._cache: dict[str, tuple] = {}

    def edition(self, assignment: str | None) -> "SourceTests":
        """The SourceTests of another edition of the same course (this one for its own name)."""
        if assignment is None or assignment == self.assignment:
            return self
        editions = self.__dict__.setdefault("_editions", {})
        if assignment not in editions:
            editions[assignment] = SourceTests(self.course_dir, assignment)
        return editions[assignment]

    def notebooks(self) -> list[str]:
        """The graded notebooks: the registry's, plus any other source notebook with test cells."""
        names = set(manifest.NOTEBOOKS)
        names |= {p.stem for p in self.source_dir.glob("*.ipynb") if self.tests(p.stem)}
        return sorted(names)

    def _load(self, notebook):
        if notebook in self._cache:
            return self._cache[notebook]
        path = self.source_dir / f"{notebook}.ipynb"
        tests, manual, digest = [], [], hashlib.sha256()
        if not path.is_file():
            raise SourceMissing(_missing(path, self.course_dir))
        nb = json.loads(path.read_bytes())
        stubs = self._release_stubs(notebook)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            gid, pts = meta["grade_id"], points_of(cell)      # an optional cell's are the kit's (totals)
            if meta.get("solution"):
                manual.append(ManualCell(gid, pts, stubs.get(gid)))
            elif cell.get("cell_type") == "code":
                name = gid[5:] if gid.startswith("test_") else None
                tests.append(TestCell(gid, pts, name if name in manifest.BY_NAME else None))
            digest.update(json.dumps([gid, pts, _src(cell)]).encode())
        self._cache[notebook] = (tests, manual, digest.hexdigest())
        return self._cache[notebook]

    def _release_stubs(self, notebook):
        path = self.release_dir / f"{notebook}.ipynb"
        if not path.is_file():
            return {}
        nb = json.loads(path.read_bytes())
        return {c["metadata"]["nbgrader"]["grade_id"]: _src(c) for c in nb.get("cells", [])
                if c.get("metadata", {}).get("nbgrader", {}).get("solution")}

    def tests(self, notebook: str) -> list[TestCell]:
        """The autograded test cells of a notebook, in order."""
        return self._load(notebook)[0]

    def manual(self, notebook: str) -> list[ManualCell]:
        """The written-answer cells awaiting a human."""
        return self._load(notebook)[1]

    def digest(self, notebook: str) -> str:
        """Changes whenever the notebook's tests or points change."""
        return self._load(notebook)[2]

    def functions(self, notebook: str) -> list[str]:
        """The graded function names this notebook's tests grade."""
        return [t.function for t in self.tests(notebook) if t.function]
