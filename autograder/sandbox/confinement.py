"""Is a child confined enough to run student code? The one judgement, from its ``ready`` notes.

The child reports, per resource, the layers that confine it (``notes["confined"]``:
``{"fs": ["mount_ns", "landlock"], "net": ["netns", "landlock", "seccomp"]}``). A
resource with no layer means student code could reach the grading user's files or
the network: the engine then refuses to grade (``SandboxTooWeak``, exit status 3)
unless weak sandboxes were explicitly allowed. A leaf: the standard library only.
``refusal_message`` says so in words, with what this machine offers and how to fix it.
"""
import ctypes
import errno
import os
import sys

RESOURCES = ("fs", "net")


def _confined(notes: dict) -> dict:
    """The child's notes' ``confined`` (resource -> layers), or {} where it sent none or no dict."""
    confined = notes.get("confined")
    return confined if isinstance(confined, dict) else {}


def missing(notes: dict) -> list[str]:
    """The resources (of ``RESOURCES``) that no layer confines, per the child's notes."""
    confined = _confined(notes)
    return [r for r in RESOURCES if not confined.get(r)]


def summary(notes: dict) -> dict:
    """What was applied, for run.json: the layers per resource and the Landlock ABI."""
    confined = _confined(notes)
    return {"fs": list(confined.get("fs") or []), "net": list(confined.get("net") or []),
            "landlock_abi": notes.get("landlock_abi"), "seccomp": notes.get("seccomp"),
            "namespaces": notes.get("namespaces"), "missing": missing(notes)}


# ------------------------------------------------------------------ the refusal, in words

AUDIENCES = ("cli", "self", "nbgrader", "gradescope")

_WHAT = {
    "fs": ("文件系统", "file system",
           "学生代码可以读写评分用户能读写的一切：source/ 中的答案、其他学生的提交、成绩册、nbgrader_config.py",
           "student code could read and write whatever the grading user can: the solutions in source/, "
           "other students' submissions, the gradebook, nbgrader_config.py"),
    "net": ("网络", "network",
            "学生代码可以连接网络，包括本机上的服务（如 127.0.0.1:8786 上的 Dask 调度器）",
            "student code could open network connections, to services on this machine too "
            "(e.g. a Dask scheduler on 127.0.0.1:8786)"),
}

# How to allow a weak sandbox, per audience: (Chinese, English).
_ALLOW = {
    "cli": ("如确需在此机器上评分，请显式加上 --allow-weak-sandbox（会记入 run.json 并显示在报告顶部）",
            "to grade on this machine anyway, pass --allow-weak-sandbox explicitly (it is recorded in "
            "run.json and shown at the top of the report)"),
    "self": ("自学者给自己的 notebook 评分时，可以加上 --allow-weak-sandbox："
             "运行的是你自己写的代码，对你自己是安全的。不要用它给别人的代码评分",
             "grading your own notebook as a self-study learner, you may add --allow-weak-sandbox: "
             "the code is your own, so this is safe for you. Never use it to grade other people's code"),
    "nbgrader": ("如确需在此机器上评分，请在 nbgrader_config.py 中设置 "
                 "c.HardenedExecute.allow_weak_sandbox = True（或命令行 "
                 "--HardenedExecute.allow_weak_sandbox=True）",
                 "to grade on this machine anyway, set c.HardenedExecute.allow_weak_sandbox = True in "
                 "nbgrader_config.py (or pass --HardenedExecute.allow_weak_sandbox=True)"),
    "gradescope": ("如确需在此容器中评分，请用 autograder gradescope-bundle OUT.zip --allow-weak-sandbox "
                   "重新生成并上传评分包",
                   "to grade in this container anyway, rebuild the bundle with "
                   "`autograder gradescope-bundle OUT.zip --allow-weak-sandbox` and upload it again"),
}


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(200).strip()
    except OSError:
        return ""


def describe(resources: list) -> str:
    """The resources in words, in the chosen language: "文件系统、网络 / file system and network" in zh+en."""
    from course.language import say                 # the language chosen now (course.language)
    known = [r for r in RESOURCES if r in resources]
    return say("、".join(_WHAT[r][0] for r in known), " and ".join(_WHAT[r][1] for r in known)) if known else ""


def landlock_abi() -> "int | str":
    """The Landlock ABI this process's kernel offers, or why none (errno name): a read-only probe."""
    nr = {"x86_64": 444, "aarch64": 444}.get(os.uname().machine)   # landlock_create_ruleset
    if nr is None:
        return "unknown architecture"
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(nr, None, ctypes.c_size_t(0), ctypes.c_uint32(1))   # LANDLOCK_CREATE_RULESET_VERSION
    if abi >= 0:
        return int(abi)
    return errno.errorcode.get(ctypes.get_errno(), "error")


