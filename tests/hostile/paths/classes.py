"""Builders of classes whose files are not what they seem (links, hard links, FIFOs, odd layouts).

Used by tests/test_hostile_paths.py. Every attacker submits only 01_basics,
beside `honest` (their own code, full marks) and `copier` (a plain copy of
the instructor's source notebook: full marks, flagged ``solution_copy``).
`source` is the instructor's ``source/pooling`` the links point at: the
repository's for ``autograder grade``, the course copy's for nbgrader.
"""
import json
import os
import pathlib
import shutil
import subprocess

import harness

NB = "01_basics.ipynb"
# Only in the instructor's solution regions (neither in release/ nor in honest's code).
SOLUTION_ONLY = ["unfold 把每个窗口取出来", "BEGIN SOLUTION"]

HONEST_POOL2D = '''\
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError('mode: max / avg')
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    out = torch.empty((X.shape[0] - kh + 1, X.shape[1] - kw + 1), dtype=X.dtype)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            patch = X[r:r + kh, c:c + kw]
            out[r, c] = patch.max() if mode == 'max' else patch.mean()
    return out
'''

HONEST_POOL2D_PADDED = '''\
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    def two(v):
        return (v, v) if isinstance(v, int) else (v[0], v[1])
    if mode not in ('max', 'avg'):
        raise ValueError('mode: max / avg')
    kh, kw = two(pool_size)
    sh, sw = two(stride) if stride is not None else (kh, kw)
    ph, pw = two(padding)
    Z = F.pad(X, (pw, pw, ph, ph), value=float('-inf') if mode == 'max' else 0.0)
    patches = Z.unfold(2, kh, sh).unfold(3, kw, sw)
    return patches.amax(dim=(-1, -2)) if mode == 'max' else patches.mean(dim=(-1, -2))
'''

# student -> what the attack is; `honest` and `copier` are the controls.
ATTACKS = {
    "link_assignment": "pooling/ -> source/pooling",
    "link_notebook": "pooling/01_basics.ipynb -> source/pooling/01_basics.ipynb",
    "hardlink_notebook": "pooling/01_basics.ipynb hard-linked to a copy of the source outside the class",
    "link_student": "the student folder -> a folder outside the class holding the source notebook",
    "link_parent": "pooling/ -> real/ (a link in a parent component, inside the submission)",
    "fifo_notebook": "pooling/01_basics.ipynb is a FIFO (and so is timestamp.txt)",
}
LINKED_DATA = "link_data"        # an honest notebook plus data.txt -> source/pooling/01_basics.ipynb
LAYOUT = {"layout_case": "Pooling", "layout_suffix": "pooling2", "layout_flat": None}


def honest_notebook():
    nb = harness.with_answer(HONEST_POOL2D, "pool2d")
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "answer_pool2d_padded":
            c["source"] = HONEST_POOL2D_PADDED
    return nb


def write_nb(path, nb):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def build(subs, outside, source):
    """Create the class in `subs` (must not exist); `outside` is a folder beside it on the same filesystem."""
    subs, outside, source = pathlib.Path(subs), pathlib.Path(outside), pathlib.Path(source)
    subs.mkdir(parents=True)
    outside.mkdir(parents=True, exist_ok=True)
    write_nb(subs / "honest" / "pooling" / NB, honest_notebook())
    (subs / "copier" / "pooling").mkdir(parents=True)
    shutil.copyfile(source / NB, subs / "copier" / "pooling" / NB)

    (subs / "link_assignment").mkdir()
    os.symlink(source, subs / "link_assignment" / "pooling")
    (subs / "link_notebook" / "pooling").mkdir(parents=True)
    os.symlink(source / NB, subs / "link_notebook" / "pooling" / NB)
    shutil.copyfile(source / NB, outside / NB)                       # same filesystem: a hard link works
    (subs / "hardlink_notebook" / "pooling").mkdir(parents=True)
    os.link(outside / NB, subs / "hardlink_notebook" / "pooling" / NB)
    (outside / "student" / "pooling").mkdir(parents=True)
    shutil.copyfile(source / NB, outside / "student" / "pooling" / NB)
    os.symlink(outside / "student", subs / "link_student")
    (subs / "link_parent" / "real").mkdir(parents=True)
    shutil.copyfile(source / NB, subs / "link_parent" / "real" / NB)
    os.symlink("real", subs / "link_parent" / "pooling")
    (subs / "fifo_notebook" / "pooling").mkdir(parents=True)
    os.mkfifo(subs / "fifo_notebook" / "pooling" / NB)
    os.mkfifo(subs / "fifo_notebook" / "pooling" / "timestamp.txt")

    write_nb(subs / LINKED_DATA / "pooling" / NB, honest_notebook())
    os.symlink(source / NB, subs / LINKED_DATA / "pooling" / "data.txt")

    for student, folder in LAYOUT.items():
        where = subs / student / folder / NB if folder else subs / student / NB
        write_nb(where, honest_notebook())
    return subs


# ------------------------------------------------------------------ nbgrader

def nbgrader_course(base):
    """A course directory under `base` (own gradebook), the class built straight into submitted/.

    Not ``harness.nbgrader_course``: its ``copytree`` would turn the links into copies.
    Returns (course, generate, autograde, feedback) with the three processes' results.
    """
    course = pathlib.Path(base) / "course"
    gen = harness.generated_course(course, config=harness.nbgrader_config())   # generated once per process
    nbg = str(pathlib.Path(harness.PY).parent / "nbgrader")

    def run(*args):
        return subprocess.run([nbg, *args, "pooling"], cwd=course, env=harness.env(),
                              capture_output=True, text=True, timeout=1800)

    build(course / "submitted", pathlib.Path(base) / "outside", course / "source" / "pooling")
    auto = run("autograde")
    feedback = run("generate_feedback")
    return course, gen, auto, feedback
