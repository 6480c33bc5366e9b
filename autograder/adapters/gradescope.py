"""Gradescope: ``autograder gradescope-bundle OUT.zip`` and what runs inside Gradescope's container.

The zip (Gradescope: "Configure Autograder" > "Zip file upload") holds::

    setup.sh            Gradescope runs it once, as root, when it builds the image
    run_autograder      Gradescope copies it to /autograder/run_autograder and runs it per submission
    requirements.txt    the instructor package's exact pins (pyproject.toml)
    wheels/             the student wheel (course/) and the instructor wheel (autograder/)
    course/source/pooling/*.ipynb   the instructor's notebooks: tests, points, solutions
    course/release/pooling/*.ipynb  what students got (stubs, for "answered" and solution-copy checks)
    course/{source,release}/pooling_en/  the same for the English edition, when the course has it

Gradescope unpacks it into ``/autograder/source/``. ``setup.sh`` installs
Python 3.11, a virtual environment ``/autograder/venv`` with the pins and the
two wheels (by file, never by name from an index), and makes the course
folder readable by root only. ``run_autograder`` grades
``/autograder/submission/*.ipynb`` (matched to the five notebooks by name,
then by content) with the kit's engine and writes
``/autograder/results/results.json`` (the same Gradescope format as
``autograder grade``'s per-student ``results.json``).

``AUTOGRADER_GRADESCOPE_ROOT`` replaces ``/autograder`` -- for the kit's own
tests, which run ``run_autograder`` in an emulated tree; never set it on
Gradescope.
"""
import io
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import zipfile

from autograder.core import totals
from autograder.core import kit
from autograder.core.course_dir import ASSIGNMENT, default_course_dir, editions, release_dir, source_dir

ROOT_ENV = "AUTOGRADER_GRADESCOPE_ROOT"
REPO = kit.ROOT
DATE = (2024, 1, 1, 0, 0, 0)

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the autograder image.
# Installs Python 3.11, a venv with the instructor package's exact pins and the kit's two wheels.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
if ! command -v python3.11 >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq software-properties-common >/dev/null
    # Ubuntu 22.04 has python3.11 in universe; older bases need the deadsnakes PPA.
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null 2>&1 || {
        add-apt-repository -y ppa:deadsnakes/ppa && apt-get update -qq &&
        apt-get install -y -qq python3.11 python3.11-venv >/dev/null; }
