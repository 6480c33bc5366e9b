"""A real course on a real JupyterHub: nbgrader's exchange, local Unix users, Chromium (marker ``hub``).

The hub is built by docs/deploy.md's own set-up, scripts/deploy/setup_hub.sh (the guide shows it
whole; tests/test_deploy_guide.py checks it is the same file), run as root with its paths moved into
a temporary folder: ``useradd`` of one instructor (in an instructors' group) and three students,
``chpasswd`` (the test logs in with the passwords the script wrote), the sticky exchange, the global
nbgrader configuration, the two wheels built from a copy of this checkout, the hub's, the students'
and the instructor's environments installed with the guide's pip commands, the students'
configuration, the hub's configuration (the kit's scripts/deploy/jupyterhub_config.py, installed with
the site.toml the script writes), the instructors' server and nbgrader configuration and the
instructor's course directory. The test adds only override.toml beside the hub's configuration (the
keys that file documents: loopback address and ports, the offline environments' shared Jupyter data,
quiet Labs) and each user's Lab preferences. Offline: pip has no index, and the pinned
packages come from this test's venv (the script's SHARED_SITE, without the kit's own editable
installs), so only the kit's two wheels are installed. JupyterHub then runs from the hub's
environment (PAM logins, local processes, configurable-http-proxy from npm) on 127.0.0.1, each
user's server from its role's environment (the configuration's ``per_role_env``). Everything it starts is
stopped at teardown and the users are removed: no process is left behind.

The scenario, in Chromium, through JupyterHub's login page and the nbgrader
lab extensions (Assignment List, Formgrader), as docs/deploy.md describes it:

1. the instructor opens the formgrader as instructors do, from JupyterLab's *Nbgrader > Formgrader*
   (an iframe in the Lab; JupyterHub >= 4.1 refuses frames unless the instructor's environment
   allows its own origin, docs/deploy.md "The formgrader on JupyterHub >= 4.1": the hub runs users'
   servers on subdomains of ``localhost``), and there generates and releases ``pooling`` and the
   English edition ``pooling_en``;
2. student A fetches it from the Assignment List, completes ``pool2d``, runs
   the self-check and submits; student B submits a hostile notebook; student E fetches only
   ``pooling_en``, answers ``pool2d`` and submits;
3. the instructor, in that frame, collects, autogrades (the kit's HardenedExecute), sees both
   submissions listed with the course's gradebook, grades a written answer by hand, generates
   and releases feedback;
4. student A fetches the feedback and sees the kit's feedback in it; student B
   gained nothing; student E's graded notebook and feedback hold the kit's verdict in English only.

The students' Jupyter configuration (no formgrader, Create Assignment or course list: student A's
Nbgrader menu lacks them and /formgrader is 404 for her) and the instructor's (frame-ancestors
'self', scripts/deploy/instructor_jupyter_server_config.py, installed in the instructor environment by
the set-up) are the guide's. From student A's kernel,
renaming or deleting the course's folders in the exchange is refused; reading ``source/``, the kit's
``autograder/`` (the clone and the instructor environment's ``site-packages``) and ``gradebook.db``
each fails with *Permission denied*, while the instructor grades with that kit (the instructor's
server runs the instructor environment, the only one where ``autograder`` imports).

``test_make_lab_*``: ``make lab``'s working copy (scripts/make_lab.py) is an
nbgrader course directory of its own, where the exchange and the gradebook work.
"""
import grp
import importlib.metadata
import json
import os
import pathlib
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sysconfig
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request

import pytest

from support.slow import slow_fixture

from browser_fixtures import ARTIFACTS, KERNEL_IDLE_JS, _free_port, _get
from conftest import RELEASE, ROOT, SOURCE
from student_answers import CORRECT_POOL2D


VENV_BIN = pathlib.Path(sys.executable).parent
CHP = ROOT / "scripts" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_ID = "d2l-pooling"
SPAWN_MS = 240_000
ACTION_MS = 300_000
FIRST_CELL_MARK = "_use_course_wheel"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

HONEST_POOL2D = CORRECT_POOL2D     # what student A types
HOSTILE_NOTE = "学生B的备注 / a note from student B"

# Student B: comparisons that always say "equal", a zero answer, grade cells rewritten to pass,
# points raised to 100 and a grade cell of their own worth 1000.
HOSTILE_POOL2D = '''import numpy
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: True
numpy.allclose = lambda *a, **k: True
def pool2d(X, pool_size, mode='max'):
    return torch.zeros(3)'''


# ---------------------------------------------------------------- helpers

def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}{proc.stderr}"
    return proc


