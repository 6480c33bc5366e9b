"""pyproject.toml and environment.yml pin the same packages at the same versions; the venv's torch is
the CPU build of that pin for any user (scripts/install_torch_cpu.sh)."""
import re
import tomllib

from conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    pins = {}
    for spec in specs:
        m = PIN.match(spec.strip())
        assert m, f"pyproject.toml: {spec!r} is not an exact pin (name==version)"
        pins[normalise(m.group(1))] = m.group(2)
    return pins, project["requires-python"]


def environment_yml():
    """The pip pins and the python version of environment.yml (a small, fixed layout: no YAML parser needed)."""
    pins, python, in_pip = {}, None, False
    for raw in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        item = line.strip()
        if item.startswith("- pip:"):
            in_pip = True
            continue
        if not item.startswith("- "):
            in_pip = False
            continue
        value = item[2:].strip()
        if value.startswith("python="):
            python = value.split("=", 1)[1]
        if in_pip:
            m = PIN.match(value)
            if m:
                pins[normalise(m.group(1))] = m.group(2)
            else:
                assert value.startswith("-e "), f"environment.yml: {value!r} is not an exact pin"
    return pins, python


def test_pins_agree():
    py_pins, _ = pyproject_pins()
    env_pins, _ = environment_yml()
    assert py_pins, "no pins found in pyproject.toml"
    assert env_pins == py_pins, {
        "only in pyproject.toml": sorted(set(py_pins) - set(env_pins)),
        "only in environment.yml": sorted(set(env_pins) - set(py_pins)),
        "different versions": sorted(k for k in set(py_pins) & set(env_pins) if py_pins[k] != env_pins[k]),
    }


def test_python_version_agrees():
    _, requires = pyproject_pins()
    _, python = environment_yml()
    assert python, "environment.yml pins no python version"
    major_minor = tuple(int(x) for x in python.split(".")[:2])
    lower = re.search(r">=\s*(\d+)\.(\d+)", requires)
    upper = re.search(r"<\s*(\d+)\.(\d+)", requires)
    assert lower and tuple(map(int, lower.groups())) <= major_minor
    assert not upper or major_minor < tuple(map(int, upper.groups()))


def test_core_pins_present():
    pins, _ = pyproject_pins()
    assert pins["torch"] == "2.13.0"
    assert pins["nbgrader"] == "0.9.6"
    assert pins["jupyterlab"].startswith("4.")


# ---------------------------------------------------------------- torch's CPU build for any user

def _install_torch(tmp_path, wheels, pip_fails=False, sub=""):
    """scripts/install_torch_cpu.sh with a recording stand-in for pip: the pip calls it made, its stderr.
    ``sub``: a subcommand word after it, as in "uv pip" (scripts/make_venv.sh)."""
    import os
    import subprocess
    log = tmp_path / "pip.log"
    pip = tmp_path / "pip"
    # records its arguments, then the retry and timeout settings it was given for pip and for uv
    pip.write_text(f'#!/bin/bash\n[[ " $* " == *" show "* ]] && exit 1\n'
                   f'echo "$* | $PIP_RETRIES $PIP_TIMEOUT $UV_HTTP_RETRIES $UV_HTTP_TIMEOUT" >> {log}\n'
                   f'exit {int(pip_fails)}\n')
    pip.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "TORCH_WHEELS": str(wheels)}   # no PIP_FIND_LINKS: a normal user's
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "install_torch_cpu.sh"), f"{pip} {sub}".strip(),
                           str(ROOT / "pyproject.toml")], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return (log.read_text().splitlines() if log.exists() else []), proc.stderr


def test_torch_from_a_local_cpu_wheel_of_the_pin(tmp_path):
    version = pyproject_pins()[0]["torch"]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / f"torch-{version}+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    calls, _ = _install_torch(tmp_path, wheels)
    assert calls == [f"install --quiet --no-deps --no-index --find-links {wheels} torch=={version}+cpu |    "]
    (tmp_path / "uv").mkdir()
    calls, _ = _install_torch(tmp_path / "uv", wheels, sub="pip")          # "uv pip": two words
    assert calls == [f"pip install --quiet --no-deps --no-index --find-links {wheels} torch=={version}+cpu |    "]


def test_torch_from_pytorchs_cpu_index_without_a_local_wheel(tmp_path):
    version = pyproject_pins()[0]["torch"]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "torch-0.0.1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")   # not the pin
    calls, err = _install_torch(tmp_path, wheels)
    assert calls == [f"install --quiet --no-deps --index-url https://download.pytorch.org/whl/cpu torch=={version}+cpu"
                     " | 1 20 1 20"]     # one retry, 20 s, for pip and for uv: an unreachable index costs seconds
    assert not err
    # unreachable: a warning in both languages, and the pinned install goes on (PyPI's build)
    (tmp_path / "offline").mkdir()
    calls, err = _install_torch(tmp_path / "offline", tmp_path / "none", pip_fails=True)
    assert len(calls) == 1 and "CPU index could not be reached" in err and "无法访问" in err