fi
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
# torch's CPU build (no CUDA) from PyTorch's index; everything else from PyPI, pinned exactly.
/autograder/venv/bin/pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu \
    -r requirements.txt wheels/*.whl
# The student's code runs as `nobody`; where Gradescope's container refuses namespaces it sees the
# real file system: the instructor's notebooks (solutions) must not be readable by it.
chmod 0700 /autograder/source
chmod -R go-rwx /autograder/source/course
chmod -R a+rX /autograder/venv
# ... nor the instructor package (hidden suites, references): the grader runs as root, the child never
# needs it (the zygote loads what it runs before the child drops to nobody).
chmod -R go-rwx "$(/autograder/venv/bin/python -I -c 'import autograder, os; print(os.path.dirname(autograder.__file__))')"
/autograder/venv/bin/python -I -m autograder.adapters.gradescope check
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (as /autograder/run_autograder).
# AUTOGRADER_GRADESCOPE_ROOT: the kit's tests only (an emulated /autograder tree).
set -uo pipefail
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
export AUTOGRADER_COURSE_DIR="$ROOT/source/course"
{language}exec "$ROOT/venv/bin/python" -I -m autograder.adapters.gradescope run{run_options}
"""

# ``run``'s option that grades even where the sandbox cannot confine student code (the bundle's
# --allow-weak-sandbox writes it into run_autograder; without it run_autograder exits 3 there).
ALLOW_WEAK = "--allow-weak-sandbox"


def run_autograder_script(allow_weak_sandbox=False, language=None):
    """The bundle's run_autograder, with ``run --allow-weak-sandbox`` when weak sandboxes are allowed,
    and ``COURSE_LANGUAGE`` set when the bundle was built with ``--language`` (issue #25: the
    feedback's language, course.language; checked, so only one of its three values is written)."""
    from course.language import ENV, check_language
    line = f"export {ENV}='{check_language(language)}'\n" if language else ""
    return (RUN_AUTOGRADER.replace("{run_options}", f" {ALLOW_WEAK}" if allow_weak_sandbox else "")
            .replace("{language}", line))


def _root():
    return pathlib.Path(os.environ.get(ROOT_ENV) or "/autograder")


# ------------------------------------------------------------------ the bundle

def pins(pyproject=REPO / "pyproject.toml"):
    """The instructor package's exact pins, without the student package (it travels as a wheel)."""
    deps = tomllib.loads(pathlib.Path(pyproject).read_text(encoding="utf-8"))["project"]["dependencies"]
    return [d for d in deps if not d.replace("_", "-").lower().startswith("pooling-course")]


def _build_instructor_wheel(dest):
    """The instructor wheel, built from a copy of the repository's package (never writes in the tree)."""
    if not (REPO / "pyproject.toml").is_file():
        raise FileNotFoundError(f"no pyproject.toml in {REPO}: build the bundle from the kit's repository")
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as tmp:
        src = pathlib.Path(tmp) / "src"
        src.mkdir()
        for name in ["pyproject.toml", "README.md"]:
            shutil.copy(REPO / name, src / name)
        shutil.copytree(REPO / "autograder", src / "autograder",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                               "--no-build-isolation", "--wheel-dir", str(dest), str(src)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building the instructor wheel failed:\n{proc.stdout}{proc.stderr}")
    (wheel,) = pathlib.Path(dest).glob("pooling_course_autograder-*.whl")
    return wheel


def _build_student_wheel(dest):
    """The student wheel of the repository's course/ (packaging/student, standard library only)."""
    backend = REPO / "packaging" / "student" / "pooling_course_build.py"
    if not backend.is_file():
        raise FileNotFoundError(f"no {backend}: build the bundle from the kit's repository")
    proc = subprocess.run([sys.executable, str(backend), "--out", str(dest)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building the student wheel failed:\n{proc.stdout}{proc.stderr}")
    return pathlib.Path(proc.stdout.strip().splitlines()[-1])


def _entry(zf, name, data, mode=0o644):
    zi = zipfile.ZipInfo(name, date_time=DATE)
    zi.external_attr = (stat.S_IFREG | mode) << 16
    zi.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(zi, data)


def bundle(out_zip, course_dir=None, allow_weak_sandbox=False, language=None):
    """Write the Gradescope autograder zip; return the names it holds. ``allow_weak_sandbox``:
    run_autograder grades even where the sandbox cannot confine student code (else exit 3)."""
    course = pathlib.Path(course_dir or default_course_dir())
    source = source_dir(course)
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no source notebooks in {source}")
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="autograder-bundle-") as tmp:
        instructor = _build_instructor_wheel(tmp)
        student = _build_student_wheel(tmp)       # the course/ this autograder/ was written with
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            _entry(zf, "setup.sh", SETUP_SH, 0o755)
            _entry(zf, "run_autograder", run_autograder_script(allow_weak_sandbox, language), 0o755)
            _entry(zf, "requirements.txt", "\n".join(pins()) + "\n")
            for wheel in [student, instructor]:
                _entry(zf, f"wheels/{wheel.name}", wheel.read_bytes())
            # Every edition the course has (issue #25): one Gradescope assignment grades either one
            # (the same cells and points); each edition's release/ tells its unanswered stubs.
            for edition in editions(course):
                for nb in sorted(source_dir(course, edition).glob("*.ipynb")):
                    _entry(zf, f"course/source/{edition}/{nb.name}", nb.read_bytes())
                for nb in sorted(release_dir(course, edition).glob("*.ipynb")):
                    _entry(zf, f"course/release/{edition}/{nb.name}", nb.read_bytes())
            names = zf.namelist()
    out = pathlib.Path(out_zip)
    out.parent.mkdir(parents=True, exist_ok=True)
    from autograder.run.write import atomic_write
    atomic_write(out, buf.getvalue())
    return names


# ------------------------------------------------------------------ inside Gradescope

def _student_id(root):
    """Who submitted, from Gradescope's submission_metadata.json (for the folder name only)."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        users = meta.get("users") or []
        return str(users[0].get("email") or users[0].get("name") or "submission") if users else "submission"
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        return "submission"


MAX_NOTEBOOK_BYTES = 32 << 20


def edition_of(notebooks: dict, course_dir, root=None) -> str:
    """The edition a Gradescope upload is (issue #25), by the cells its notebooks hold
    (``autograder.core.editions``, as ``autograder intake`` decides it); the default edition when
    they cannot tell. Only the feedback's language follows it: the editions' code, points and hidden
    tests are the same, so a wrong guess never changes a score. Every byte is the student's: read
    through the submission reader, size-bounded, never trusted."""
    from autograder.core.editions import edition_of_notebooks, edition_prints
    from autograder.pipeline.open_submission import RefusedPath, read_bytes
    datas = []
    for path in notebooks.values():
        if not path:
            continue
        try:
            datas.append(read_bytes(path, root, limit=MAX_NOTEBOOK_BYTES)[:MAX_NOTEBOOK_BYTES + 1])
        except (OSError, RefusedPath, ValueError):
            continue
    return edition_of_notebooks(datas, edition_prints(course_dir), ASSIGNMENT)


def run(root=None, stdout=None, allow_weak_sandbox=False):
    """Grade ``ROOT/submission/*.ipynb`` and write ``ROOT/results/results.json``; return the exit status.

    Where the sandbox cannot confine student code (no namespaces, no Landlock in this container)
    and ``allow_weak_sandbox`` is false: exit status 3, the refusal on stdout and stderr (Gradescope
    shows the instructor stdout), and no results.json (Gradescope then reports the autograder failed)."""
    from autograder.run.backends.local import LocalBackend
    from autograder.run.batch import grade_submissions
    from autograder.pipeline.find_submissions import Submission, find_self
    from autograder.pipeline.source_tests import SourceTests
    from autograder.run.write import atomic_write
    from autograder.sandbox.confinement import describe as confinement_words
    from autograder.core.config import GradingConfig
    from autograder.sandbox.runner import SandboxTooWeak, SandboxUnavailable
    stdout = stdout or sys.stdout
    root = pathlib.Path(root or _root())
    submission, results = root / "submission", root / "results"
    print(f"autograder {__import__('autograder').__version__} ({pathlib.Path(__file__).parent}), "
          f"course {default_course_dir()}", file=stdout)
    known = SourceTests(default_course_dir()).notebooks()
    try:
        found = find_self(str(submission), known).pop().notebooks
    except ValueError:
        found = {}
    if not found and submission.is_dir():          # notebooks in a folder the student uploaded
        for sub in sorted(p for p in submission.iterdir() if p.is_dir() and not p.is_symlink()):
            try:
                found = find_self(str(sub), known).pop().notebooks
                submission = sub
                break
            except ValueError:
                continue
    sid = _student_id(root)
    # The run's configuration, built here (Gradescope's container: its environment); its words in
    # $COURSE_LANGUAGE, which run_autograder sets from the bundle's --language, else the edition's
    # (GradingConfig.language_for: the English edition English only, the Chinese zh+en).
    from course.language import say as words
    config = GradingConfig.build(allow_weak_sandbox=bool(allow_weak_sandbox))
    edition = edition_of(found, default_course_dir(), str(submission))
    language = config.language_for(edition)
    sub = Submission(sid, {nb: found.get(nb) for nb in known}, str(submission),
                     "" if found else words("没有找到 notebook", "no notebook found in the submission",
                                            language=language), edition)
    graded = []                                   # the SubmissionResult (autograder.core.results)
    with tempfile.TemporaryDirectory(prefix="autograder-gs-") as out:
        try:
            meta = grade_submissions([sub], out, LocalBackend(1), force=True, config=config,
                                     on_result=graded.append)
        except SandboxTooWeak as e:
            text = e.message("gradescope")
            print(text, file=stdout)
            print(text, file=sys.stderr)
            return 3
        except SandboxUnavailable as e:
            print(f"autograder: 评分器无法运行 / the grader cannot run: {e}", file=sys.stderr)
            return 3
    scheme = totals.scheme()
    from course.language import in_language
    with in_language(language):                   # the results' own words (the written answers' note)
        res = graded[0].to_gradescope(scheme)
    missing = sorted(nb for nb in known if not found.get(nb))
    notes = [res.get("output", "")]
    if missing:
        notes.append(words("未提交", "not submitted", language=language) + ": "
                     + ", ".join(f"{nb}.ipynb" for nb in missing))
    res["output"] = "\n".join(n for n in notes if n)
    atomic_write(results / "results.json", json.dumps(res, ensure_ascii=False, indent=1))
    t = totals.Totals.of(graded[0].rows, scheme)         # the required maximum; optional points go above it
    print(f"score {res['score']:g} / {t.auto_max:g}"
          + (f" (附加题 optional {t.optional_auto:g} / {t.optional_auto_max:g})" if t.optional_auto_max else "")
          + f" -> {results / 'results.json'}", file=stdout)
    if meta.get("unconfined"):                     # the instructor's log says so (stdout is theirs)
        print(f"autograder: 注意 / NOTE: 以弱沙箱评分 / graded with a weak sandbox ({ALLOW_WEAK}): "
              f"未隔离 / not confined: {confinement_words(meta['unconfined'])}", file=stdout)
    return 0


def jail_report():
    """Which of the jail's layers this machine gives a child: ``(notes, warnings)`` of one real child
    (started with weak sandboxes allowed, to look: ``check`` says whether ``run`` would refuse)."""
    from autograder.sandbox.runner import Engine, Limits
    with Engine(Limits(allow_weak_sandbox=True), announce=False) as engine:
        child = engine.spawn()
        notes = dict(child.notes)
        child.kill()
        return notes, sorted(engine.warnings)


def check(stdout=None):
    """After setup.sh: the kit imports, a jailed child starts, and the log says which layers it has."""
    stdout = stdout or sys.stdout
    from autograder.pipeline import grader  # noqa: F401  (imports torch and the pipeline: fails early if broken)
    notes, warnings = jail_report()
    layers = {k: notes.get(k) for k in ("namespaces", "seccomp", "dropped") if k in notes}
    print(f"autograder ready; jail layers {layers}" + (f"; missing: {'; '.join(warnings)}" if warnings else ""),
          file=stdout)
    from autograder.sandbox import confinement
    gaps = confinement.missing(notes)
    if gaps:       # the image builds; each run_autograder will refuse unless the bundle allows weak sandboxes
        print(f"autograder: WARNING: run_autograder will refuse to grade here (exit status 3) unless the "
              f"bundle was built with {ALLOW_WEAK}:\n" + confinement.refusal_message(gaps, notes, "gradescope"),
              file=stdout)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["run"] and set(argv[1:]) <= {ALLOW_WEAK}:
        return run(allow_weak_sandbox=ALLOW_WEAK in argv[1:])
    if argv[:1] == ["check"]:
        return check()
    print(f"usage: python -m autograder.adapters.gradescope run [{ALLOW_WEAK}] | check", file=sys.stderr)
    return 2


# ------------------------------------------------------------------ command line (autograder gradescope-bundle)

def cli(args):
    if not str(args.out_zip).endswith(".zip"):
        print("autograder: OUT.zip must end in .zip", file=sys.stderr)
        return 2
    try:
        names = bundle(args.out_zip, allow_weak_sandbox=bool(getattr(args, "allow_weak_sandbox", False)),
                       language=getattr(args, "language", None))
    except (FileNotFoundError, RuntimeError, OSError) as e:
        print(f"autograder: {e}", file=sys.stderr)
        return 2
    print(f"{len(names)} files -> {args.out_zip} (Gradescope: Configure Autograder > Zip file upload)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
