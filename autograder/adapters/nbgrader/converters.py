"""nbgrader's ``autograde`` and ``generate_feedback``, with nothing in a submission followed through a link.

Stock nbgrader 0.9 copies every non-notebook file of
``submitted/<student>/<assignment>/`` into ``autograded/`` (and of
``autograded/`` into ``feedback/``) with ``os.walk`` + ``shutil.copy``
(``BaseConverter.init_assignment``), which follows links: a file
``data.txt -> source/pooling/01_basics.ipynb`` put the solution notebook in
the student's own feedback folder. It also reads ``timestamp.txt`` with a
plain ``open`` (a FIFO there hangs the whole class).

Here, for both converters:

* ``SafeCopy.init_assignment`` copies only regular, singly-linked files, each
  opened through ``open_submission`` (every component checked without
  following links); a link, hard link, FIFO or device is skipped with a
  logged warning; a linked student or assignment folder copies nothing;
* ``timestamp.txt`` under ``submitted/`` is read the same way (refused: no
  timestamp, with a warning);
* ``autograde`` logs layout problems (``Pooling/``, ``pooling2/``, loose
  notebooks) as ``autograder grade`` prints them;
* ``generate_feedback`` converts no notebook reached through a link;
* ``autograde`` first starts the sandbox once: where it cannot confine student
  code's file system or network (no namespaces, no Landlock) and
  ``c.HardenedExecute.allow_weak_sandbox`` is not set, it logs why and how to fix
  it and exits with status 3 before any submission is touched.
* a student folder or notebook whose name is not UTF-8 (an undecodable byte:
  a lone surrogate once decoded) is skipped with a warning naming it: the
  gradebook (sqlite) cannot store such an id, and nbgrader would otherwise fail
  the student's whole submission, or the run. ``autograder grade`` grades it.

Notebooks themselves are read by ``HardenedExporter``
(``autograder/adapters/nbgrader/execute.py``), which grades a refused notebook 0
(invalid, with the reason). ``install()`` (called from ``nbgrader_config.py``)
makes nbgrader's apps and its formgrader API use these converters.
"""
import os
import stat
from fnmatch import fnmatch

from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.converters.base import BaseConverter

from autograder.adapters.nbgrader.execute import KitRun, is_encodable, step_root
from autograder.pipeline.open_submission import (RefusedPath, open_dir, open_file, printable, read_bytes, read_fd,
                                                 step_dir, step_file, under)

_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


# ------------------------------------------------------------------ copying a submission's files

