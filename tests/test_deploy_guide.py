"""docs/deploy.md read as a new instructor on a fresh Debian 12 server would follow it. Nothing here
runs the guide's commands (tests/test_hub.py runs the set-up script, as root): the shell blocks are
parsed (``bash -n``) and checked for what a fresh server lacks; the set-up the guide shows is
scripts/deploy/setup_hub.sh, byte for byte; the files it writes are compared with the kit's own
definitions."""
import grp
import json
import re
import subprocess
import sys
import tomllib

import pytest

from conftest import ROOT

GUIDE = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", GUIDE, flags=re.M | re.S)
SHELL = [b for lang, b in BLOCKS if lang == "bash"]
SCRIPT = ROOT / "scripts" / "deploy" / "setup_hub.sh"
SETUP = SCRIPT.read_text(encoding="utf-8")
# the script's defaults: where its variables point on a real server
DEFAULTS = dict(re.findall(r'^(\w+)="\$\{\1:-([^}]*)\}"', SETUP, flags=re.M))


def expand(text):
    """`text` with the script's variables at their defaults ("$OPT/x" -> /opt/pooling/x)."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: DEFAULTS.get(m[1], m[0]), text)


def heredocs(block):
    """{path: text} of every ``cat > PATH <<EOF ... EOF`` in a shell block, the path's variables
    (and, in an unquoted here-document, the text's) at the script's defaults."""
    return {expand(m[0].strip('"')): (m[2] if m[1] else expand(m[2]))
            for m in re.findall(r"^cat > (\S+) <<('?)EOF'?\n(.*?)^EOF$", block, flags=re.M | re.S)}


def test_the_guide_shows_the_setup_script_whole():
    """The set-up a reader copies is the file tests/test_hub.py runs: one of the guide's blocks is it."""
    assert SETUP in SHELL, "docs/deploy.md's set-up block differs from scripts/deploy/setup_hub.sh"
    assert "bash scripts/deploy/setup_hub.sh" in GUIDE
    assert DEFAULTS["OPT"] == "/opt/pooling" and DEFAULTS["ETC_JUPYTER"] == "/etc/jupyter"
    assert DEFAULTS["EXCHANGE"] == "/srv/nbgrader/exchange"


SHIPPED = sorted((ROOT / "scripts" / "deploy").glob("*.py"))
CODE = [b for lang, b in BLOCKS]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_guide_shows_each_shipped_configuration_whole(path):
    """Each configuration file the set-up installs (the hub's, the instructors' server's) is a block of
    the guide, byte for byte, and the set-up script installs it."""
    assert path.read_text(encoding="utf-8") in CODE, f"docs/deploy.md's block differs from {path.name}"
    assert f"scripts/deploy/{path.name}" in SETUP, f"setup_hub.sh does not install {path.name}"


def _site_toml(tmp_path, **env):
    """site.toml as setup_hub.sh writes it: its variables' lines, toml_list and the here-document, run."""
    lines = SETUP.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("toml_list()"))
    end = next(i for i in range(start, len(lines)) if lines[i] == "EOF")
    head = [line for line in lines if re.match(r'^(\w+)="\$\{\1:-', line)]
    script = "\n".join(["set -eu", *head, *lines[start:end + 1]]) + "\n"
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "ETC_JUPYTERHUB": str(tmp_path), **env})
    assert proc.returncode == 0, proc.stderr
    return (tmp_path / "site.toml").read_text()


def test_the_guides_site_toml_is_what_the_script_writes(tmp_path):
    shown = next(b for lang, b in BLOCKS if lang == "toml" and "written by scripts/deploy/setup_hub.sh" in b)
    assert _site_toml(tmp_path) == shown
    assert tomllib.loads(shown)["users"] == ["instructor", "s001", "s002"]


def _load_hub_config(folder):
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader("jupyterhub_config.py", path=str(folder)).load_config()


class _Spawner:
    def __init__(self, name, environment):
        self.user = type("User", (), {"name": name})()
        self.environment, self.cmd = environment, None


