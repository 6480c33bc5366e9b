"""Regenerate release/pooling/ from source/pooling/ with nbgrader (``make release``), and the
English edition: source/pooling_en/ built from source/pooling/ and editions/en/
(scripts/build_english_edition.py), then release/pooling_en/ from it with nbgrader.

Runs the real ``nbgrader generate_assignment pooling --force`` in the repository
root, which is the nbgrader course directory (see nbgrader_config.py). nbgrader
0.9.6 writes the student version to ``<course root>/release/pooling``, which is
exactly the kit's layout, so nothing is copied or edited by hand: release/ is
what nbgrader makes. The gradebook it updates (gradebook.db) is gitignored.

First it rebuilds the student wheel (packaging/student/pooling_course_build.py)
into source/pooling/: generate_assignment copies every non-notebook file of
source/pooling/ into release/pooling/, so the wheel travels with the notebooks
through nbgrader's release, the exchange and fetch.

Usage: .venv/bin/python scripts/regenerate_release.py [--course-dir DIR]
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

from autograder.core.course_dir import ASSIGNMENT, release_dir, source_dir

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_english_edition  # noqa: E402  (scripts/: the English edition's source from the Chinese one)


def build_wheel(course_dir=ROOT):
    """The student wheel of the repository's course/, written into ``course_dir/source/pooling/``."""
    cmd = [sys.executable, str(ROOT / "packaging" / "student" / "pooling_course_build.py"),
           "--out", str(source_dir(course_dir))]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def regenerate(course_dir=ROOT, quiet=False):
    """Build the student wheel and the English edition's source (where the course has its prose),
    run nbgrader generate_assignment for each edition in ``course_dir``; return the release folders."""
    course_dir = pathlib.Path(course_dir)
    build_wheel(course_dir)
    editions = [ASSIGNMENT]
    if (course_dir / "editions" / "en").is_dir():
        build_english_edition.write(course_dir)
        editions.append(build_english_edition.EN)
    return [generate(course_dir, edition, quiet) for edition in editions]


def generate(course_dir, assignment=ASSIGNMENT, quiet=False):
    """``nbgrader generate_assignment ASSIGNMENT --force`` in ``course_dir``; return its release folder."""
    release = release_dir(course_dir, assignment)
    # Start from an empty folder so that notebooks removed from source/ disappear too.
    if release.exists():
        shutil.rmtree(release)
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"]
    if quiet:
        cmd += ["--log-level=WARN"]
    proc = subprocess.run(cmd, cwd=course_dir, capture_output=quiet, text=True)
    if proc.returncode != 0:
        if quiet:
            sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"nbgrader generate_assignment failed (exit {proc.returncode})")
    notebooks = sorted(release.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"nbgrader wrote no notebooks to {release}")
    return release


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", default=str(ROOT), help="nbgrader course directory (default: the repository)")
    args = parser.parse_args(argv)
    for release in regenerate(args.course_dir):
        for nb in sorted(release.glob("*.ipynb")):
            print(nb.relative_to(pathlib.Path(args.course_dir).resolve()))


if __name__ == "__main__":
    main()