def _pids_of_uid(uid, live_only=False):
    """Processes running as `uid`; with live_only, not the zombies (exited, waiting for a parent to reap)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid != uid:
                    continue
                if live_only and pathlib.Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
                pids.append(int(entry))
            except (OSError, IndexError):
                pass
    return pids


def _describe(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return "(gone)"


def _chown_tree(path, user):
    pw = pwd.getpwnam(user)
    for p in [path, *pathlib.Path(path).rglob("*")]:
        os.lchown(p, pw.pw_uid, pw.pw_gid)


def _write(path, text, user=None, mode=0o644):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    if user:
        _chown_tree(path.parent, user)


def released_has_first_cell():
    nb = json.loads((RELEASE / "01_basics.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return FIRST_CELL_MARK in "".join(first["source"])


# ---------------------------------------------------------------- users and the guide's set-up

SETUP_SCRIPT = ROOT / "scripts" / "deploy" / "setup_hub.sh"


class Users:
    """The hub's accounts: made by the guide's set-up script (scripts/deploy/setup_hub.sh: useradd,
    chpasswd, the instructors' group), with names of this test's own, and removed after it (userdel -r)."""

    def __init__(self, state):
        tag = secrets.token_hex(3)
        self.instructor, self.alice, self.bob = f"pk{tag}t", f"pk{tag}a", f"pk{tag}b"
        self.emma = f"pk{tag}e"                      # does the English edition, pooling_en
        self.names = [self.instructor, self.alice, self.bob, self.emma]
        self.group = f"pk{tag}g"
        self.state = state
        self.passwords = {}

    def home(self, name):
        return pathlib.Path(pwd.getpwnam(name).pw_dir)

    def uid(self, name):
        return pwd.getpwnam(name).pw_uid

    def created(self):
        out = []
        for name in self.names:
            try:
                pwd.getpwnam(name)
                out.append(name)
            except KeyError:
                pass
        return out

    def leftovers(self, grace=20):
        """The users' live processes still there `grace` seconds after the hub stopped.

        The hub stops each server and returns; a server's kernels end a moment later, on their own.
        A zombie has ended (its new parent, PID 1 of a container, may never reap it) and is not counted.
        """
        deadline = time.monotonic() + grace
        while True:
            left = {n: _pids_of_uid(self.uid(n), live_only=True) for n in self.created()}
            left = {n: pids for n, pids in left.items() if pids}
            if not left or time.monotonic() > deadline:
                return {n: {pid: _describe(pid) for pid in pids} for n, pids in left.items()}
            time.sleep(0.1)

    def remove(self):
        for name in self.created():
            uid = self.uid(name)
            for pid in _pids_of_uid(uid):          # ours: they run as a user this test made
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        try:
            grp.getgrnam(self.group)
            subprocess.run(["groupdel", self.group], capture_output=True)
        except KeyError:
            pass


class Deployment:
    """What scripts/deploy/setup_hub.sh made, in the test's folder: the paths the guide writes under
    /opt/pooling, /etc/jupyter and /srv/nbgrader/exchange."""

    def __init__(self, state):
        self.state = state
        self.opt = state / "opt"                       # /opt/pooling
        self.etc = state / "etc" / "jupyter"           # /etc/jupyter
        self.exchange = state / "exchange"             # /srv/nbgrader/exchange
        self.passwords = state / "initial-passwords"   # /root/initial-passwords
        self.etc_hub = state / "etc" / "jupyterhub"    # /etc/jupyterhub: jupyterhub_config.py, site.toml
        self.hub_state = state / "hub"                 # /srv/jupyterhub
        self.kit = state / "kit"                       # /opt/pooling/kit, the instructors' clone
        self.shared_site = state / "shared-site"

    def env_bin(self, role):
        return self.opt / role / "bin"

    def site_packages(self, role):
        return self.opt / role / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


# The repository's venv (this test's interpreter), standing in for an image with the pinned packages
# installed: the guide's script takes it as SHARED_SITE, so that its pip commands run offline.
SHARED_PREFIX = pathlib.Path(sys.prefix)


def _shared_site(dest):
    """SHARED_SITE for the guide's script: the repository venv's site-packages without the kit (its
    editable installs of `autograder` and `course`, and the .pth files that would load them), as
    links. What the students' environment can import is then exactly what the guide installs."""
    src = pathlib.Path(sysconfig.get_path("purelib"))
    dest.mkdir()
    for entry in src.iterdir():
        if entry.name.endswith(".pth") or entry.name.startswith(
                ("__editable__", "pooling_course", "autograder", "course", "_virtualenv")):
            continue
        (dest / entry.name).symlink_to(entry)


def _kit_clone(dest):
    """The instructors' clone of the kit (the guide: `git clone ... /opt/pooling/kit`): this checkout's
    files, with the hub proxy already installed (scripts/install_hub_proxy.sh then has nothing to do)."""
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "__pycache__", ".ipynb_checkpoints", "lab", "out", "build", "dist",
        "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache"))
    shutil.copytree(ROOT / "scripts" / "hub-proxy" / "node_modules", dest / "scripts" / "hub-proxy" / "node_modules",
                    symlinks=True)


def _shared_commands(deploy, users):
    """The commands pip would have written into each environment's bin/ (`jupyterhub`,
    `jupyterhub-singleuser`, `alembic` that nbgrader's gradebook runs, ...) for the packages that the
    environments took from SHARED_SITE: pip found those installed and wrote none. Each is pip's own
    launcher, run by that environment's Python; nothing already in bin/ is replaced."""
    commands = {ep.name: ep for dist in importlib.metadata.distributions(path=[str(deploy.shared_site)])
                for ep in dist.entry_points if ep.group == "console_scripts" and re.fullmatch(r"[\w.-]+", ep.name)}
    gid = grp.getgrnam(users.group).gr_gid
    for role in ("hub", "student", "instructor"):
        bin_dir = deploy.env_bin(role)
        for name, ep in sorted(commands.items()):
            target = bin_dir / name
            if os.path.lexists(target):
                continue
            head = ep.attr.split(".")[0]
            target.write_text(f"#!{bin_dir / 'python'}\nimport sys\nfrom {ep.module} import {head}\n"
                              f"if __name__ == '__main__':\n    sys.exit({ep.attr}())\n")
            if role == "instructor":                  # the guide's modes: the group's, nothing for others
                os.chown(target, 0, gid)
                target.chmod(0o750)
            else:
                target.chmod(0o755)


# PYTHON for the guide's script: the base interpreter, except that `-m venv DIR` makes the environment
# without ensurepip's own pip and setuptools (~3 CPU-s and seconds of wall time per environment, four
# environments) and writes bin/pip, pip's own launcher. Offline, SHARED_SITE's .pth puts that site
# first on each environment's sys.path, so the copies ensurepip would install are never imported
# (the guide's pip is SHARED_SITE's either way: "Requirement already satisfied: pip in .../shared-site").
VENV_PYTHON = """#!{base}
import os, sys, venv
if sys.argv[1:3] == ["-m", "venv"] and len(sys.argv) == 4:
    venv.EnvBuilder(with_pip=False).create(sys.argv[3])
    pip = os.path.join(sys.argv[3], "bin", "pip")
    with open(pip, "w") as f:
        f.write("#!" + os.path.join(os.path.abspath(sys.argv[3]), "bin", "python") + "\\n"
                "import sys\\nfrom pip._internal.cli.main import main\\n"
                "if __name__ == '__main__':\\n    sys.exit(main())\\n")
    os.chmod(pip, 0o755)
else:
    os.execv({base!r}, [{base!r}, *sys.argv[1:]])
"""


