"""``KitAssignLatePenalties``: nbgrader's late-penalty step with the kit's definition (``autograder.core.deadlines``).

nbgrader's own step (``AssignLatePenalties``) asks a plugin for each notebook's penalty, with
nbgrader's lateness (the gradebook's due date and extension) and a stock policy of ``none`` or
``zero``. This one computes the lateness and the penalty exactly as ``autograder grade`` does:

* the due date, the policy and the extensions from the same settings (``deadlines.load_settings``:
  the course directory's ``deadlines.toml``, else the gradebook's ``duedate``);
* the submission time from the submission's ``timestamp.txt``, read by the same hostile-safe
  reader (a missing or untrusted time: no penalty, a warning in the log);
* the penalty: the policy's percentage of the notebook's score. nbgrader adds the notebooks'
  penalties into the submission's; percentages of the parts add up to the percentage of the
  whole, so the sum is what the kit takes off the autograded total (``autograder export``
  applies the same percentage once, to the final total, after a person's grading).
"""

from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from autograder.core import deadlines
from autograder.core.course_dir import default_course_dir


class KitAssignLatePenalties(AssignLatePenalties):
    """AssignLatePenalties with the kit's deadlines, extensions and policy (``autograder.core.deadlines``)."""

    def _submitted_folder(self, info):
        """The student's folder in ``submitted/`` (nbgrader's course directory, through the converter
        that runs this step): its timestamp.txt as collected. The notebook being converted is the
        autograded copy, beside which nbgrader copied the file with ``shutil.copy``, which follows a
        link; the kit reads the collected one, never through a link."""
        parent = self.parent
        while parent is not None and not hasattr(parent, "coursedir"):
            parent = getattr(parent, "parent", None)
        coursedir = getattr(parent, "coursedir", None)
        if coursedir is None:
            return None
        return coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        folder = self._submitted_folder(info) or resources.get("metadata", {}).get("path") or ""
        settings = deadlines.load_settings(default_course_dir(), gradebook_url=info["db_url"])
        stamp = deadlines.read_timestamp(folder, settings.zone)
        late = deadlines.assess_one(info["student"], stamp, settings, info["assignment"])
        if late.status in ("missing", "invalid") and settings.due is not None:
            self.log.warning("%s: %s", info["student"], late.note)
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            notebook.late_submission_penalty = None
            if late.penalty_percent > 0:
                notebook.late_submission_penalty = deadlines.penalty_points(
                    notebook.score, late.penalty_percent, exact=True)
                self.log.warning("%s is %.2f h late: penalty %g%% of %g = %g", info["student"],
                                 late.hours_late, late.penalty_percent, notebook.score,
                                 notebook.late_submission_penalty)
            gb.db.commit()
        return nb, resources
