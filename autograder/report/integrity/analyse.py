"""The integrity analysis of a grading directory, and its CSV export.

::

    analyse_class(answers, behaviours, flags, ...) -> result     # the pure part (benchmarks call it)
    analyse(grades, run, results, answers)                         # what ``autograder report`` calls
    integrity_csv(result) -> text                                  # DIR/integrity.csv

Inputs: answer cells (``answers``) and each function's behaviour record (``behaviour``), both
from the kit's results.jsonl (``report_data.read_results``), and the grader's flags from
``grades.csv``. The submissions folder is never read.
Nothing is written here and no score is read for a decision: the result is
evidence for a person, in neutral words (需要人工复核 / needs a person's review).
"""
from collections import Counter, defaultdict

from autograder.core import kit
from autograder.core.manifest import ENTRIES as FUNCTIONS   # names and notebooks only: no torch
from autograder.report.integrity import cluster as clusters_mod
from autograder.report.integrity.behaviour import BehaviourIndex
from autograder.report.integrity.fingerprint import K, W, CodeIndex, Document, boilerplate
from autograder.grading.normalise import BUDGET_FLAG
from autograder.run.write import csv_text, display_id
from course.language import Text, say   # the words: the report's language (course.language), read when written
from course.safe_text import exact_id, lookalike_groups

KIT_ROOT = kit.ROOT
REVIEW = Text("需要人工复核", "needs a person's review")
MAX_VIEW_LINES = 150            # lines of one answer shown side by side
MAX_VIEWS_PER_CLUSTER = 8       # side-by-side views per cluster (the strongest pairs' functions)
MAX_CLUSTERS_SHOWN = 40         # in the HTML; integrity.csv has every reported pair
FUNCTION_ORDER = [f.name for f in FUNCTIONS]
NOTEBOOK_OF = {f.name: f.notebook for f in FUNCTIONS}

_BOILERPLATE = {}


def kit_boilerplate(root=KIT_ROOT):
    """The boilerplate k-grams of the kit at ``root`` (cached per root)."""
    key = str(root)
    if key not in _BOILERPLATE:
        _BOILERPLATE[key] = boilerplate(root)
    return _BOILERPLATE[key]


def _order(fn):
    return (FUNCTION_ORDER.index(fn) if fn in FUNCTION_ORDER else len(FUNCTION_ORDER), fn)


def flag_names(text):
    """``solution_copy;tampering:threading`` -> ['solution_copy', 'tampering:threading']."""
    return [f for f in str(text or "").split(";") if f.strip()]


