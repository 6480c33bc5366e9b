"""A synthetic class of known composition, for the demo and the report's tests.

    python examples/make_class.py N OUT_DIR [--seed S]

Builds ``OUT_DIR/<student_id>/pooling/<notebook>.ipynb`` from the released
notebooks (``release/pooling/``). Each student's answer cell for each graded
function holds one of:

- ``solution``: the instructor's answer cell from ``source/pooling/`` (marker lines removed);
- ``mutant``: a wrong implementation from ``tests/mutants/<function>/<mistake>.py``,
  whose docstring's first line ``misconception: <id>`` names the expected misconception;
- ``stub``: the released cell, untouched.

Written answers are filled in or left blank, and a few notebooks are made
unreadable (an empty file, truncated JSON, JSON that is not a notebook).
The same ``n`` and ``seed`` always give the same class. What was used is
returned and written to ``OUT_DIR/composition.json``.

``--plant`` (``plant=True``) adds nine students after the ``n`` others (whose
notebooks stay exactly as without it): planted copies for the integrity report
and honest look-alikes (``examples/planted.py``); ``composition.json``'s
``planted`` says who copied whom (``groups``) and who did not (``honest``).
"""
import argparse
import ast
import copy
import json
import pathlib
import random
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from autograder.core.course_dir import ASSIGNMENT, release_dir, source_dir  # noqa: E402
from autograder.exercises import EXERCISES as FUNCTIONS  # noqa: E402
from autograder.run.write import atomic_write  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import planted  # noqa: E402  (examples/planted.py)

# How often each kind of answer is drawn for a function.
KIND_WEIGHTS = {"solution": 0.55, "mutant": 0.35, "stub": 0.10}
MALFORMED_KINDS = ("empty", "truncated", "not_notebook")
WRITTEN_ANSWER_SHARE = 0.7
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell, text: str):
    cell["source"] = text.splitlines(keepends=True)


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _read_nb(path) -> dict:
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def solution_code(source_nb: dict, function: str):
    """The instructor's answer cell for ``function``, without the solution marker lines."""
    for cell in source_nb["cells"]:
        if _grade_id(cell) == f"answer_{function}":
            lines = _source(cell).splitlines(keepends=True)
            return "".join(l for l in lines if l.strip() not in MARKERS)
    return None


def mutant_misconception(code: str):
    """The id in the mutant's ``misconception: <id>`` docstring line; None for ``none``. A mutant
    with several faults lists them, the one named first (grades.csv's misconception) first."""
    doc = ast.get_docstring(ast.parse(code)) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    if not first.startswith("misconception:"):
        raise ValueError(f"mutant docstring must start with 'misconception: <id>', got {first!r}")
    mid = first.split(":", 1)[1].split(",")[0].strip()
    return None if mid in ("", "none") else mid


def mutants_of(function: str, root=ROOT) -> list:
    """[(path relative to root, code, misconception id or None)] of a function's mutants."""
    folder = pathlib.Path(root) / "tests" / "mutants" / function
    out = []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        if path.name.startswith("_"):
            continue
        code = path.read_text(encoding="utf-8")
        out.append((str(path.relative_to(root)), code, mutant_misconception(code)))
    return out