def copy_file(fd, dest):
    """Write what `fd` holds to a new file `dest` (whatever was at `dest` is removed first)."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if os.path.lexists(dest):
        os.remove(dest)
    out = os.open(dest, _WRITE, 0o644)
    try:
        while True:
            chunk = read_fd(fd, 1 << 20)
            if not chunk:
                break
            os.write(out, chunk)
    finally:
        os.close(out)


def _copy_entry(dfd, name, shown, dest, ignore, log):
    st = os.lstat(name, dir_fd=dfd)
    if stat.S_ISDIR(st.st_mode):
        cfd = step_dir(dfd, name, shown)
        try:
            _copy_dir(cfd, shown, os.path.join(dest, name), ignore, log)
        finally:
            os.close(cfd)
        return
    fd = step_file(dfd, name, shown)
    try:
        log.info("Copying %s -> %s", printable(shown), printable(os.path.join(dest, name)))
        copy_file(fd, os.path.join(dest, name))
    finally:
        os.close(fd)


def _copy_dir(dfd, shown, dest, ignore, log):
    for name in sorted(os.listdir(dfd)):
        if any(fnmatch(name, g) for g in ignore):
            continue
        try:
            _copy_entry(dfd, name, f"{shown}/{name}", dest, ignore, log)
        except RefusedPath as e:
            log.warning("未复制 / not copied: %s", e)
        except OSError as e:
            log.warning("未复制 / not copied: %s (%s)", printable(f"{shown}/{name}"), e.strerror or e)


def copy_tree(src, dest, root, ignore, log):
    """Copy the regular files below `src` to `dest`, except `ignore` globs; links are never followed."""
    shown = os.path.relpath(src, root)
    try:
        dfd = open_dir(src, root)
    except RefusedPath as e:
        log.warning("未复制任何文件 / nothing copied: %s", e)
        return
    except OSError:
        return                                             # no such folder: nothing to copy, as in nbgrader
    try:
        _copy_dir(dfd, shown, dest, ignore, log)
    finally:
        os.close(dfd)


# ------------------------------------------------------------------ timestamps

def checked_timestamp(path, root, log):
    """``timestamp.txt`` in folder `path`, read through ``open_submission`` -> datetime or None."""
    from nbgrader.utils import parse_utc
    name = os.path.join(path, "timestamp.txt")
    try:
        data = read_bytes(name, root, limit=4096)[:4096]
    except FileNotFoundError:
        return None
    except (RefusedPath, OSError) as e:
        log.warning("忽略时间戳 / timestamp ignored: %s", e)
        return None
    text = data.decode("utf-8", "replace").strip()
    if not text:
        log.warning("Empty timestamp file: %s", name)
        return None
    try:
        return parse_utc(text)
    except ValueError:
        raise ValueError(f"Invalid timestamp string: {name}") from None


def guard_timestamps(coursedir, root, log):
    """Make `coursedir` read timestamps below `root` only through ``checked_timestamp``.

    Kept as a patch of this run's one ``CourseDirectory`` instance (not of nbgrader's class):
    nbgrader's apps make their ``CourseDirectory`` themselves and no setting names its class, and
    ``get_existing_timestamp`` is called by nbgrader's converter and gradebook code alike."""
    original = getattr(coursedir.get_existing_timestamp, "_unchecked", coursedir.get_existing_timestamp)

    def get_existing_timestamp(dest_path):
        if under(dest_path, root):
            return checked_timestamp(dest_path, root, log)
        return original(dest_path)

    get_existing_timestamp._unchecked = original
    coursedir.get_existing_timestamp = get_existing_timestamp


# ------------------------------------------------------------------ the converters

class SafeCopy(BaseConverter):
    """``init_assignment`` without following links: placed before ``BaseConverter`` in the MRO."""

    def init_notebooks(self):
        """nbgrader's list of submissions, without the names the gradebook cannot store (not UTF-8)."""
        super().init_notebooks()
        for folder in sorted(self.assignments):
            if not is_encodable(folder):
                self.log.warning("跳过：文件夹名不是 UTF-8，无法存入成绩簿，请用 autograder grade 评分 / skipped: "
                                 "folder name is not UTF-8, the gradebook cannot store it (grade it with "
                                 "`autograder grade`): %s", printable(folder))
                del self.assignments[folder]
                continue
            kept = []
            for notebook in self.assignments[folder]:
                if is_encodable(notebook):
                    kept.append(notebook)
                else:
                    self.log.warning("跳过：文件名不是 UTF-8 / skipped: file name is not UTF-8: %s", printable(notebook))
            if kept:
                self.assignments[folder] = kept
            else:
                del self.assignments[folder]

    def init_assignment(self, assignment_id, student_id):
        source = self._format_source(assignment_id, student_id)
        dest = self._format_dest(assignment_id, student_id)
        root = step_root(self.coursedir, self._input_directory)
        copy_tree(source, dest, root, list(self.coursedir.ignore) + ["*.ipynb"], self.log)