def analyse_class(answers, behaviours, flags=None, *, bp=None, threshold=clusters_mod.THRESHOLD,
                  code_max_df=None, behaviour_max_df=None):
    """The evidence over a class.

    ``answers``: {student: {function: answer text}}; ``behaviours``: {student: {function:
    behaviour record}}; ``flags``: {student: [{"notebook", "grade_id", "flags"}]}.
    """
    flags = {s: list(rows) for s, rows in (flags or {}).items()}
    bp = kit_boilerplate() if bp is None else bp
    fns = sorted({fn for a in answers.values() for fn in a} | {fn for b in behaviours.values() for fn in b},
                 key=_order)
    code, beh = {}, {}
    candidates = set()
    cache = {}
    for fn in fns:
        docs = [Document(s, fn, a[fn], bp, cache) for s, a in answers.items() if a.get(fn)]
        for d in docs:                           # beyond the normaliser's budget: a person looks
            if d.over_budget:
                flags.setdefault(d.student, []).append(
                    {"notebook": NOTEBOOK_OF.get(fn, ""), "grade_id": f"test_{fn}", "flags": BUDGET_FLAG,
                     "status": "", "message": say(
                         f"完整性分析超出预算：{d.over_budget}；只比较了预算内的部分",
                         f"the integrity analysis's budget: {d.over_budget}; only the part within it was compared",
                         both=f"完整性分析超出预算 / the integrity analysis's budget: "
                              f"{d.over_budget}; only the part within it was compared")})
        code[fn] = CodeIndex(fn, docs, code_max_df)
        candidates |= set(code[fn].candidate_pairs())
        recs = {s: b[fn] for s, b in behaviours.items() if isinstance(b.get(fn), dict)}
        beh[fn] = BehaviourIndex(fn, recs, behaviour_max_df)
        candidates |= beh[fn].candidate_pairs()

    pairs = []
    for a, b in sorted(candidates):
        ce = [e for fn in fns if (e := code[fn].compare(a, b)) is not None and e["score"] > 0]
        be = [e for fn in fns if (e := beh[fn].compare(a, b)) is not None and e["score"] > 0]
        total, c, bh, by_fn = clusters_mod.strength(ce, be)
        if total <= 0:
            continue
        pairs.append({"a": a, "b": b, "strength": round(total, 2), "code_strength": round(c, 2),
                      "behaviour_strength": round(bh, 2), "code": ce, "behaviour": be,
                      "by_function": {fn: round(v, 2) for fn, v in by_fn.items()},
                      "flags_a": _flags_on(flags.get(a, []), by_fn),
                      "flags_b": _flags_on(flags.get(b, []), by_fn),
                      "clusters": []})
    pairs.sort(key=lambda p: (-p["strength"], p["a"], p["b"]))
    found = clusters_mod.clusters(pairs, threshold)
    by_key = {(p["a"], p["b"]): p for p in pairs}
    for cl in found:
        cl["views"] = _views(cl, code, by_key)
        cl["flags"] = {s: f for s in cl["students"] if (f := _flags_on(flags.get(s, []), cl["functions"]))}
    common = []
    for fn in fns:
        for students in beh[fn].common(3):
            common.append({"function": fn, "students": students, "count": len(students),
                           "of": beh[fn].n})
    common.sort(key=lambda c: (-c["count"], _order(c["function"])))
    for p in pairs:                              # the hash sets were for the views only
        for e in p["code"]:
            e.pop("hashes", None)
    return {"students": len(set(answers) | set(behaviours)), "functions": fns,
            "pairs": pairs, "clusters": found, "common": common,
            "flags": [dict(r, student_id=s) for s in sorted(flags) for r in flags[s]],
            "params": {"k": K, "window": W, "threshold": threshold,
                       "behaviour_weight": clusters_mod.BEHAVIOUR_WEIGHT,
                       "code_max_df": {fn: code[fn].max_df for fn in fns},
                       "behaviour_max_df": {fn: beh[fn].max_df for fn in fns}}}


def _flags_on(rows, fns):
    """The grader's flags of a student's rows for these functions (a notebook-wide flag, such as
    ``solution_copy``, is on every row of its notebook)."""
    tests = {f"test_{fn}" for fn in fns}
    return sorted({f for r in rows if r.get("grade_id") in tests for f in flag_names(r["flags"])})


def _lines(doc, hit_rare, hit_common):
    rows = []
    for no, text in enumerate(doc.text.splitlines()[:MAX_VIEW_LINES], 1):
        mark = "rare" if no in hit_rare else "common" if no in hit_common else ""
        rows.append({"no": no, "text": text, "mark": mark})
    return rows


def _views(cl, code, pairs_by_key):
    """Side-by-side answers of the cluster's strongest pairs on its functions, matching lines marked."""
    views = []
    for q in cl["pairs"]:
        p = pairs_by_key[(q["a"], q["b"])]
        fns = sorted((fn for fn in cl["functions"] if p["by_function"].get(fn)),
                     key=lambda fn: (-p["by_function"][fn], _order(fn)))
        for fn in fns:
            if len(views) >= MAX_VIEWS_PER_CLUSTER:
                return views
            idx = code.get(fn)
            da, db = (idx.docs.get(p["a"]), idx.docs.get(p["b"])) if idx else (None, None)
            cev = next((e for e in p["code"] if e["function"] == fn), None)
            bev = next((e for e in p["behaviour"] if e["function"] == fn), None)
            view = {"function": fn, "a": p["a"], "b": p["b"], "evidence": p["by_function"][fn],
                    "similarity": cev["similarity"] if cev else None, "behaviour": bev,
                    "left": [], "right": [], "cut": False}
            if da is not None and db is not None:
                shared = da.fingerprints.keys() & db.fingerprints.keys()
                rare = {h for h in shared if idx.weight(h) > 0}
                view.update(left=_lines(da, da.matched_lines(rare), da.matched_lines(shared - rare)),
                            right=_lines(db, db.matched_lines(rare), db.matched_lines(shared - rare)),
                            cut=max(len(da.text.splitlines()), len(db.text.splitlines())) > MAX_VIEW_LINES)
            views.append(view)
    return views


# ------------------------------------------------------------------ a grading directory