def _run_setup_script(deploy, users):
    """docs/deploy.md's set-up, as root: scripts/deploy/setup_hub.sh of the kit's clone, its paths moved
    into the test's folder, offline (pip with no index; the pins from SHARED_SITE)."""
    _shared_site(deploy.shared_site)
    _kit_clone(deploy.kit)
    base_python = pathlib.Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = deploy.state / "python3"
    python.write_text(VENV_PYTHON.format(base=base_python))
    python.chmod(0o755)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
           "OPT": str(deploy.opt), "ETC_JUPYTER": str(deploy.etc), "EXCHANGE": str(deploy.exchange),
           "ETC_JUPYTERHUB": str(deploy.etc_hub), "HUB_STATE": str(deploy.hub_state),
           "GROUP": users.group, "INSTRUCTORS": users.instructor, "STUDENTS": f"{users.alice} {users.bob} {users.emma}",
           "PASSWORDS": str(deploy.passwords), "PYTHON": str(python), "SHARED_SITE": str(deploy.shared_site),
           "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1",
           "PIP_PROGRESS_BAR": "off", "PIP_ROOT_USER_ACTION": "ignore"}
    proc = subprocess.run(["bash", str(deploy.kit / "scripts" / "deploy" / "setup_hub.sh")], env=env,
                          capture_output=True, text=True, timeout=600)
    (deploy.state / "setup_hub.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"setup_hub.sh failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-5000:]}"
    for line in deploy.passwords.read_text().splitlines():
        name, _, password = line.partition(":")
        users.passwords[name] = password
    _shared_commands(deploy, users)


@slow_fixture(scope="module")
def users():
    if os.geteuid() != 0:
        pytest.skip("the hub test creates Unix users (the guide's script) and runs JupyterHub as root")
    if not CHP.exists():
        pytest.fail(f"{CHP} missing: run `make system` (scripts/install_hub_proxy.sh)")
    # Not under pytest's tmp_path: that tree is private to root (0700) and pruned by other pytest runs,
    # while the users' servers read the configuration and write the exchange below this folder.
    state = pathlib.Path(tempfile.mkdtemp(prefix="pooling-hub-"))
    state.chmod(0o755)
    u = Users(state)
    u.deploy = Deployment(state)
    try:
        _run_setup_script(u.deploy, u)
        yield u
    finally:
        u.remove()
        # the set-up's and the hub's logs outlive the folder (tests/artifacts/hub/, gitignored)
        (ARTIFACTS / "hub").mkdir(parents=True, exist_ok=True)
        for log in ("setup_hub.log", "jupyterhub.log"):
            if (state / log).is_file():
                shutil.copyfile(state / log, ARTIFACTS / "hub" / log)
        shutil.rmtree(state, ignore_errors=True)


# ---------------------------------------------------------------- the hub

LAB_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


class Hub:
    def __init__(self, state, port, proc, users, course, exchange, kit):
        self.state, self.port, self.proc, self.users = state, port, proc, users
        self.course, self.exchange, self.kit = course, exchange, kit

    @property
    def base(self):
        """The hub's public URL. Users' servers live on subdomains of it (``subdomain_host``), so each
        user's server is an origin of its own (docs/deploy.md, *The formgrader*); Chromium resolves
        every ``*.localhost`` name to the loopback address itself."""
        return f"http://localhost:{self.port}"

    def user_url(self, user, path=""):
        """A URL on `user`'s own server: its own origin, ``<user>.localhost``."""
        return f"http://{user}.localhost:{self.port}/user/{user}/{path}"

    def log(self):
        return (self.state / "jupyterhub.log").read_text(errors="replace")


def _prepare_state(users):
    """The test's browser preferences (no announcements, no news, no autosave: the Lab's settings, not
    the hub's configuration). Everything else is the set-up script's: the instructor's
    ~/.jupyter/nbgrader_config.py, the instructor environment's jupyter_server_config.py (the
    formgrader's frame). Returns the course directory."""
    deploy = users.deploy
    _write(deploy.etc / "labconfig" / "page_config.json",
           json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    for name in users.names:
        home = users.home(name)
        for plugin, values in LAB_SETTINGS.items():
            pkg, _, leaf = plugin.partition(":")
            _write(home / ".jupyter" / "lab" / "user-settings" / pkg / f"{leaf}.jupyterlab-settings",
                   json.dumps(values))
        _chown_tree(home / ".jupyter", name)
    course = users.home(users.instructor) / COURSE_ID           # made by the script
    assert (course / "nbgrader_config.py").is_file() and (course / "source" / "pooling").is_dir()
    # The instructor's home readable by others (many systems' default): only the modes above protect.
    users.home(users.instructor).chmod(0o755)
    return course


def _toml(value):
    """A TOML value (strings as JSON writes them: TOML's basic strings read the same escapes)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def _override_toml(users, port):
    """override.toml beside the installed jupyterhub_config.py: only what a test hub must have that a
    server's does not (the file's own keys, jupyterhub_config.py's SITE): the loopback address and free
    ports, and, because the environments took their packages from SHARED_SITE (the script's offline
    route), that site's Jupyter data, configuration and hub templates; quiet Labs that the test drives."""
    shared = SHARED_PREFIX
    keys = {
        "hub_url": f"http://localhost:{port}",           # *.localhost: Chromium resolves it to 127.0.0.1
        "bind_url": f"http://127.0.0.1:{port}",
        "hub_bind_url": f"http://127.0.0.1:{_free_port()}",
        "proxy_api_url": f"http://127.0.0.1:{_free_port()}",
        "data_files_path": str(shared / "share" / "jupyterhub"),
        "jupyter_config_path": [str(shared / "etc" / "jupyter")],
        "spawner_args": ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                         "--LabApp.expose_app_in_browser=True"],
    }
    env = {"JUPYTER_PATH": str(shared / "share" / "jupyter"), "JUPYTERLAB_DIR": str(shared / "share" / "jupyter" / "lab"),
           "OMP_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return ("# tests/test_hub.py: the test hub's differences (docs/deploy.md, *The hub's configuration*)\n"
            + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())
            + "[spawner_environment]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in env.items()))


def _stop_hub(proc, state, users):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)                  # the hub stops the servers and the proxy itself
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    pid_file = state / "hub" / "proxy.pid"                # the proxy the hub started, by its pid
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().strip())
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"configurable-http-proxy" in cmdline:
                os.kill(pid, signal.SIGKILL)
                return f"configurable-http-proxy (pid {pid})"
        except (ValueError, OSError):
            pass
    return None


