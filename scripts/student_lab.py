"""JupyterLab as a student sees it (``make lab-student``): no instructor-only nbgrader UI.

nbgrader's JupyterLab extension brings the instructor's tools to every Lab it is installed
in: the formgrader (menu and panel), the "Create Assignment" sidebar that edits cell
metadata, and the course list. A student needs only the Assignment List and Validate. This
script writes a small Jupyter configuration folder that turns the instructor's parts off:

* ``labconfig/page_config.json``: the lab plugins ``@jupyter/nbgrader:formgrader``,
  ``:create-assignment`` and ``:course-list`` disabled;
* ``jupyter_server_config.json``: the server extensions ``formgrader`` and ``course_list``
  off, so their pages are not served either (not only hidden).

The folder goes on ``JUPYTER_CONFIG_PATH`` (ahead of the environment's own configuration,
behind the user's ``~/.jupyter``), so the instructor's Lab (``make lab``) is unchanged.
The student's working copy is ``lab/student/`` (gitignored): the released notebooks and the
student wheel, copied once and kept, so work survives ``make lab-student`` again.

Usage: python scripts/student_lab.py [--dir DIR] [--config-only] [-- jupyter lab options...]
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "pooling"

# What a student must not see: the instructor's nbgrader UI.
DISABLED_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
DISABLED_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)


def write_config(config_dir):
    """Write the student configuration folder; return its path."""
    config_dir = pathlib.Path(config_dir)
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    page = {"disabledExtensions": {name: True for name in DISABLED_LAB_PLUGINS}}
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1) + "\n")
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in DISABLED_SERVER_EXTENSIONS}}}
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server, indent=1) + "\n")
    return config_dir


def environ(config_dir, base=None):
    """The environment a student's Lab runs in: the student configuration on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if base is None else base)
    paths = [str(config_dir)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def prepare(work=ROOT / "lab" / "student", root=ROOT):
    """The student's working copy (released notebooks and wheel, made once) and its configuration."""
    work = pathlib.Path(work)
    dest = work / ASSIGNMENT
    if not dest.exists():
        shutil.copytree(pathlib.Path(root) / "release" / ASSIGNMENT, dest,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return work, write_config(work / ".jupyter-student")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=str(ROOT / "lab" / "student"), help="the student's working copy")
    ap.add_argument("--config-only", action="store_true", help="write the configuration, start nothing")
    args = ap.parse_args(argv)
    work, config = prepare(args.dir)
    print(f"学生的 JupyterLab / the student's Lab: {work} (config {config})", file=sys.stderr)
    if args.config_only:
        return 0
    jupyter = pathlib.Path(sys.executable).parent / "jupyter"
    cmd = [str(jupyter), "lab", f"--ServerApp.root_dir={work}"] + extra
    if os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")
    return subprocess.call(cmd, cwd=work, env=environ(config))


if __name__ == "__main__":
    sys.exit(main())