# Misconception ids that are a rule broken (the operator ban at run time, tampering): shown as flags too.
RULE_FLAGS = ("forbidden_op", "conv_relu_only", "tampering")


def grader_flags(grades):
    """{student: [{"notebook", "grade_id", "flags", ...}]} of the rows the grader flagged: the
    ``flags`` column, and a broken operator rule the recorder found (misconception) without a flag."""
    out = defaultdict(list)
    for r in grades:
        names = flag_names(r.get("flags"))
        mid = (r.get("misconception") or "").strip()
        if mid in RULE_FLAGS and not any(f.split(":", 1)[0] == mid for f in names):
            names.append(mid)
        if names:
            out[r["student_id"]].append({"notebook": r.get("notebook", ""), "grade_id": r.get("grade_id", ""),
                                         "flags": ";".join(names), "status": r.get("status", ""),
                                         "message": r.get("message", "")})
    return dict(out)


def behaviour_records(results):
    """{student: {function: behaviour}} from report_data.read_results' {(student, function): FunctionResult}."""
    out = defaultdict(dict)
    for (student, fn), res in results.items():
        rec = getattr(res, "behaviour", None)
        if isinstance(rec, dict):
            out[student][fn] = rec
    return dict(out)


def analyse(grades, run, results, answers):
    """The integrity result of a grading directory (see :func:`analyse_class`): ``answers``
    {student: {function: text}} and ``results`` {(student, function): FunctionResult} as
    ``report_data.read_results`` gives them from results.jsonl, students as grades.csv shows them."""
    students = sorted({r["student_id"] for r in grades})
    exact = run.get("students") if isinstance(run.get("students"), dict) else {}
    # run.json keeps the exact ids (folder names); grades.csv their display forms
    ids = sorted(exact) if exact else sorted(exact_id(s) for s in students)
    note = "" if any(answers.values()) else say(
        "results.jsonl 中没有答案单元：只比较了输出，没有比较代码",
        "no answer cells in results.jsonl: outputs compared, code not",
        both="results.jsonl 中没有答案单元：只比较了输出 / no answer cells in results.jsonl: outputs compared, code not")
    result = analyse_class(answers, behaviour_records(results), grader_flags(grades))
    result.update(submissions="results.jsonl", note=note,
                  answers_read=sum(1 for a in answers.values() if a),
                  lookalikes=[[display_id(s) for s in g] for g in lookalike_groups(ids)])
    return result


def failed(why):
    """The result of an analysis that could not run: the section says why, the report goes on."""
    result = analyse_class({}, {}, {}, bp=frozenset())
    result.update(submissions=None, answers_read=0,
                  note=f"{say('诚信分析失败', 'the integrity analysis failed')}: {why}"[:500])
    return result


# ------------------------------------------------------------------ integrity.csv

CSV_COLUMNS = ["rank", "clusters", "student_a", "student_b", "strength", "code_strength",
               "behaviour_strength", "functions_similar", "max_similarity", "shared_rare_wrong_outputs",
               "flags_a", "flags_b", "review"]


def integrity_csv(result):
    """One row per pair with any evidence, strongest first (every cell formula-proof)."""
    rows = []
    for rank, p in enumerate(result["pairs"], 1):
        similar = ";".join(f"{e['function']}:{e['similarity']:.2f}" for e in p["code"])
        shared = ";".join(f"{e['function']}:{e['shared_wrong']}/{e['students_sharing']}" for e in p["behaviour"])
        rows.append([rank, ";".join(map(str, p["clusters"])), p["a"], p["b"], p["strength"], p["code_strength"],
                     p["behaviour_strength"], similar,
                     round(max((e["similarity"] for e in p["code"]), default=0.0), 3), shared,
                     ";".join(p["flags_a"]), ";".join(p["flags_b"]),
                     REVIEW.render() if p["clusters"] or p["strength"] >= result["params"]["threshold"] else ""])
    return csv_text(CSV_COLUMNS, rows)


def common_misconceptions(result, grades):
    """The shared wrong-output patterns many students have, with their most frequent misconception id."""
    mis = {(r["student_id"], r.get("grade_id", "")[len("test_"):]): (r.get("misconception") or "")
           for r in grades}
    out = []
    for c in result["common"]:
        ids = Counter(mis.get((s, c["function"]), "") for s in c["students"])
        out.append(dict(c, misconception=ids.most_common(1)[0][0] if ids else ""))
    return out
