"""Fixtures for the browser tests: a real JupyterLab server and headless Chromium.

Everything runs on 127.0.0.1 and nothing reaches the network:

* ``lab_course`` copies the repository's course layout (``source/``, ``release/``,
  ``nbgrader_config.py``) into a temporary directory, so that the formgrader
  sees a course root with its own ``gradebook.db`` and the test never writes
  into the working tree.
* ``jupyter_lab`` starts ``jupyter lab`` with that copy as cwd and root
  directory, on a free port with a random token, and kills its whole process
  group (kernels included) at teardown.
* ``browser`` launches Debian's ``/usr/bin/chromium`` through Playwright's
  Python client (never ``playwright install``).
* ``lab_page`` gives each test the module's one JupyterLab tab (loaded once: a Lab page load costs
  seconds of renderer CPU), emptied of documents and kernels between tests.
"""
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import secrets

import pytest

from support.slow import slow_fixture

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]  # small /dev/shm in containers
JUPYTER = pathlib.Path(sys.executable).parent / "jupyter"

# JupyterLab plugins that would talk to the internet or pop up toasts over the page.
DISABLED_LAB_PLUGINS = {
    "@jupyterlab/apputils-extension:announcements": True,
}

# labconfig/page_config.json of the tests' Labs: those plugins off, and no "is the build up to date?"
# query at each page load (the server runs yarn to answer it).
LAB_PAGE_CONFIG = {"disabledExtensions": DISABLED_LAB_PLUGINS, "buildCheck": False, "buildAvailable": False}

LAB_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


# True once the current notebook's kernel is idle; accepts a kernel chooser if one appears
# (only when the notebook's kernelspec is unknown). For page.wait_for_function.
KERNEL_IDLE_JS = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!w || !w.sessionContext) return false;
    const dlg = document.querySelector('.jp-Dialog .jp-mod-accept');
    if (dlg) dlg.click();
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle';
}"""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, timeout=5):
    """GET on 127.0.0.1 without any proxy from the environment."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as r:
        return r.status, r.read()


def _kill_group(proc, grace=10):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=grace)


class Lab:
    """A running JupyterLab: where it listens, its token, and the course copy it serves."""

    def __init__(self, root, port, token, proc, log_path):
        self.root = root
        self.port = port
        self.token = token
        self.proc = proc
        self.log_path = log_path

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@slow_fixture(scope="session")
def lab_course(tmp_path_factory):
    """A temporary nbgrader course directory with the repository's layout."""
    course = tmp_path_factory.mktemp("course")
    for sub in ("source", "release"):
        if (ROOT / sub).exists():
            shutil.copytree(ROOT / sub, course / sub,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    # nbgrader_config.py takes its root from its own location: the copy points at the copy.
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


@slow_fixture(scope="session")
def jupyter_lab(lab_course, tmp_path_factory):
    """JupyterLab serving ``lab_course`` on a free 127.0.0.1 port with a random token."""
    if not JUPYTER.exists():
        pytest.fail(f"jupyter not found next to {sys.executable}")
    state = tmp_path_factory.mktemp("jupyter-state")
    config_dir = state / "config"
    (config_dir / "labconfig").mkdir(parents=True)
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps(LAB_PAGE_CONFIG))
    # nbgrader reads this before the course's own nbgrader_config.py (cwd): an exchange
    # directory inside the test's state, so the formgrader has nothing to complain about.
    (config_dir / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(state / 'exchange')!r}\n")
    (state / "exchange").mkdir()
    # Fresh user settings: every cell in the DOM (no virtual scrolling), no autosave surprises.
    settings = state / "user-settings"
    for plugin, values in LAB_SETTINGS.items():
        pkg, _, name = plugin.partition(":")
        path = settings / pkg / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(state / "ipython"),
        # The kernel is the venv's python3: `course` is installed there (editable).
        PATH=str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    token = secrets.token_hex(24)
    log_path = state / "jupyter.log"
    cmd = [
        str(JUPYTER), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={lab_course}",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # CI containers run as root
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        f"--LabApp.user_settings_dir={settings}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=lab_course, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(lab_course, port, token, proc, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{lab.log()}")
            try:
                status, _ = _get(lab.url("api/status"))
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within 90 s:\n{lab.log()}")
            time.sleep(0.3)
        yield lab
    finally:
        _kill_group(proc)


@slow_fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright's Python client."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: run `make system` (scripts/install_system_packages.sh)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


# Frees the Lab tab for the next test: every document in the main area closed without saving (the
# tests never save: autosave is off), every kernel session shut down (a notebook reopened by the next
# test starts a new kernel on the file as it is on disk), and any dialog dismissed.
RESET_TAB_JS = """async () => {
    const app = window.jupyterapp;
    for (const d of document.querySelectorAll('.jp-Dialog .jp-mod-reject')) d.click();
    for (const w of [...app.shell.widgets('main')]) {
        if (w.context && w.context.model) w.context.model.dirty = false;
        w.dispose();
    }
    await app.serviceManager.sessions.shutdownAll();
    await app.serviceManager.sessions.refreshRunning();
    return [...app.serviceManager.sessions.running()].length;
}"""


# Every URL that is not on 127.0.0.1 (nor data:/blob:). Matched by Playwright's driver: only these
# requests come back to Python (to be refused); a Lab page's hundred-odd script and API requests go
# through without a round trip through the test process each.
OFF_MACHINE = re.compile(r"^(?!(?:http://127\.0\.0\.1[:/]|ws://127\.0\.0\.1[:/]|data:|blob:))")


def block_off_machine(context):
    """Nothing the context's pages ask for may leave 127.0.0.1."""
    context.route(OFF_MACHINE, lambda route: route.abort())


def _lab_context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    block_off_machine(context)
    context.set_default_timeout(60_000)
    return context


def load_lab(page, lab):
    """Load the JupyterLab application (a fresh workspace) in ``page`` and wait until it has started."""
    page.goto(lab.url("lab?reset"))
    page.wait_for_function("() => !!window.jupyterapp", timeout=120_000, polling=100)
    page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }")
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=120_000)


@pytest.fixture(scope="module")
def _lab_tab(browser, jupyter_lab):
    """One browser context and page per module with JupyterLab loaded once: a Lab page load costs
    seconds of renderer CPU, so the tests of a module open their notebooks in this one tab."""
    context = _lab_context(browser)
    page = context.new_page()
    try:
        load_lab(page, jupyter_lab)
        yield page
    finally:
        try:
            page.evaluate(RESET_TAB_JS)
        except Exception:
            pass
        context.close()


@pytest.fixture
def lab_page(_lab_tab, jupyter_lab):
    """The module's JupyterLab tab, with no document open and no kernel running; emptied again after
    the test. If the tab is unusable (a test crashed the page), Lab is loaded again in it."""
    page = _lab_tab
    try:
        healthy = page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell)")
    except Exception:
        healthy = False
    if not healthy:
        load_lab(page, jupyter_lab)
    try:
        yield page
    finally:
        try:
            page.keyboard.press("Escape")
            left = page.evaluate(RESET_TAB_JS)
            assert left == 0, f"{left} kernel sessions still running after the reset"
        except Exception:
            load_lab(page, jupyter_lab)     # start the next test from a freshly loaded Lab
