"""``KitOverwriteCells``: nbgrader's OverwriteCells without the false alarm on hidden tests.

nbgrader records a locked test cell's checksum *with* its hidden tests
(``### BEGIN HIDDEN TESTS``), while students receive it without them; stock
``OverwriteCells`` therefore logs ``Attribute 'checksum' for cell test_... has
changed!`` for every honest student (upstream's hidden-test checksum issue)
before putting the hidden tests back. A tamper-proof kit must not cry wolf:

* a locked cell whose text is exactly what the released notebook showed is
  honest: the instructor's version (hidden tests included) is put back
  silently, as nbgrader would;
* a locked cell the student changed is restored the same way, and logged as
  tampering, in Chinese and English, with the student and notebook named.

Points and locks come from ``source/`` either way (``RepairGradeCells`` runs
first); the kit's engine never reads a test cell's text for grading.
"""
import json
import pathlib

from nbgrader.preprocessors import OverwriteCells
from traitlets import Unicode, default

from autograder.pipeline.open_submission import printable
from autograder.core import course_dir


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


class KitOverwriteCells(OverwriteCells):
    release_dir = Unicode(help="the assignment's released notebooks (default: the course directory's)").tag(config=True)

    @default("release_dir")
    def _release_dir(self):
        return ""            # the edition being autograded (pooling_en: release/pooling_en/)

    def _released(self, notebook, assignment=None):
        folder = self.release_dir or course_dir.release_dir(course_dir.default_course_dir(),
                                                            course_dir.edition_of(assignment))
        path = pathlib.Path(folder) / f"{notebook}.ipynb"
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            return {}
        out = {}
        for c in cells:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid:
                out[gid] = _src(c)
        return out

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        self._shown = self._released(info.get("notebook"), info.get("assignment"))
        self._who = f"{printable(str(info.get('student')))}/{printable(str(info.get('notebook')))}"
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid is not None and gid in self._shown and cell.source == self._shown[gid]:
            try:
                source_cell = self.gradebook.find_source_cell(gid, self.notebook_id, self.assignment_id)
            except Exception:                       # MissingEntry and friends: the parent says so
                source_cell = None
            if source_cell is not None and source_cell.locked:
                cell.source = source_cell.source    # as released: put the hidden tests back, quietly
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum":
            self.log.warning("学生改动了锁定的单元格，已恢复为教师版本 / locked cell %s was changed in %s: "
                             "restored to the instructor's (tampering?)", printable(str(name)), self._who)
            return
        super().report_change(name, attr, old, new)
