"""docs/deploy.md read as a new instructor on a fresh Debian 12 server would follow it. Nothing here
runs the guide's commands (tests/test_hub.py runs the set-up script, as root): the shell blocks are
parsed (``bash -n``) and checked for what a fresh server lacks; the set-up the guide shows is
scripts/deploy/setup_hub.sh, byte for byte; the files it writes are compared with the kit's own
definitions."""
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
    assert 'JUPYTER_CONFIG_PATH"] = "/opt/pooling/student-config"' in GUIDE


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