class HardenedAutograde(Autograde, SafeCopy):
    """``nbgrader autograde``: safe copies, checked timestamps, layout warnings.

    The run owns what the kit's preprocessors share (``autograder.adapters.nbgrader.execute.KitRun``):
    one grader (one zygote) for every notebook, and each notebook as submitted, handed
    from the sanitize pass to the grading pass.
    """

    def start(self):
        guard_timestamps(self.coursedir, step_root(self.coursedir, self.coursedir.submitted_directory), self.log)
        self.warn_layout()
        with KitRun() as self.kit_run:
            self.check_sandbox()
            super().start()

    def check_sandbox(self):
        """Start the sandbox the grading pass will use (its zygote is kept for it); where it cannot
        confine student code and weak sandboxes are not allowed, stop here with status 3: nothing
        graded, no autograded/ folder removed or written, the reason and the fixes in the log."""
        from autograder.adapters.nbgrader.execute import HardenedExecute
        from autograder.sandbox.runner import SandboxTooWeak
        grader = self.kit_run.grader(HardenedExecute(config=self.config).grading_config())
        try:
            grader.warm()
        except SandboxTooWeak as e:
            for line in e.message("nbgrader").splitlines():
                self.log.error("%s", line)
            raise SystemExit(3) from None
        if grader.engine.confinement and grader.engine.confinement.get("missing"):
            self.log.warning("autograder: 以弱沙箱评分 / grading with a weak sandbox "
                             "(c.HardenedExecute.allow_weak_sandbox = True): not confined: %s",
                             ", ".join(grader.engine.confinement["missing"]))

    def warn_layout(self):
        """The same layout warnings as ``autograder grade`` (nbgrader itself skips such folders silently)."""
        from autograder.pipeline.find_submissions import find_class
        assignment = self.coursedir.assignment_id
        if not assignment or any(ch in assignment for ch in "*?["):
            return
        source = self.coursedir.format_path(self.coursedir.source_directory, ".", assignment)
        try:
            known = sorted(os.path.splitext(n)[0] for n in os.listdir(source) if n.endswith(".ipynb"))
            find_class(step_root(self.coursedir, self.coursedir.submitted_directory), known,
                       warn=lambda m: self.log.warning("%s", printable(m)), assignment=assignment)
        except (OSError, ValueError):
            pass


class HardenedGenerateFeedback(GenerateFeedback, SafeCopy):
    """``nbgrader generate_feedback``: safe copies; no notebook reached through a link is converted."""

    def convert_single_notebook(self, notebook_filename):
        root = step_root(self.coursedir, self._input_directory)
        try:
            os.close(open_file(notebook_filename, root if under(notebook_filename, root) else None))
        except RefusedPath as e:
            self.log.warning("未生成反馈 / no feedback made: %s", e)
            return
        super().convert_single_notebook(notebook_filename)


def _kit_exporter(handler):
    """The formgrader's HTML exporter, as a ``KitHTMLExporter`` (same template and configuration):
    the instructor's grading page renders student markdown sanitised (``nbgrader_feedback.clean_html``)."""
    from autograder.adapters.nbgrader.feedback import KitHTMLExporter
    exporter = handler.settings["nbgrader_exporter"]
    if not isinstance(exporter, KitHTMLExporter):
        exporter = KitHTMLExporter(config=exporter.config, template_name=exporter.template_name,
                                   extra_template_basedirs=list(exporter.extra_template_basedirs))
        handler.settings["nbgrader_exporter"] = exporter
    return exporter


def install():
    """Make nbgrader's apps (and the formgrader's API) build these converters instead of the stock ones;
    in a server running the formgrader, make its grading page render student markdown sanitised."""
    import sys
    import nbgrader.apps.api as api
    import nbgrader.apps.autogradeapp as autograde_app
    import nbgrader.apps.generatefeedbackapp as feedback_app
    # Kept: nbgrader 0.9 offers no setting for these classes. AutogradeApp.start, GenerateFeedbackApp.start
    # and NbGraderAPI build ``Autograde(...)`` / ``GenerateFeedback(...)`` by the names imported into
    # their modules (no ``converter_class`` trait), and the copying and timestamp reading replaced here
    # happen in the converter itself, before any preprocessor or exporter (which are configured
    # through traitlets: nbgrader_config.py) sees a file.
    autograde_app.Autograde = api.Autograde = HardenedAutograde
    feedback_app.GenerateFeedback = api.GenerateFeedback = HardenedGenerateFeedback
    # Only where the formgrader is loaded (a Jupyter server): the exporter it makes from now on, and
    # the one it already made (replaced on first use), are the kit's. Student markdown on the
    # instructor's page is the worst place for a script: it would run with the instructor's session.
    formgrader = sys.modules.get("nbgrader.server_extensions.formgrader.formgrader")
    base = sys.modules.get("nbgrader.server_extensions.formgrader.base")
    # Kept: the formgrader makes its exporter as ``HTMLExporter(config=...)`` by that name
    # (formgrader.py) and hands it to its handlers; no setting names the exporter's class.
    if formgrader is not None:
        from autograder.adapters.nbgrader.feedback import KitHTMLExporter
        formgrader.HTMLExporter = KitHTMLExporter
    if base is not None:
        base.BaseHandler.exporter = property(_kit_exporter)
