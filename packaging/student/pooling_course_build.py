"""Build backend of the student package ``pooling-course`` (``import course``), standard library only.

The student package is the repository's ``course/`` folder and nothing else:
self-checks with public cases only, the operator rule (the grader's own recorder
and static check, which need no hidden data), figures and feedback wording. It never
contains ``autograder/`` (hidden suites, references, mistake models), the
source notebooks or their solutions (``tests/test_packages.py`` checks).

Two uses:

* a PEP 517 backend (``packaging/student/pyproject.toml``), so that
  ``pip install packaging/student`` and ``pip install -e packaging/student``
  work offline, with no build dependency to download;
* ``python packaging/student/pooling_course_build.py [--out DIR]`` writes the
  wheel (default: ``source/pooling/``, where ``nbgrader generate_assignment``
  copies it into ``release/pooling/`` beside the notebooks).

The wheel is reproducible: sorted entries, a fixed timestamp, fixed modes.
"""
import base64
import hashlib
import io
import os
import pathlib
import sys
import tomllib
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent                 # the repository: course/ lives there
PACKAGE = "course"
# What of course/ is shipped (no caches, no stray files): its modules, its subpackages' modules
# (course/source_rules/: the operator rule's static check, the grader's own) and its data.
PACKAGE_FILES = ("*.py", "*/*.py", "*.json")
DATE = (2024, 1, 1, 0, 0, 0)              # every entry's timestamp: the same bytes in, the same wheel out
TAG = "py3-none-any"


def project():
    return tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def dist_name(name=None):
    """The wheel's file-name form of the distribution name (PEP 427)."""
    return (name or project()["name"]).replace("-", "_").replace(".", "_")


def wheel_name():
    p = project()
    return f"{dist_name(p['name'])}-{p['version']}-{TAG}.whl"


def package_files(root=ROOT):
    """``{path inside the wheel: bytes}`` of the shipped files of ``course/``."""
    pkg = pathlib.Path(root) / PACKAGE
    files = {}
    for pattern in PACKAGE_FILES:
        for path in pkg.glob(pattern):
            if path.is_file() and not path.is_symlink() and not path.parent.is_symlink():
                files[f"{PACKAGE}/{path.relative_to(pkg).as_posix()}"] = path.read_bytes()
    if f"{PACKAGE}/__init__.py" not in files:
        raise RuntimeError(f"{pkg} is not a package (no __init__.py)")
    return dict(sorted(files.items()))


def metadata():
    """The METADATA file (core metadata 2.1)."""
    p = project()
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}",
             f"Summary: {p['description']}"]
    if p.get("requires-python"):
        lines.append(f"Requires-Python: {p['requires-python']}")
    for lic in ([p["license"]["text"]] if isinstance(p.get("license"), dict) else []):
        lines.append(f"License: {lic}")
    for req in p.get("dependencies", []):
        lines.append(f"Requires-Dist: {req}")
    for extra, reqs in sorted(p.get("optional-dependencies", {}).items()):
        lines.append(f"Provides-Extra: {extra}")
        for req in reqs:
            marker = f'extra == "{extra}"'
            lines.append(f"Requires-Dist: {req} ; {marker}" if ";" not in req
                         else f"Requires-Dist: {req} and {marker}")
    lines.append("Description-Content-Type: text/markdown")
    readme = HERE / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.exists() else ""
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(directory, files, name):
    """Write ``files`` plus the dist-info into ``directory/name``; return ``name``."""
    p = project()
    info = f"{dist_name(p['name'])}-{p['version']}.dist-info"
    files = dict(files)
    files[f"{info}/METADATA"] = metadata()
    files[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: pooling_course_build\n"
                              f"Root-Is-Purelib: true\nTag: {TAG}\n").encode()
    files[f"{info}/top_level.txt"] = f"{PACKAGE}\n".encode()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n, d in files.items():        # dist-info last, RECORD last of all (as installers expect)
            zi = zipfile.ZipInfo(n, date_time=DATE)
            zi.external_attr = 0o100644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, d)
    out = pathlib.Path(directory) / name
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, out)
    return name


# ----------------------------------------------------------------- PEP 517 / PEP 660 hooks

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None, root=ROOT):
    return _write_wheel(wheel_directory, package_files(root), wheel_name())


_FINDER = '''\
"""Editable install of pooling-course: ``import course`` from {root!r}."""
import importlib.machinery
import sys

ROOT = {root!r}


class CourseFinder:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name == "course":
            return importlib.machinery.PathFinder.find_spec(name, [ROOT])
        return None


def install():
    if CourseFinder not in sys.meta_path:
        sys.meta_path.append(CourseFinder)
'''


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """A wheel whose ``.pth`` maps ``course`` (and only it) to the repository's ``course/``."""
    module = "__editable___pooling_course_finder"
    files = {
        f"{module}.py": _FINDER.format(root=str(ROOT)).encode(),
        "__editable__.pooling_course.pth": f"import {module}; {module}.install()\n".encode(),
    }
    return _write_wheel(wheel_directory, files, wheel_name())


# ----------------------------------------------------------------- command line

def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="build the student wheel (pooling-course)")
    ap.add_argument("--out", default=str(ROOT / "source" / "pooling"),
                    help="folder to write the wheel to (default: source/pooling/)")
    ap.add_argument("--from", dest="root", default=str(ROOT),
                    help="folder holding course/ (default: the repository; e.g. a `git archive` of HEAD)")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{dist_name()}-*.whl"):      # one wheel beside the notebooks, never two versions
        if old.name != wheel_name():
            old.unlink()
    name = build_wheel(out, root=pathlib.Path(args.root))
    print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