def test_the_hub_configuration_reads_site_and_override(tmp_path):
    """The shipped configuration with the site.toml the script writes, then an override.toml: the keys
    it documents reach JupyterHub's settings, override.toml's replace site.toml's, and the spawn hook
    gives each role its environment (members of the group the instructors', others the students')."""
    (tmp_path / "jupyterhub_config.py").write_bytes((ROOT / "scripts" / "deploy" / "jupyterhub_config.py").read_bytes())
    _site_toml(tmp_path, OPT="/o", GROUP="root", ETC_JUPYTER="/e/j", INSTRUCTORS="t1", STUDENTS="s1 s2")
    c = _load_hub_config(tmp_path)
    assert c.Authenticator.allowed_users == {"t1", "s1", "s2"} and c.Authenticator.admin_users == {"t1"}
    assert c.JupyterHub.subdomain_host == "https://hub.example.org" and c.JupyterHub.authenticator_class == "pam"
    assert c.ConfigurableHTTPProxy.command == ["/o/hub-proxy/node_modules/.bin/configurable-http-proxy"]
    assert c.JupyterHub.db_url == "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
    assert "hub_bind_url" not in c.JupyterHub
    (tmp_path / "override.toml").write_text('hub_url = "http://localhost:9"\nhub_bind_url = "http://127.0.0.1:7"\n'
                                            'jupyter_config_path = ["/x/etc"]\n[spawner_environment]\nA = "1"\n')
    c = _load_hub_config(tmp_path)
    assert c.JupyterHub.subdomain_host == "http://localhost:9" and c.JupyterHub.hub_bind_url == "http://127.0.0.1:7"
    members = grp.getgrnam("root").gr_mem
    spawner = _Spawner(members[0] if members else "s1", dict(c.Spawner.environment))
    c.Spawner.pre_spawn_hook(spawner)
    role = "instructor" if members else "student"
    assert spawner.cmd == [f"/o/{role}/bin/jupyterhub-singleuser"] and spawner.environment["A"] == "1"
    assert spawner.environment["PATH"].startswith(f"/o/{role}/bin:")
    want = (["/o/student-config"] if role == "student" else []) + ["/e/j", "/x/etc"]   # /etc/jupyter moved: named
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == ":".join(want)


def guide_file(path):
    """The text the guide writes to `path` (for tests/test_hub.py)."""
    for block in SHELL:
        if path in heredocs(block):
            return heredocs(block)[path]
    raise AssertionError(f"docs/deploy.md writes no {path}")


@pytest.mark.parametrize("i", range(len(SHELL)))
def test_shell_blocks_parse(i):
    proc = subprocess.run(["bash", "-n"], input=SHELL[i], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + SHELL[i][:500]


def test_every_file_is_written_into_a_folder_made_before():
    """`cat > /etc/jupyter/...` on a fresh server needs /etc/jupyter made first (install -d / mkdir -p)."""
    for block in SHELL:
        for m in re.finditer(r"^cat > (\S+) <<", block, flags=re.M):
            folder = expand(m[1].strip('"')).rsplit("/", 1)[0]
            made = [expand(d.strip('"')) for d in re.findall(r"(?:install -d|mkdir -p)[^\n]*?\s(\"?[/$]\S+)", block[:m.start()])]
            assert any(folder == d or folder.startswith(d.rstrip("/") + "/") for d in made), (m[1], made)


def test_accounts_get_passwords_and_the_exchange_is_sticky():
    assert SETUP.index("useradd") < SETUP.index("chpasswd"), "PAM needs passwords"
    assert re.search(r'install -d -m 1777 "\$EXCHANGE"', SETUP)
    assert "0777" not in SETUP


def test_course_id_is_per_course():
    """The global configuration says only where the exchange is; the course directory has its id."""
    glob = guide_file("/etc/jupyter/nbgrader_config.py")
    assert "Exchange.root" in glob and "course_id" not in glob
    assert re.search(r'c\.CourseDirectory\.course_id = "d2l-pooling"', (ROOT / "nbgrader_config.py").read_text())


def test_students_config_is_the_kits_definition(tmp_path):
    """The students' Jupyter configuration in the guide is what `make lab-student` writes."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import student_lab
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    made = student_lab.write_config(tmp_path)
    for rel in ("labconfig/page_config.json", "jupyter_server_config.json"):
        assert json.loads(guide_file(f"/opt/pooling/student-config/{rel}")) == json.loads((made / rel).read_text())
    # the folder the script writes them to is the one the hub's configuration gives students' servers
    # (test_the_hub_configuration_reads_site_and_override runs that hook)
    assert '"$OPT/student-config/jupyter_server_config.json"' in SETUP
    hook = (ROOT / "scripts" / "deploy" / "jupyterhub_config.py").read_text()
    assert "[f\"{SITE['opt']}/student-config\"] if role == \"student\"" in hook


def test_install_commands_use_the_kits_pins_and_files():
    pins = dict(re.match(r"([\w-]+)==(\S+)", d).groups()
                for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                + tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
                if "==" in d)
    for name, version in re.findall(r"\b([a-z][\w-]*)==(\d[\w.+]*)", SETUP):
        assert pins.get(name) == version, (name, version, pins.get(name))
    assert (ROOT / "packaging" / "student" / "pooling_course_build.py").is_file()
    assert 'pip" wheel --no-deps' in SETUP and '"$OPT/hub/bin/pip" install jupyterhub' in SETUP
    assert "/opt/pooling/hub/bin/jupyterhub" in GUIDE          # which environment the hub runs from