def _is_written(cell) -> bool:
    """A manually graded answer cell (nbgrader: solution and grade, markdown)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell["cell_type"] == "markdown" and meta.get("solution") and meta.get("grade")


def catalogue(root=ROOT) -> dict:
    """What can go into a class: per notebook the released notebook, its graded
    functions with their solution and mutants, and its written-answer cells."""
    release, source = release_dir(root), source_dir(root)
    out = {}
    for path in sorted(release.glob("*.ipynb")):
        nb = _read_nb(path)
        src = _read_nb(source / path.name) if (source / path.name).exists() else {"cells": []}
        ids = {_grade_id(c) for c in nb["cells"]}
        functions = {}
        for f in FUNCTIONS:
            if f"answer_{f.name}" in ids:
                functions[f.name] = {"solution": solution_code(src, f.name),
                                     "mutants": mutants_of(f.name, root)}
        out[path.stem] = {"nb": nb, "functions": functions,
                          "written": [_grade_id(c) for c in nb["cells"] if _is_written(c)]}
    return out


def written_answer(grade_id: str, student: str) -> str:
    return (f"最大汇聚只保留窗口中的最大值，因此对位置的小幅平移不敏感；"
            f"平均汇聚则保留了窗口的平均信息。（{student}，{grade_id}）\n\n"
            "Max pooling keeps only each window's largest value, so small shifts barely change it; "
            "average pooling keeps the window's mean.\n")


def _malformed_text(kind: str, good: str) -> str:
    if kind == "empty":
        return ""
    if kind == "truncated":
        return good[: len(good) // 2]
    return json.dumps({"student": "这不是笔记本 / not a notebook", "cells": "none"})


def _draw_kind(rng, has_mutants: bool, has_solution: bool) -> str:
    kinds = [k for k in KIND_WEIGHTS
             if (k != "mutant" or has_mutants) and (k != "solution" or has_solution)]
    return rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds])[0]


def make_class(n: int, out_dir, seed: int = 0, root=ROOT, plant: bool = False) -> dict:
    """Write a class of ``n`` students under ``out_dir``; return (and write) its composition.

    ``plant``: also the planted students of ``examples/planted.py`` (after the ``n`` others)."""
    rng = random.Random(seed)
    out_dir = pathlib.Path(out_dir)
    if (out_dir / "composition.json").exists():
        shutil.rmtree(out_dir)  # our own previous class: replace it whole
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty and holds no composition.json")
    cat = catalogue(root)
    if not cat:
        raise FileNotFoundError(f"no released notebooks in {release_dir(root)}")
    students = [f"s{i + 1:03d}" for i in range(n)]

    # A few unreadable notebooks, one per student, cycling through the kinds.
    n_bad = min(n, max(len(MALFORMED_KINDS), n // 8))
    malformed = {s: (rng.choice(sorted(cat)), MALFORMED_KINDS[i % len(MALFORMED_KINDS)])
                 for i, s in enumerate(sorted(rng.sample(students, n_bad)))}

    comp = {"n": n, "seed": seed, "assignment": ASSIGNMENT,
            "notebooks": {nb: sorted(c["functions"]) for nb, c in cat.items()},
            "written": {nb: c["written"] for nb, c in cat.items()},
            "malformed": [[s, nb, kind] for s, (nb, kind) in sorted(malformed.items())],
            "students": {}}
    for student in students:
        entry = {"functions": {}, "written": {}, "malformed": {}}
        for nb_name, c in cat.items():
            nb = copy.deepcopy(c["nb"])
            bad = malformed.get(student, (None, None))[0] == nb_name
            if bad:
                entry["malformed"][nb_name] = malformed[student][1]
            for cell in nb["cells"]:
                gid = _grade_id(cell) or ""
                fn = gid[len("answer_"):] if gid.startswith("answer_") else None
                if fn in c["functions"]:
                    used = _answer_source(cell, c["functions"][fn], fn, rng, nb_name)
                    expect_pass = used.pop("expect_pass")
                    used["invalid"] = bad
                    used["expect_pass"] = expect_pass and not bad
                    entry["functions"][fn] = used
                elif gid in c["written"]:
                    answered = rng.random() < WRITTEN_ANSWER_SHARE
                    if answered:
                        _set_source(cell, written_answer(gid, student))
                    entry["written"][gid] = {"notebook": nb_name, "answered": answered,
                                             "invalid": bad}
            text = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
            if bad:
                text = _malformed_text(malformed[student][1], text)
            atomic_write(out_dir / student / ASSIGNMENT / f"{nb_name}.ipynb", text)
        comp["students"][student] = entry
    if plant:
        _plant(cat, comp, out_dir, n, seed)
    atomic_write(out_dir / "composition.json", json.dumps(comp, ensure_ascii=False, indent=1) + "\n")
    return comp


def _answer_source(cell, spec, fn, rng, nb_name, kind=None):
    """Fill one answer cell from the pool, as for the other students (or of ``kind``) -> what was used."""
    if kind is None or (kind == "solution" and spec["solution"] is None):
        kind = _draw_kind(rng, bool(spec["mutants"]), spec["solution"] is not None)
    used = {"notebook": nb_name, "kind": kind, "source": None, "misconception": None}
    if kind == "solution":
        _set_source(cell, spec["solution"])
        used["source"] = f"source/{ASSIGNMENT}/{nb_name}.ipynb"
    elif kind == "mutant":
        path, code, mid = rng.choice(spec["mutants"])
        _set_source(cell, code)
        used.update(source=path, misconception=mid)
    used["expect_pass"] = kind == "solution"
    return used


def _disguised_nb(nb, rng):
    """A copier's version of a notebook: every answer cell through ``planted.disguise``."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if (_grade_id(cell) or "").startswith("answer_"):
            try:
                _set_source(cell, planted.disguise(_source(cell), rng))
            except SyntaxError:
                pass
    return nb