@slow_fixture(scope="module")
def hub(users):
    deploy = users.deploy
    state = deploy.state
    course = _prepare_state(users)
    port = _free_port()
    # the guide's configuration as setup_hub.sh installed it, unchanged; the test's differences beside it
    (deploy.etc_hub / "override.toml").write_text(_override_toml(users, port))
    hub_bin = deploy.env_bin("hub")
    # the hub runs from its own environment (the guide: /opt/pooling/hub/bin/jupyterhub), as root
    env = {"PATH": f"{hub_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
    log = open(state / "jupyterhub.log", "wb")
    proc = subprocess.Popen([str(hub_bin / "jupyterhub"), "-f", str(deploy.etc_hub / "jupyterhub_config.py")],
                            cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    h = Hub(state, port, proc, users, course, deploy.exchange, deploy.site_packages("instructor"))
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyterhub exited with {proc.returncode}:\n{h.log()[-5000:]}")
            try:
                if _get(f"{h.base}/hub/api")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyterhub did not answer within 120 s:\n{h.log()[-5000:]}")
            time.sleep(0.1)
        yield h
    finally:
        proxy_left = _stop_hub(proc, state, users)
        log.close()
        left = users.leftovers()
        users.remove()                                     # kills what is left, by pid, then userdel
        if left or proxy_left:
            pytest.fail(f"the hub left processes behind: {left or ''} {proxy_left or ''}")


def test_the_guides_setup_made_the_environments(users):
    """scripts/deploy/setup_hub.sh (docs/deploy.md's set-up, run above): the accounts log in with a
    password, the exchange is sticky, the kit is importable in the instructor environment only, and the
    instructors' environment, the kit's clone and the course directory are closed to others."""
    deploy = users.deploy
    shadow = {line.split(":")[0]: line.split(":")[1] for line in pathlib.Path("/etc/shadow").read_text().splitlines()}
    assert all(shadow[n].startswith("$") for n in users.names), "chpasswd gave every account a password"
    assert set(users.passwords) == set(users.names) and stat.S_IMODE(deploy.passwords.stat().st_mode) == 0o600
    assert stat.S_IMODE(deploy.exchange.stat().st_mode) == 0o1777
    assert f'c.Exchange.root = "{deploy.exchange}"' in (deploy.etc / "nbgrader_config.py").read_text()
    # the hub's configuration: the kit's file installed unchanged, the layout and accounts in site.toml
    shipped = ROOT / "scripts" / "deploy"
    assert (deploy.etc_hub / "jupyterhub_config.py").read_bytes() == (shipped / "jupyterhub_config.py").read_bytes()
    site = tomllib.loads((deploy.etc_hub / "site.toml").read_text())
    assert site["opt"] == str(deploy.opt) and site["group"] == users.group and site["etc_jupyter"] == str(deploy.etc)
    assert site["users"] == [users.instructor, users.alice, users.bob, users.emma] and site["admins"] == [users.instructor]
    assert stat.S_IMODE(deploy.hub_state.stat().st_mode) == 0o700
    # the instructor environment's server configuration (the formgrader's frame) and the instructor's
    # nbgrader configuration (where the course directory is), both from the kit
    server_config = deploy.opt / "instructor" / "etc" / "jupyter" / "jupyter_server_config.py"
    assert server_config.read_bytes() == (shipped / "instructor_jupyter_server_config.py").read_bytes()
    assert stat.S_IMODE(server_config.stat().st_mode) & 0o007 == 0
    mine = users.home(users.instructor) / ".jupyter" / "nbgrader_config.py"
    assert mine.stat().st_uid == users.uid(users.instructor)
    assert f'c.CourseDirectory.root = "{users.home(users.instructor) / COURSE_ID}"' in mine.read_text()
    assert users.instructor in grp.getgrnam(users.group).gr_mem
    assert not {users.alice, users.bob, users.emma} & set(grp.getgrnam(users.group).gr_mem)
    where = {}
    for role in ("hub", "student", "instructor"):
        proc = subprocess.run([str(deploy.env_bin(role) / "python"), "-c",
                               "import importlib.util as u; print([getattr(u.find_spec(m), 'origin', None) "
                               "for m in ('jupyterhub', 'course', 'autograder')])"],
                              capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr
        where[role] = proc.stdout
    assert "None, None]" in where["hub"], where                                  # jupyterhub only
    assert str(deploy.site_packages("student") / "course") in where["student"] and where["student"].endswith("None]\n"), where
    assert str(deploy.site_packages("instructor") / "autograder") in where["instructor"], where
    for path in (deploy.opt / "instructor", deploy.kit, users.home(users.instructor) / COURSE_ID):
        st = path.stat()
        assert st.st_gid == grp.getgrnam(users.group).gr_gid and stat.S_IMODE(st.st_mode) == 0o2750, (path, oct(st.st_mode))


# ---------------------------------------------------------------- browser steps

# What the test's browser may reach: the loopback address, localhost and its subdomains (the users' servers).
LOCAL_URL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|([a-z0-9-]+\.)*localhost)(:\d+)?/")

def _context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    ctx.route("**/*", lambda route: route.continue_()
              if LOCAL_URL.match(route.request.url) or route.request.url.startswith(("data:", "blob:"))
              else route.abort())
    ctx.set_default_timeout(60_000)
    return ctx


def login(page, hub, user, wait=True):
    page.goto(f"{hub.base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.users.passwords[user])
    page.click("#login_submit")
    if wait:
        wait_lab(page, hub, user)


def wait_lab(page, hub, user):
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=SPAWN_MS)
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=SPAWN_MS)


def menu(page, top, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$")).click()


def assignment_list(page):
    menu(page, "Nbgrader", "Assignment List")
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def row_button(panel, section, label, name="pooling"):
    """The `label` button of assignment `name`'s row in a section of the Assignment List (its name
    exactly: ``pooling`` is not ``pooling_en``)."""
    if section == "submitted_assignments_list":      # each student here submits one edition only
        return panel.locator(f"#{section}", has_text=name).locator("button", has_text=re.compile(rf"^{label}$")).first
    row = panel.locator(f"#{section} .list_item").filter(
        has=panel.page.locator(".item_name", has_text=re.compile(rf"^\W*{re.escape(name)}\W*$")))
    return row.locator("button", has_text=re.compile(rf"^{label}$")).first


def click_row_button(panel, section, label, timeout=ACTION_MS, name="pooling"):
    button = row_button(panel, section, label, name)
    button.wait_for(timeout=timeout)
    button.click()


def open_notebook(page, relpath):
    """Open `relpath` in the JupyterLab already loaded in `page`, as the file browser opens it (no
    second page load: a Lab page load costs seconds of renderer CPU); wait for its kernel."""
    page.evaluate("async (p) => { await window.jupyterapp.commands.execute('docmanager:open', {path: p}); }",
                  relpath)
    page.wait_for_function("(p) => { const w = window.jupyterapp.shell.currentWidget;"
                           " return !!w && !!w.context && w.context.path === p; }", arg=relpath, timeout=SPAWN_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=SPAWN_MS)
    page.wait_for_function(
KERNEL_IDLE_JS, timeout=SPAWN_MS)
    panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    return page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell")


def cell_index(page, predicate_js):
    return page.evaluate(
        f"""() => window.jupyterapp.shell.currentWidget.content.widgets.findIndex(c => {{
                const meta = (c.model.getMetadata && c.model.getMetadata('nbgrader')) || {{}};
                const src = c.model.sharedModel.getSource();
                return ({predicate_js});
            }})""")


def type_into_cell(page, cells, index, code):
    editor = cells.nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)           # one input event: no auto-indent, no closed brackets
    page.keyboard.press("Escape")
    got = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel"
                        ".getSource()", index)
    assert got == code


