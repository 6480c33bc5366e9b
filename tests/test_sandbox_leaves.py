"""The sandbox's leaf modules on their own: the limits' one rule, the seccomp program, the jail's imports."""
import dataclasses
import errno
import subprocess
import sys

import pytest

from conftest import ROOT
from autograder.core.limits import Limits
from autograder.sandbox.seccomp import seccomp_program


@pytest.mark.parametrize("call, notebook", [(None, 180.0), (10, 180.0), (2, 36.0), (0.1, 5.1)])
def test_the_notebook_timeout_is_derived_from_the_call_timeout(call, notebook):
    assert Limits.from_timeout(call).notebook_timeout == pytest.approx(notebook)
    if call is not None:
        assert Limits(call_timeout=call).notebook_timeout == pytest.approx(notebook)


def test_limits_given_whole_are_kept_and_travel_as_a_dict():
    given = Limits(call_timeout=3, notebook_timeout=30)
    assert given.notebook_timeout == 30 and given.child_config()["cpu_seconds"] == 35
    derived = Limits.from_timeout(4)
    assert Limits(**dataclasses.asdict(derived)) == derived       # what a pool or Dask worker receives


def _denied(prog, action):
    """Syscall numbers the program answers with `action` (a JEQ nr followed by RET action)."""
    return {a[3] for a, b in zip(prog, prog[1:]) if a[0] == 0x15 and a[1:3] == (0, 1) and b == (0x06, 0, 0, action)}


def test_seccomp_program_is_an_allowlist():
    prog = seccomp_program("x86_64")
    assert prog[:3] == [(0x20, 0, 0, 4), (0x15, 1, 0, 0xC000003E), (0x06, 0, 0, 0x80000000)]  # other arch: kill
    assert prog[-1] == (0x06, 0, 0, 0x00050000 | errno.EPERM)                                 # else: EPERM
    allowed = _denied(prog, 0x7FFF0000)
    assert {0, 1, 9, 257, 45, 44} <= allowed                  # read write mmap openat recvfrom sendto
    # clone fork vfork ptrace mount unshare setns socket connect add_key request_key keyctl: not allowed
    assert not {56, 57, 58, 101, 165, 272, 308, 41, 42, 248, 249, 250} & allowed
    assert _denied(prog, 0x00050000 | errno.ENOSYS) == {435}  # clone3: libc falls back to clone
    assert seccomp_program("sparc") is None


def test_seccomp_program_only_some_names():
    prog = seccomp_program("aarch64", only={"unshare", "setns"})
    assert _denied(prog, 0x00050000 | errno.EPERM) == {97, 268}
    assert _denied(prog, 0x00050000 | errno.ENOSYS) == set()


def test_the_jails_leaves_import_with_the_standard_library_only():
    """The zygote imports them (by module name, from the kit's folder) before anything else: no
    other kit module, no torch."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from autograder.sandbox import isolation, landlock, seccomp\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'autograder', 'course')))\n")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["autograder", "autograder.sandbox", "autograder.sandbox.isolation",
                                      "autograder.sandbox.landlock", "autograder.sandbox.seccomp"])