def _plant(cat, comp, out_dir, n, seed):
    """The planted students (``planted.ROLES``), written and added to ``comp``."""
    rng = planted.roles_for(seed)
    ids = {role: f"s{n + i + 1:03d}" for i, role in enumerate(planted.ROLES)}
    made = {}                                   # role -> {notebook: notebook dict}
    for role, (own, copied, fill) in planted.ROLES.items():
        student = ids[role]
        entry = {"functions": {}, "written": {}, "malformed": {}, "planted": role}
        made[role] = {}
        for nb_name, c in cat.items():
            if copied and (copied[1] is None or nb_name in copied[1]):
                src_role, _, disguised = copied
                nb = made[src_role][nb_name]
                nb = _disguised_nb(nb, rng) if disguised else copy.deepcopy(nb)
                for fn, used in comp["students"][ids[src_role]]["functions"].items():
                    if used["notebook"] == nb_name:
                        entry["functions"][fn] = dict(used, copied_from=ids[src_role], disguised=disguised)
                for gid, w in comp["students"][ids[src_role]]["written"].items():
                    if w["notebook"] == nb_name:
                        entry["written"][gid] = dict(w)
            else:
                nb = copy.deepcopy(c["nb"])
                for cell in nb["cells"]:
                    gid = _grade_id(cell) or ""
                    fn = gid[len("answer_"):] if gid.startswith("answer_") else None
                    if fn in c["functions"] and fn in own:
                        _set_source(cell, own[fn])
                        bug = role in ("C1", "C3")
                        entry["functions"][fn] = {"notebook": nb_name, "kind": "planted", "source": role,
                                                  "misconception": "hw_swapped" if bug else None,
                                                  "invalid": False, "expect_pass": not bug}
                    elif fn in c["functions"]:
                        used = _answer_source(cell, c["functions"][fn], fn, rng, nb_name, fill)
                        entry["functions"][fn] = dict(used, invalid=False)
                    elif gid in c["written"]:
                        answered = rng.random() < WRITTEN_ANSWER_SHARE
                        if answered:
                            _set_source(cell, written_answer(gid, student))
                        entry["written"][gid] = {"notebook": nb_name, "answered": answered, "invalid": False}
            made[role][nb_name] = nb
            atomic_write(out_dir / student / ASSIGNMENT / f"{nb_name}.ipynb",
                         json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
        comp["students"][student] = entry
    comp["n"] = n + len(ids)
    comp["planted"] = {
        "roles": ids,
        "groups": [dict(g, students=[ids[r] for r in g["roles"]]) for g in planted.PLANTED],
        "honest": [dict(g, students=[ids[r] for r in g["roles"]]) for g in planted.HONEST]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="合成班级 / build a synthetic class of known composition")
    ap.add_argument("n", type=int, help="number of students")
    ap.add_argument("out_dir", help="where to write <student_id>/pooling/<notebook>.ipynb")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plant", action="store_true",
                    help="加入植入的抄袭样本 / add planted copies for the integrity report (examples/planted.py)")
    args = ap.parse_args(argv)
    comp = make_class(args.n, args.out_dir, seed=args.seed, plant=args.plant)
    kinds = {}
    for s in comp["students"].values():
        for used in s["functions"].values():
            kinds[used["kind"]] = kinds.get(used["kind"], 0) + 1
    print(f"{comp['n']} students in {args.out_dir}: {kinds}, {len(comp['malformed'])} malformed notebooks")
    for g in comp.get("planted", {}).get("groups", []):
        print(f"planted {g['kind']}: {', '.join(g['students'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