def run_cells(page, indices):
    """Run the given cells one by one and wait until the kernel is idle after each."""
    for i in indices:
        page.evaluate("""async (i) => {
            const w = window.jupyterapp.shell.currentWidget;
            w.content.activeCellIndex = i;
            await window.jupyterapp.commands.execute('notebook:run-cell');
        }""", i)
        page.wait_for_function(
            """(i) => {
                const w = window.jupyterapp.shell.currentWidget;
                const c = w.content.widgets[i];
                return w.sessionContext.session.kernel.status === 'idle' && c.model.executionCount !== null
                    && !c.node.querySelector('.jp-InputPrompt').textContent.includes('*');
            }""", arg=i, timeout=ACTION_MS, polling=250)


def output_text(cells, index):
    out = cells.nth(index).locator(".jp-OutputArea")
    return out.inner_text() if out.count() else ""


def save(page):
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def formgrader_action(page, cell_class, what, row_text="pooling"):
    """Click a formgrader action link in the row of `row_text`; wait for its success dialog."""
    # the row whose assignment name or student id is `row_text` exactly: "pooling" is not "pooling_en"
    row = page.locator("table tbody tr").filter(has=page.locator(
        "td.name, td.student-id", has_text=re.compile(rf"^\s*{re.escape(row_text)}\s*$"))).first
    row.wait_for()
    row.locator(f"td.{cell_class} a").first.click()
    dialog = page.locator("#success-modal, #error-modal").first
    dialog.wait_for(state="visible", timeout=ACTION_MS)
    text = dialog.inner_text()
    assert dialog.get_attribute("id") == "success-modal", f"formgrader {what} failed:\n{text}"
    dialog.locator(".modal-footer button", has_text="OK").first.click()
    dialog.wait_for(state="detached")
    return text


def student_runs(page, code):
    """Run `code` (which fills a dict `r`) in the kernel of the notebook open in `page`; returns `r`."""
    out = page.evaluate("""async (code) => {
        const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const f = k.requestExecute({code});
        let out = '';
        f.onIOPub = m => { if (m.header.msg_type === 'stream') out += m.content.text;
                           if (m.header.msg_type === 'error') out += m.content.ename + ': ' + m.content.evalue; };
        await f.done; return out; }""", code + "\nimport json\nprint('RESULT' + json.dumps(r))\n")
    assert "RESULT" in out, out
    return json.loads(out.split("RESULT", 1)[1].strip().splitlines()[0])


def response_csp(page, url):
    """The Content-Security-Policy header of `url` as the page's user's browser receives it (a tab of
    its own in the page's context, logged in; the names *.localhost resolve only in Chromium)."""
    tab = page.context.new_page()
    try:
        response = tab.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        return response.headers.get("content-security-policy", "")
    finally:
        tab.close()


def open_formgrader(page):
    """Nbgrader > Formgrader in the instructor's JupyterLab; returns the iframe's Frame once the
    formgrader has drawn in it (a frame the CSP refused stays a blank chrome-error page)."""
    menu(page, "Nbgrader", "Formgrader")
    iframe = page.locator("#formgrader iframe")
    iframe.wait_for()
    frame = iframe.element_handle().content_frame()
    try:
        frame.locator("h1").first.wait_for(timeout=60_000)
    except Exception:
        raise AssertionError(f"the formgrader's iframe stayed blank (url {frame.url!r}): "
                             "the instructor's server refused to be framed") from None
    return frame


def student_reads(page, paths):
    """Try to read each path from the kernel of the notebook open in `page` (a student's, started
    through the hub as the student started it): name -> 'read', 'denied' or the error's name."""
    for name, path in paths.items():
        assert os.path.exists(path), f"{name}: {path} missing (the check would prove nothing)"
    code = ("import json, os\nr = {}\n"
            f"for name, path in {json.dumps({k: str(v) for k, v in paths.items()})}.items():\n"
            "    try:\n"
            "        os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(1)\n"
            "        r[name] = 'read'\n"
            "    except PermissionError:\n"
            "        r[name] = 'denied'\n"
            "    except Exception as e:\n"
            "        r[name] = type(e).__name__\n"
            "print('READS' + json.dumps(r))\n")
    out = page.evaluate("""async (code) => {
        const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const f = k.requestExecute({code});
        let out = '';
        f.onIOPub = m => { if (m.header.msg_type === 'stream') out += m.content.text;
                           if (m.header.msg_type === 'error') out += m.content.ename + ': ' + m.content.evalue; };
        await f.done; return out; }""", code)
    assert "READS" in out, out
    return json.loads(out.split("READS", 1)[1].strip().splitlines()[0])


# ---------------------------------------------------------------- the scenario