def machine_facts(notes: dict = None) -> list[str]:
    """What this machine says about the layers (kernel, Landlock, user-namespace sysctls), one line each."""
    notes = notes or {}
    confined = _confined(notes)
    applied = any("landlock" in (confined.get(r) or ()) for r in RESOURCES)
    abi = notes.get("landlock_abi") or landlock_abi()
    if not isinstance(abi, int):
        landlock = f"not available ({abi})"
    else:
        landlock = f"ABI {abi}" + ("" if applied else ", not applied")
    facts = [f"Linux {os.uname().release}",
             f"namespaces: {'yes' if notes.get('namespaces') else 'refused'}", f"Landlock: {landlock}"]
    lsm = _read("/sys/kernel/security/lsm")
    if lsm:
        facts.append(f"/sys/kernel/security/lsm: {lsm}")
    for path in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces",
                 "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"):
        value = _read(path)
        if value:
            facts.append(f"{path[len('/proc/sys/'):].replace('/', '.')} = {value}")
    if os.path.exists("/.dockerenv") or os.environ.get("KUBERNETES_SERVICE_HOST"):
        facts.append("in a container")
    return facts


def refusal_message(missing: list, notes: dict = None, audience: str = "cli") -> str:
    """Why the kit refuses to grade here (exit status 3) and how to fix it, Chinese with English beside.

    ``missing``: resources of ``RESOURCES`` no layer confines; ``notes``: the child's ready notes;
    ``audience``: ``cli`` (an instructor's ``autograder grade``), ``self`` (a learner grading their own
    notebook), ``nbgrader`` or ``gradescope`` -- which says how the explicit exception is spelled.
    """
    missing = [r for r in RESOURCES if r in missing] or list(RESOURCES)
    allow_zh, allow_en = _ALLOW.get(audience, _ALLOW["cli"])
    names_zh = "、".join(_WHAT[r][0] for r in missing)
    names_en = " and ".join(_WHAT[r][1] for r in missing)
    python = os.path.realpath(sys.executable)
    lines = [
        f"拒绝评分：此机器上沙箱无法隔离学生代码的{names_zh}。",
        f"Refusing to grade: the sandbox cannot confine student code's {names_en} on this machine.",
        "",
    ]
    for r in missing:
        zh_name, en_name, zh, en = _WHAT[r]
        lines += [f"  - {zh_name}：{zh}", f"    {en_name}: {en}"]
    lines += ["", "本机 / this machine: " + "; ".join(machine_facts(notes)), "",
              "修复方法（任选其一）/ How to fix it (any one of these):",
              "  1. Landlock：Linux ≥ 5.13（网络隔离需 ≥ 6.7），且启用了 Landlock："
              "/sys/kernel/security/lsm 中应有 landlock，否则在内核启动参数 lsm= 中加入 landlock。",
              "     Landlock: Linux >= 5.13 (>= 6.7 for the network) with Landlock enabled: "
              "`cat /sys/kernel/security/lsm` lists landlock; if not, add landlock to the `lsm=` "
              "boot parameter (e.g. lsm=landlock,lockdown,yama,integrity,apparmor,bpf).",
              "  2. 用户命名空间 / user namespaces: `sysctl -w kernel.unprivileged_userns_clone=1` "
              "(Debian, older Ubuntu); `sysctl -w user.max_user_namespaces=15000` (where it is 0, e.g. RHEL).",
              "     Ubuntu ≥ 23.10：`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`，"
              "或为评分用的 Python 写一个允许 userns 的 AppArmor 配置。",
              "     Ubuntu >= 23.10: `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or an "
              f"AppArmor profile that allows `userns,` for the grader's python ({python}).",
              "  3. 容器 / containers: Docker 的默认 seccomp 配置拒绝 unshare；用 "
              "`docker run --security-opt seccomp=PROFILE.json`，其配置允许 landlock_create_ruleset、"
              "landlock_add_rule、landlock_restrict_self 和 unshare；或在容器外运行评分器。",
              "     Docker's default seccomp profile refuses unshare: run with "
              "`--security-opt seccomp=PROFILE.json`, a profile that allows landlock_create_ruleset, "
              "landlock_add_rule, landlock_restrict_self and unshare; or run the grader outside the container.",
              "     Kubernetes（如 Zero to JupyterHub）：在 Pod 的 securityContext.seccompProfile 中使用"
              "同样的 Localhost 配置，或在 Pod 外评分。",
              "     Kubernetes (e.g. Zero to JupyterHub): the same profile as a Localhost "
              "securityContext.seccompProfile of the pod, or grade outside the pod.",
              "",
              f"例外 / The exception: {allow_zh}。",
              f"  {allow_en}.",
              "没有评分，也没有写入任何成绩（退出状态 3）。/ Nothing was graded and no grades were written "
              "(exit status 3)."]
    return "\n".join(lines)

