"""A real course on a real JupyterHub: nbgrader's exchange, local Unix users, Chromium (marker ``hub``).

The fixture (root only) creates one instructor and two students with
``useradd``, an nbgrader exchange directory, the instructor's course directory
(a copy of source/, release/ and nbgrader_config.py in the instructor's home),
and starts JupyterHub (PAM logins, local processes, configurable-http-proxy
from npm) on 127.0.0.1. Everything it starts is stopped at teardown and the
users are removed: no process is left behind.

The scenario, in Chromium, through JupyterHub's login page and the nbgrader
lab extensions (Assignment List, Formgrader), as docs/deploy.md describes it:

1. the instructor opens the formgrader as instructors do, from JupyterLab's *Nbgrader > Formgrader*
   (an iframe in the Lab; JupyterHub >= 4.1 refuses frames unless the instructor's environment
   allows its own origin, docs/deploy.md "The formgrader on JupyterHub >= 4.1": the hub runs users'
   servers on subdomains of ``localhost``), and there generates and releases ``pooling``;
2. student A fetches it from the Assignment List, completes ``pool2d``, runs
   the self-check and submits; student B submits a hostile notebook;
3. the instructor, in that frame, collects, autogrades (the kit's HardenedExecute), sees both
   submissions listed with the course's gradebook, grades a written answer by hand, generates
   and releases feedback;
4. student A fetches the feedback and sees the kit's feedback in it; student B
   gained nothing.

The hub is set up from docs/deploy.md's own blocks (tests/test_deploy_guide.py reads them): the
exchange's mode (1777, sticky), the global nbgrader configuration (the exchange only; the course id
is the course directory's), the students' Jupyter configuration (no formgrader, Create Assignment or
course list: student A's Nbgrader menu lacks them and /formgrader is 404 for her) and the
instructor's (frame-ancestors 'self'). From student A's kernel, renaming or deleting the course's
folders in the exchange is refused.

The course is installed as docs/deploy.md says ("Who can read what"): the instructor is in an
instructors' group; the course directory and the instructor's kit (``autograder/`` in an
instructor-only ``site-packages``, the instructor server's import path) are that group's, folders
``2750``, files ``0640``. From student A's kernel on the hub, reading ``source/``, the kit's
``autograder/`` modules, the instructor's ``site-packages`` and ``gradebook.db`` each fails with
*Permission denied*, while the instructor grades with that kit (its ``__pycache__`` proves the
import).

``test_make_lab_*``: ``make lab``'s working copy (scripts/make_lab.py) is an
nbgrader course directory of its own, where the exchange and the gradebook work.
"""
import grp
import json
import os
import pathlib
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from support.slow import slow_fixture

from browser_fixtures import KERNEL_IDLE_JS, _free_port, _get
from conftest import RELEASE, ROOT, SOURCE
from student_answers import CORRECT_POOL2D
from test_deploy_guide import SETUP as GUIDE_SETUP, guide_file


VENV_BIN = pathlib.Path(sys.executable).parent
CHP = ROOT / "scripts" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_ID = "d2l-pooling"
EXCHANGE_MODE = int(re.search(r"install -d -m (\d+) /srv/nbgrader/exchange", GUIDE_SETUP).group(1), 8)
SPAWN_MS = 240_000
ACTION_MS = 300_000
FIRST_CELL_MARK = "_use_course_wheel"

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


# ---------------------------------------------------------------- users