@pytest.mark.hub
@pytest.mark.slow
def test_course_on_a_real_hub(hub, browser, artifacts_dir, tmp_path):
    users = hub.users
    t, a, b, e = users.instructor, users.alice, users.bob, users.emma
    contexts = {n: _context(browser) for n in users.names}
    pages = {n: contexts[n].new_page() for n in users.names}
    shots = artifacts_dir / "hub"
    shots.mkdir(exist_ok=True)

    def shot(name, page):
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    try:
        # -- the instructor: generate and release in the formgrader (the hub spawns the students meanwhile)
        login(pages[t], hub, t, wait=False)    # the instructor's server starts while the students
        for s in (a, b, e):                     # log in (their servers spawn meanwhile)
            login(pages[s], hub, s, wait=False)
        wait_lab(pages[t], hub, t)
        fg = pages[t]
        # The formgrader as an instructor opens it: JupyterLab's Nbgrader > Formgrader, an iframe in the
        # main area. JupyterHub >= 4.1 sends frame-ancestors 'none' (a blank panel); the instructor's
        # environment says 'self', safe because each user's server is an origin of its own (subdomains).
        csp = {"instructor": response_csp(fg, hub.user_url(t, "formgrader")),
               "hub": urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/hub/login", timeout=30)
               .headers.get("Content-Security-Policy", "")}
        assert "frame-ancestors 'self'" in csp["instructor"], csp
        assert "frame-ancestors 'none'" in csp["hub"], csp
        ff = open_formgrader(fg)
        ff.locator("h1", has_text="Manage Assignments").wait_for()
        formgrader_action(ff, "assign", "generate")
        formgrader_action(ff, "release", "release")
        # the English edition beside it (docs/deploy.md, *Both editions*): its own row, its own release
        formgrader_action(ff, "assign", "generate pooling_en", row_text="pooling_en")
        formgrader_action(ff, "release", "release pooling_en", row_text="pooling_en")
        shot("1_instructor_released", fg)
        assert (hub.exchange / COURSE_ID / "outbound" / "pooling" / "01_basics.ipynb").exists()
        assert (hub.exchange / COURSE_ID / "outbound" / "pooling_en" / "01_basics.ipynb").exists()

        # -- student A: fetch, complete pool2d, self-check, submit
        pa = pages[a]
        wait_lab(pa, hub, a)
        # a student's server keeps JupyterHub's frame-ancestors 'none' (nothing of theirs needs framing)
        student_csp = response_csp(pa, hub.user_url(a, "lab"))
        assert "frame-ancestors 'none'" in student_csp, student_csp
        panel = assignment_list(pa)
        click_row_button(panel, "released_assignments_list", "Fetch")
        row_button(panel, "fetched_assignments_list", "Submit").wait_for(timeout=ACTION_MS)
        home_a = users.home(a)
        assert (home_a / "pooling" / "01_basics.ipynb").exists()
        assert list((home_a / "pooling").glob("pooling_course-*.whl")), "the student wheel travels with the notebooks"
        shot("2_student_fetched", pa)
        cells = open_notebook(pa, "pooling/01_basics.ipynb")
        answer = cell_index(pa, "meta.grade_id === 'answer_pool2d'")
        check = cell_index(pa, "meta.grade_id === 'test_pool2d'")
        assert 0 <= answer < check
        type_into_cell(pa, cells, answer, HONEST_POOL2D)
        first_code = cell_index(pa, "c.model.type === 'code'")
        firsts = [first_code]
        if released_has_first_cell():
            firsts.append(first_code + 1)                  # the bootstrap cell, then the imports
        run_cells(pa, firsts + [answer, check])
        report = output_text(cells, check)
        assert "pool2d" in report and "✓" in report, report
        save(pa)
        shot("3_student_selfcheck", pa)
        if released_has_first_cell():
            where = pa.evaluate("""async () => {
                const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                const f = k.requestExecute({code: 'import course; print(course.__file__)'});
                let out = '';
                f.onIOPub = m => { if (m.header.msg_type === 'stream') out += m.content.text; };
                await f.done; return out; }""")
            assert "/.cache/pooling-course/" in where, where
        # -- from the same student's kernel: the instructors' files cannot be read (docs/deploy.md)
        readable = student_reads(pa, {
            "source notebook": hub.course / "source" / "pooling" / "01_basics.ipynb",
            "source folder": hub.course / "source" / "pooling",
            "gradebook": hub.course / "gradebook.db",
            "autograder module": hub.kit / "autograder" / "hidden.py",
            "autograder folder": hub.kit / "autograder",
            "instructor site-packages": hub.kit,
            "kit clone": users.deploy.kit / "autograder" / "hidden.py",
            "own notebook (control)": home_a / "pooling" / "01_basics.ipynb",
            "exchange outbound (control)": hub.exchange / COURSE_ID / "outbound" / "pooling" / "01_basics.ipynb",
        })
        assert readable == {"source notebook": "denied", "source folder": "denied", "gradebook": "denied",
                            "autograder module": "denied", "autograder folder": "denied",
                            "instructor site-packages": "denied", "kit clone": "denied", "own notebook (control)": "read",
                            "exchange outbound (control)": "read"}, readable
        # the students' Lab has no instructor UI (docs/deploy.md), and the formgrader is not served to them
        pa.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
        items = pa.locator(".lm-Menu-itemLabel").all_inner_texts()
        pa.keyboard.press("Escape")
        assert "Assignment List" in items and "Formgrader" not in items and "Course List" not in items, items
        tab = pa.context.new_page()
        assert tab.goto(hub.user_url(a, "formgrader")).status == 404
        tab.close()
        # the exchange is sticky (1777): the course's folders cannot be renamed or deleted by a student
        course_x = hub.exchange / COURSE_ID
        tried = student_runs(pa, f"""
import os, shutil
r = {{}}
for name, act in [("rename course", lambda: os.rename({str(course_x)!r}, {str(course_x) + '-x'!r})),
                  ("rename outbound", lambda: os.rename({str(course_x / 'outbound')!r}, {str(course_x / 'gone')!r})),
                  ("delete released", lambda: shutil.rmtree({str(course_x / 'outbound' / 'pooling')!r})),
                  ("delete course", lambda: shutil.rmtree({str(course_x)!r}))]:
    try:
        act(); r[name] = "done"
    except PermissionError:
        r[name] = "denied"
    except Exception as e:
        r[name] = type(e).__name__
""")
        assert set(tried.values()) == {"denied"}, tried
        assert (course_x / "outbound" / "pooling" / "01_basics.ipynb").exists()
        panel = assignment_list(pa)
        click_row_button(panel, "fetched_assignments_list", "Submit")
        panel.locator("#submitted_assignments_list", has_text="pooling").wait_for(timeout=ACTION_MS)

        # -- student B: a hostile notebook, submitted from the Assignment List
        pb = pages[b]
        wait_lab(pb, hub, b)
        panel_b = assignment_list(pb)
        click_row_button(panel_b, "released_assignments_list", "Fetch")
        row_button(panel_b, "fetched_assignments_list", "Submit").wait_for(timeout=ACTION_MS)
        hostile = json.loads((RELEASE / "01_basics.ipynb").read_text(encoding="utf-8"))
        for cell in hostile["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == "answer_pool2d":
                cell["source"] = HOSTILE_POOL2D
            elif meta.get("grade_id", "").startswith("test_"):
                cell["source"] = "assert True"
                meta["points"] = 100
        hostile["cells"].append({"cell_type": "code", "execution_count": None, "outputs": [], "source": "1",
                                 "metadata": {"nbgrader": {"grade": True, "solution": False, "locked": False,
                                                           "grade_id": "bonus", "points": 1000,
                                                           "schema_version": 3}}})
        # ... and markdown that would run a script in whoever's browser renders it (the formgrader)
        hostile["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source":
                                    HOSTILE_NOTE + " <img src=x onerror=\"window.__pwned='formgrader'\">"
                                    " [x](javascript:window.__pwned='link')"})
        target = users.home(b) / "pooling" / "01_basics.ipynb"
        target.write_text(json.dumps(hostile), encoding="utf-8")
        _chown_tree(target.parent, b)
        click_row_button(panel_b, "fetched_assignments_list", "Submit")
        panel_b.locator("#submitted_assignments_list", has_text="pooling").wait_for(timeout=ACTION_MS)
        shot("4_hostile_submitted", pb)

        # -- student E, the English edition: fetches pooling_en (pooling is offered too), answers pool2d
        # in the fetched notebook and submits it from the Assignment List
        pe = pages[e]
        wait_lab(pe, hub, e)
        panel_e = assignment_list(pe)
        click_row_button(panel_e, "released_assignments_list", "Fetch", name="pooling_en")
        row_button(panel_e, "fetched_assignments_list", "Submit", name="pooling_en").wait_for(timeout=ACTION_MS)
        assert not (users.home(e) / "pooling").exists()                 # only the edition she fetched
        mine = users.home(e) / "pooling_en" / "01_basics.ipynb"
        english = json.loads(mine.read_text(encoding="utf-8"))
        assert any('course.use_language("en")' in "".join(c["source"]) for c in english["cells"])
        for cell in english["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "answer_pool2d":
                cell["source"] = HONEST_POOL2D
        mine.write_text(json.dumps(english), encoding="utf-8")
        _chown_tree(mine.parent, e)
        click_row_button(panel_e, "fetched_assignments_list", "Submit", name="pooling_en")
        panel_e.locator("#submitted_assignments_list", has_text="pooling_en").wait_for(timeout=ACTION_MS)

        # -- the instructor: collect, autograde both (the kit's engine), feedback
        # (all in the formgrader's iframe inside the instructor's JupyterLab)
        ff.goto(hub.user_url(t, "formgrader"))
        formgrader_action(ff, "collect", "collect")
        formgrader_action(ff, "collect", "collect pooling_en", row_text="pooling_en")
        for s in (a, b):
            assert (hub.course / "submitted" / s / "pooling" / "01_basics.ipynb").exists()
        assert (hub.course / "submitted" / e / "pooling_en" / "01_basics.ipynb").exists()
        assert not (hub.course / "submitted" / e / "pooling").exists()
        ff.goto(hub.user_url(t, "formgrader/manage_submissions/pooling_en"))
        formgrader_action(ff, "autograde", f"autograde {e}", row_text=e)
        ff.goto(hub.user_url(t, "formgrader/manage_submissions/pooling"))
        for s in (a, b):
            formgrader_action(ff, "autograde", f"autograde {s}", row_text=s)
        ff.goto(hub.user_url(t, "formgrader/manage_submissions/pooling"))
        rows = ff.locator("table tbody tr")
        rows.first.wait_for()
        listing = {s: ff.locator("table tbody tr", has_text=s).first.inner_text() for s in (a, b)}
        shot("5_formgrader_submissions", fg)
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
            b_notebook = gb.find_submission_notebook("01_basics", "pooling", b).id
            a_written = gb.find_submission_notebook("04_min_softmax", "pooling", a).id
        # manual grading of A's written answer (exercise 4, 2 points), as the instructor types it
        ff.goto(hub.user_url(t, f"formgrader/submissions/{a_written}"))
        ff.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded")
        score = ff.locator("input.score#answer_ex4")
        score.fill("1.5")
        score.press("Tab")                                     # 'change': the formgrader saves the grade
        deadline = time.monotonic() + 60
        while True:                                            # the formgrader saved it in the gradebook
            with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
                saved = gb.find_grade("answer_ex4", "04_min_softmax", "pooling", a).manual_score
            if saved == 1.5 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert saved == 1.5, f"the formgrader did not save the manual grade ({saved!r})"
        shot("5b_formgrader_manual_grade", fg)
        # the instructor's grading page of B's notebook renders B's markdown, and nothing of it runs
        ff.goto(hub.user_url(t, f"formgrader/submissions/{b_notebook}"))
        ff.get_by_text(HOSTILE_NOTE).first.wait_for()
        ff.wait_for_load_state("load")
        fg.wait_for_timeout(500)                               # an onerror handler has fired by now
        for where in (ff, fg):                                 # the frame and the JupyterLab around it
            assert where.evaluate("() => window.__pwned === undefined"), "student markdown ran in the formgrader"
        assert not ff.locator("a[href^='javascript']").count()
        ff.goto(hub.user_url(t, "formgrader"))
        formgrader_action(ff, "generate-feedback", "generate feedback")
        formgrader_action(ff, "release-feedback", "release feedback")
        formgrader_action(ff, "generate-feedback", "generate feedback pooling_en", row_text="pooling_en")
        formgrader_action(ff, "release-feedback", "release feedback pooling_en", row_text="pooling_en")

        # -- the course's gradebook: A has pool2d's points, B gained nothing
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
            def scores(s):
                sub = gb.find_submission("pooling", s)
                return {(nb.name, g.name): (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
            sa, sb = scores(a), scores(b)
            se = {(nb.name, g.name): (g.score, g.max_score)
                  for nb in gb.find_submission("pooling_en", e).notebooks for g in nb.grades}
            total_max = gb.find_assignment("pooling").max_score
            b_total, b_max = gb.find_submission("pooling", b).score, gb.find_submission("pooling", b).max_score
        assert sa["01_basics", "test_pool2d"] == (2.0, 2.0)
        assert sb["01_basics", "test_pool2d"] == (0.0, 2.0)
        assert se["01_basics", "test_pool2d"] == (2.0, 2.0), "the English edition, graded as the Chinese"
        assert sa["04_min_softmax", "answer_ex4"] == (1.5, 2.0), "the manual grade typed in the formgrader"
        assert ("01_basics", "bonus") not in sb and b_total == 0 and b_max == total_max
        # the formgrader's listing (from the course's gradebook): both submissions, graded, with their scores
        assert re.search(rf"\b2(\.0+)? / {total_max:g}\b", listing[a]) and "graded" in listing[a], listing[a]
        assert re.search(rf"\b0(\.0+)? / {total_max:g}\b", listing[b]) and "graded" in listing[b], listing[b]
        # the kit's engine wrote the test cells' outputs (HardenedExecute, never a kernel)
        graded = json.loads((hub.course / "autograded" / a / "pooling" / "01_basics.ipynb").read_text())
        test_cell = next(c for c in graded["cells"]
                         if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_pool2d")
        kit_text = "".join("".join(o.get("text", "")) for o in test_cell["outputs"] if o["output_type"] == "stream")
        assert "全部通过 / all checks passed" in kit_text, test_cell["outputs"]
        # the English student's graded notebook: the kit's outputs in English only (its edition's language)
        graded_e = json.loads((hub.course / "autograded" / e / "pooling_en" / "01_basics.ipynb").read_text())
        outputs_e = json.dumps([c.get("outputs", []) for c in graded_e["cells"]], ensure_ascii=False)
        assert "all checks passed" in outputs_e and not CJK.search(outputs_e), CJK.findall(outputs_e)[:20]
        # ... with the instructor's kit: the instructor's server runs the instructor environment (where
        # `autograder` is installed; the course directory's nbgrader_config.py puts that directory's copy
        # first), never the students' (test_the_guides_setup_made_the_environments)
        servers = [_describe(pid) for pid in _pids_of_uid(users.uid(t), live_only=True)]
        assert any(f"{users.deploy.env_bin('instructor')}/jupyterhub-singleuser" in cmd for cmd in servers), servers

        # -- student A fetches the feedback and reads the kit's feedback
        wait_lab(pa, hub, a)                                   # her Lab, still open since she submitted
        panel = assignment_list(pa)
        click_row_button(panel, "submitted_assignments_list", "Fetch Feedback")
        panel.locator("#submitted_assignments_list", has_text="view feedback").wait_for(timeout=ACTION_MS)
        pages_ = sorted((users.home(a) / "pooling" / "feedback").glob("*/01_basics.html"))
        assert pages_, "no feedback fetched"
        rel = pages_[-1].relative_to(users.home(a))
        pa.goto(hub.user_url(a, f"files/{rel}"))
        body = pa.locator("body").inner_text()
        assert "全部通过 / all checks passed" in body and "pool2d" in body
        shot("6_student_feedback", pa)

        # -- student B's feedback: nothing gained
        panel_b = assignment_list(pb)
        click_row_button(panel_b, "submitted_assignments_list", "Fetch Feedback")
        panel_b.locator("#submitted_assignments_list", has_text="view feedback").wait_for(timeout=ACTION_MS)
        (fb_b,) = sorted((users.home(b) / "pooling" / "feedback").glob("*/01_basics.html"))[-1:]
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fb_b.read_text(encoding="utf-8")))
        assert re.search(r"\b0(\.0+)?\s*/\s*5(\.0+)?\b", shown), shown[:2000]     # 01_basics: 0 of 5 points

        # -- student E fetches her feedback: the kit's verdict in English, no Chinese wording of the kit
        panel_e = assignment_list(pe)
        click_row_button(panel_e, "submitted_assignments_list", "Fetch Feedback", name="pooling_en")
        panel_e.locator("#submitted_assignments_list", has_text="view feedback").wait_for(timeout=ACTION_MS)
        (fb_e,) = sorted((users.home(e) / "pooling_en" / "feedback").glob("*/01_basics.html"))[-1:]
        pe.goto(hub.user_url(e, f"files/{fb_e.relative_to(users.home(e))}"))      # the page as she opens it
        shown_e = re.sub(r"\s+", " ", pe.locator("body").inner_text())
        assert "all checks passed" in shown_e and "全部通过" not in shown_e, shown_e[:2000]
        assert re.search(r"\b2(\.0+)?\s*/\s*5(\.0+)?\b", shown_e), shown_e[:2000]   # pool2d's 2 of 5 points
        shot("7_english_student_feedback", pe)
    except Exception:
        for n, p in pages.items():
            try:
                shot(f"failure_{n}", p)
            except Exception:
                pass
        print(hub.log()[-6000:], file=sys.stderr)
        raise
    finally:
        for ctx in contexts.values():
            ctx.close()


# ---------------------------------------------------------------- make lab

def _nbgrader(args, cwd):
    env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}")
    env.pop("AUTOGRADER_COURSE_DIR", None)
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_make_lab_is_a_course_directory_outside_the_tracked_files(tmp_path, monkeypatch):
    """lab/: the course's configuration rooted there, its own exchange and gradebook; release, list, fetch;
    autograde without a false checksum alarm for honest students (nbgrader_checksums.KitOverwriteCells)."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import make_lab
    assert subprocess.run(["git", "check-ignore", "-q", "lab/"], cwd=ROOT).returncode == 0
    lab = make_lab.prepare(tmp_path / "lab")
    assert sorted(p.name for p in (lab / "release" / "pooling").iterdir()) == sorted(
        p.name for p in RELEASE.iterdir() if p.name != ".ipynb_checkpoints")
    for args in (["generate_assignment", "pooling", "--force"], ["release_assignment", "pooling"],
                 ["list"], ["fetch_assignment", "pooling"]):
        proc = _nbgrader(args, lab)
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"nbgrader {args[0]}: {log}"
        assert "No nbgrader_config.py file found" not in log
    assert (lab / "gradebook.db").exists()
    assert (lab / "exchange" / COURSE_ID / "outbound" / "pooling" / "01_basics.ipynb").exists()
    assert (lab / "pooling" / "01_basics.ipynb").exists()          # the fetched (student's) copy
    assert list((lab / "pooling").glob("pooling_course-*.whl"))
    # autograde there: an honest student logs no checksum alarm, a changed test cell is named as tampering
    for student in ("alice", "mallory"):
        shutil.copytree(ROOT / "examples" / "submitted" / "alice" / "pooling", lab / "submitted" / student / "pooling")
    tampered = lab / "submitted" / "mallory" / "pooling" / "01_basics.ipynb"
    nb = json.loads(tampered.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_pool2d":
            cell["source"] = "assert True"
    tampered.write_text(json.dumps(nb), encoding="utf-8")
    proc = _nbgrader(["autograde", "pooling", "--force"], lab)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert "has changed" not in log, log
    alarms = [line for line in log.splitlines() if "was changed in" in line]
    assert len(alarms) == 1 and "test_pool2d" in alarms[0] and "mallory/01_basics" in alarms[0], alarms
    # made again: the configuration is rewritten, the work is kept
    (lab / "pooling" / "01_basics.ipynb").write_text("{}")
    make_lab.prepare(lab)
    assert (lab / "pooling" / "01_basics.ipynb").read_text() == "{}"