class Users:
    """Local Unix accounts made for the test (useradd) and removed after it (userdel -r), and the
    instructors' group (docs/deploy.md), with the instructor in it."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.instructor, self.alice, self.bob = f"pk{tag}t", f"pk{tag}a", f"pk{tag}b"
        self.names = [self.instructor, self.alice, self.bob]
        self.group = f"pk{tag}g"
        self.passwords = {n: secrets.token_urlsafe(12) for n in self.names}
        self.created = []
        self.group_created = False

    def create(self):
        _run(["groupadd", "--system", self.group])
        self.group_created = True
        for name in self.names:
            extra = ["--groups", self.group] if name == self.instructor else []
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", *extra, name])
            self.created.append(name)
            _run(["chpasswd"], input=f"{name}:{self.passwords[name]}\n")

    def home(self, name):
        return pathlib.Path(pwd.getpwnam(name).pw_dir)

    def uid(self, name):
        return pwd.getpwnam(name).pw_uid

    def leftovers(self, grace=20):
        """The users' live processes still there `grace` seconds after the hub stopped.

        The hub stops each server and returns; a server's kernels end a moment later, on their own.
        A zombie has ended (its new parent, PID 1 of a container, may never reap it) and is not counted.
        """
        deadline = time.monotonic() + grace
        while True:
            left = {n: _pids_of_uid(self.uid(n), live_only=True) for n in self.created}
            left = {n: pids for n, pids in left.items() if pids}
            if not left or time.monotonic() > deadline:
                return {n: {pid: _describe(pid) for pid in pids} for n, pids in left.items()}
            time.sleep(0.5)

    def remove(self):
        for name in self.created:
            uid = self.uid(name)
            for pid in _pids_of_uid(uid):          # ours: they run as a user this test made
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        self.created = []
        if self.group_created:
            subprocess.run(["groupdel", self.group], capture_output=True)
            self.group_created = False


@slow_fixture(scope="module")
def users():
    if os.geteuid() != 0:
        pytest.skip("the hub test creates Unix users (useradd) and runs JupyterHub as root")
    u = Users()
    try:
        u.create()
        yield u
    finally:
        u.remove()


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


def _prepare_state(state, users, isolated_kernel):
    """Exchange, global nbgrader config, lab settings, the instructor's course directory; returns paths."""
    # docs/deploy.md's set-up: the exchange's mode and the global nbgrader configuration, from the guide
    exchange = state / "exchange"
    exchange.mkdir()
    exchange.chmod(EXCHANGE_MODE)                           # 1777: every user writes below it, sticky
    etc = state / "etc" / "jupyter"
    _write(etc / "nbgrader_config.py",
           guide_file("/etc/jupyter/nbgrader_config.py").replace("/srv/nbgrader/exchange", str(exchange)))
    # the students' Jupyter configuration (no instructor UI), from the guide
    for rel in ("labconfig/page_config.json", "jupyter_server_config.json"):
        _write(state / "student-config" / rel, guide_file(f"/opt/pooling/student-config/{rel}"))
    _write(etc / "labconfig" / "page_config.json",
           json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    share = state / "share" / "jupyter"
    share.mkdir(parents=True)
    if isolated_kernel:
        # The students' kernel: the venv's packages without its .pth files (-S), so `course` comes
        # only from the wheel beside the notebook, through the notebooks' first cell.
        site_packages = next(p for p in sys.path if p.endswith("site-packages") and str(VENV_BIN.parent) in p)
        _write(share / "kernels" / "python3" / "kernel.json", json.dumps({
            "argv": [sys.executable, "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "env": {"PYTHONPATH": site_packages}}))
    for root, dirs, files in os.walk(state):
        os.chmod(root, 0o755 if pathlib.Path(root) != exchange else EXCHANGE_MODE)
    for name in users.names:
        home = users.home(name)
        for plugin, values in LAB_SETTINGS.items():
            pkg, _, leaf = plugin.partition(":")
            _write(home / ".jupyter" / "lab" / "user-settings" / pkg / f"{leaf}.jupyterlab-settings",
                   json.dumps(values))
        _chown_tree(home / ".jupyter", name)
    # The instructor's course directory: the repository's course layout and nbgrader configuration.
    course = users.home(users.instructor) / COURSE_ID
    course.mkdir()
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(SOURCE, course / "source" / "pooling", ignore=ignore)
    shutil.copytree(RELEASE, course / "release" / "pooling", ignore=ignore)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    _write(users.home(users.instructor) / ".jupyter" / "nbgrader_config.py",
           "c = get_config()  # noqa: F821\n"
           f"c.CourseDirectory.root = {str(course)!r}\n")
    _chown_tree(course, users.instructor)
    _chown_tree(users.home(users.instructor) / ".jupyter", users.instructor)
    kit = _install_for_instructors(state, users, course)
    return exchange, etc, share, course, kit


def _instructors_only(path, users):
    """docs/deploy.md's modes below `path`: group `instructors`, folders 2750 (setgid), files 0640."""
    gid = grp.getgrnam(users.group).gr_gid
    for p in [path, *pathlib.Path(path).rglob("*")]:
        os.lchown(p, -1, gid)
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o2750)
        elif p.is_file():
            p.chmod(0o750 if p.stat().st_mode & 0o100 else 0o640)


def _install_for_instructors(state, users, course):
    """The course directory and the instructor's kit as docs/deploy.md installs them; returns the
    instructor's site-packages (the import path of the instructor's server: hub config below).

    The kit here is a copy of autograder/ in an instructor-only site-packages (the repository's
    venv serves every user of this test hub, so the instructor's import path stands for the
    instructor venv). It is owned by the instructor (the docs: root), so that the instructor's
    Python writes its __pycache__ there: the proof that grading imported this copy."""
    site = state / "instructor-venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    site.mkdir(parents=True)
    shutil.copytree(ROOT / "autograder", site / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    _chown_tree(state / "instructor-venv", users.instructor)
    _instructors_only(state / "instructor-venv", users)
    _instructors_only(course, users)
    # The instructor's home readable by others (many systems' default): only the modes above protect.
    users.home(users.instructor).chmod(0o755)
    return site


def _instructor_server_config(state):
    """The instructor environment's Jupyter configuration (docs/deploy.md, *The formgrader*): the file
    the guide writes to /opt/pooling/instructor/etc/jupyter/, read from docs/deploy.md itself."""
    etc = state / "instructor-etc" / "jupyter"
    _write(etc / "jupyter_server_config.py", deploy_guide_block("jupyter_server_config.py"))
    return etc


def _hub_config(state, users, port, etc, share, kit, instructor_etc):
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(etc),
        "JUPYTER_PATH": str(share),
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    return f"""# Written by tests/test_hub.py: JupyterHub on 127.0.0.1 for the kit's course.
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
# docs/deploy.md: one origin per user (JupyterHub's subdomains), so that the formgrader may be framed
# by its own user's JupyterLab and by nobody else's page
c.JupyterHub.subdomain_host = "http://localhost:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(state / 'proxy.pid')!r}
c.JupyterHub.pid_file = {str(state / 'jupyterhub.pid')!r}
c.JupyterHub.db_url = "sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(state / 'cookie_secret')!r}
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(users.names)!r}
c.Authenticator.admin_users = {{{users.instructor!r}}}
c.Spawner.cmd = [{str(VENV_BIN / 'jupyterhub-singleuser')!r}]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {env!r}
c.Spawner.args = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                  "--LabApp.expose_app_in_browser=True"]
c.Spawner.start_timeout = 240
c.Spawner.http_timeout = 240
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True


def _instructor_kit(spawner):
    # docs/deploy.md: the instructor's server imports the kit from the instructor-only environment,
    # and reads that environment's Jupyter configuration (frame-ancestors 'self' for the formgrader);
    # a student's server reads the students' configuration (no instructor UI)
    if spawner.user.name == {users.instructor!r}:
        spawner.environment = dict(spawner.environment, PYTHONPATH={str(kit)!r},
                                   JUPYTER_CONFIG_PATH={str(instructor_etc) + ":" + str(etc)!r})
    else:
        spawner.environment = dict(spawner.environment,
                                   JUPYTER_CONFIG_PATH={str(state / "student-config") + ":" + str(etc)!r})


c.Spawner.pre_spawn_hook = _instructor_kit
"""


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
    pid_file = state / "proxy.pid"                        # the proxy the hub started, by its pid
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
    if not CHP.exists():
        pytest.fail(f"{CHP} missing: run `make system` (scripts/install_hub_proxy.sh)")
    # Not under pytest's tmp_path: that tree is private to root (0700) and pruned by other pytest runs,
    # while the users' servers read the configuration and write the exchange below this folder.
    state = pathlib.Path(tempfile.mkdtemp(prefix="pooling-hub-"))
    state.chmod(0o755)
    exchange, etc, share, course, kit = _prepare_state(state, users, released_has_first_cell())
    port = _free_port()
    instructor_etc = _instructor_server_config(state)
    (state / "jupyterhub_config.py").write_text(_hub_config(state, users, port, etc, share, kit, instructor_etc))
    env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               CONFIGPROXY_AUTH_TOKEN=secrets.token_hex(32))
    log = open(state / "jupyterhub.log", "wb")
    proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(state / "jupyterhub_config.py")],
                            cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    h = Hub(state, port, proc, users, course, exchange, kit)
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
            time.sleep(0.5)
        yield h
    finally:
        proxy_left = _stop_hub(proc, state, users)
        log.close()
        left = users.leftovers()
        users.remove()                                     # kills what is left, by pid, then userdel
        shutil.rmtree(state, ignore_errors=True)
        if left or proxy_left:
            pytest.fail(f"the hub left processes behind: {left or ''} {proxy_left or ''}")


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


def row_button(panel, section, label):
    """The `label` button of the pooling row in a section of the Assignment List."""
    return panel.locator(f"#{section}", has_text="pooling").locator(
        "button", has_text=re.compile(rf"^{label}$")).first


def click_row_button(panel, section, label, timeout=ACTION_MS):
    button = row_button(panel, section, label)
    button.wait_for(timeout=timeout)
    button.click()


def open_notebook(page, hub, user, relpath):
    page.goto(hub.user_url(user, f"lab/tree/{relpath}"))
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
    row = page.locator("table tbody tr", has_text=row_text).first
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


def deploy_guide_block(first_line_mark):
    """The fenced code block of docs/deploy.md whose first line names `first_line_mark`."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.M | re.S):
        if first_line_mark in block.splitlines()[0]:
            return block
    raise AssertionError(f"docs/deploy.md has no code block starting with {first_line_mark!r}")


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
    t, a, b = users.instructor, users.alice, users.bob
    contexts = {n: _context(browser) for n in users.names}
    pages = {n: contexts[n].new_page() for n in users.names}
    shots = artifacts_dir / "hub"
    shots.mkdir(exist_ok=True)

    def shot(name, page):
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    try:
        # -- the instructor: generate and release in the formgrader (the hub spawns the students meanwhile)
        login(pages[t], hub, t)
        for s in (a, b):
            login(pages[s], hub, s, wait=False)
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
        shot("1_instructor_released", fg)
        assert (hub.exchange / COURSE_ID / "outbound" / "pooling" / "01_basics.ipynb").exists()

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
        cells = open_notebook(pa, hub, a, "pooling/01_basics.ipynb")
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
            "own notebook (control)": home_a / "pooling" / "01_basics.ipynb",
            "exchange outbound (control)": hub.exchange / COURSE_ID / "outbound" / "pooling" / "01_basics.ipynb",
        })
        assert readable == {"source notebook": "denied", "source folder": "denied", "gradebook": "denied",
                            "autograder module": "denied", "autograder folder": "denied",
                            "instructor site-packages": "denied", "own notebook (control)": "read",
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

        # -- the instructor: collect, autograde both (the kit's engine), feedback
        # (all in the formgrader's iframe inside the instructor's JupyterLab)
        ff.goto(hub.user_url(t, "formgrader"))
        formgrader_action(ff, "collect", "collect")
        for s in (a, b):
            assert (hub.course / "submitted" / s / "pooling" / "01_basics.ipynb").exists()
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
            time.sleep(0.5)
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

        # -- the course's gradebook: A has pool2d's points, B gained nothing
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
            def scores(s):
                sub = gb.find_submission("pooling", s)
                return {(nb.name, g.name): (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
            sa, sb = scores(a), scores(b)
            total_max = gb.find_assignment("pooling").max_score
            b_total, b_max = gb.find_submission("pooling", b).score, gb.find_submission("pooling", b).max_score
        assert sa["01_basics", "test_pool2d"] == (2.0, 2.0)
        assert sb["01_basics", "test_pool2d"] == (0.0, 2.0)
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
        # ... the kit of the instructor-only environment: the instructor's Python compiled it there
        # (wherever the nbgrader adapter's module sits in the package: scripts/relayout.py moves it)
        assert list((hub.kit / "autograder").rglob("__pycache__/*execute.*.pyc")), \
            "the instructor's server did not import the instructor-only kit"

        # -- student A fetches the feedback and reads the kit's feedback
        pa.goto(hub.user_url(a, "lab"))
        wait_lab(pa, hub, a)
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
