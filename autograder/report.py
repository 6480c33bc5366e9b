"""The instructor's class report: ``autograder report DIR``.

Reads what ``autograder grade SUBMISSIONS --out DIR`` wrote (grades.csv,
manual.csv, run.json, students/<folder>/results.json) and writes

- ``DIR/report.html``: one self-contained page (plots inline as base64 PNG);
- ``DIR/report_students.csv``: one row per student, for an LMS;
- ``DIR/report_tests.csv``: one row per student per graded test.

The numbers live in :func:`build` (a plain dict), so tests check them
without parsing HTML.
"""
import argparse
import csv
import datetime as _dt
import html
import json
import pathlib
import sys
import urllib.parse
from collections import Counter, defaultdict

import numpy as np

from autograder import __version__
from autograder import report_plots as plots
from autograder.functions import ASSIGNMENT, BY_NAME, FUNCTIONS
from autograder.pipeline.run_suites import is_grader_error
from autograder.pipeline.write_results import (
    STUDENTS, atomic_write, csv_text, csv_uncell, display_id, safe_name, student_folder)
from course.feedback import CATALOG, group_title

# Ids of the catalog that are about the rules of an exercise (operators used or
# not used), reported with the problem submissions.
RULE_BREAKS = {"forbidden_op", "conv_not_used", "conv_relu_only", "tampering"}
# Ids that say what happened rather than what was misunderstood: listed, but
# not among the summary's top misconceptions.
GENERAL = {"not_implemented", "raises", "timeout", "wrong_type"} | RULE_BREAKS

TEST_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "function",
                "points", "max_points", "status", "misconception",
                "groups_failed", "seconds", "message"]


# ---------------------------------------------------------------- reading

def read_csv(path, ours=True) -> list:
    """Rows of a CSV file as dicts; [] when the file is missing.

    ``ours``: a CSV the kit wrote, whose formula-proof cells are turned back into the values.
    """
    path = pathlib.Path(path)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if ours:
        rows = [{k: csv_uncell(v) for k, v in r.items()} for r in rows]
    return rows


def _float(value, default=0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "t"}


def function_of(grade_id: str) -> str:
    """``test_pool2d`` -> ``pool2d``."""
    return grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id


def student_folders(out_dir, students, run) -> dict:
    """student -> its folder (relative to DIR), from run.json's map, else computed as the grader does."""
    mapped = run.get("students") if isinstance(run.get("students"), dict) else {}
    # grades.csv shows an undecodable byte as an escape; run.json keeps the exact id.
    mapped = {display_id(k): v for k, v in mapped.items() if isinstance(v, str) and _inside(v)}
    return {s: mapped.get(s, f"{STUDENTS}/{student_folder(s)}") for s in students}


def _inside(rel) -> bool:
    """A path run.json may name: relative, below students/, no way up."""
    parts = pathlib.PurePosixPath(rel).parts
    return len(parts) == 2 and parts[0] == STUDENTS and parts[1] not in ("..", ".") and "\\" not in rel


def read_results(out_dir, folders) -> dict:
    """(student, function) -> FunctionResult dict, from each results.json's extra_data."""
    found = {}
    for student, folder in folders.items():
        path = pathlib.Path(out_dir) / folder / "results.json"
        try:
            tests = json.loads(path.read_text(encoding="utf-8")).get("tests", [])
        except (OSError, ValueError):
            continue
        for test in tests:
            extra = test.get("extra_data") or {}
            name = extra.get("name")
            if name:
                found[(student, name)] = extra
    return found


def load(out_dir) -> dict:
    """Everything the grader wrote that the report uses."""
    out_dir = pathlib.Path(out_dir)
    grades = read_csv(out_dir / "grades.csv")
    students = sorted({r["student_id"] for r in grades})
    try:
        run = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run = {}
    if not isinstance(run, dict):
        run = {}
    folders = student_folders(out_dir, students, run)
    return {"grades": grades, "manual": read_csv(out_dir / "manual.csv"),
            "run": run, "results": read_results(out_dir, folders),
            "students": students, "folders": folders}


# ---------------------------------------------------------------- numbers

def score_stats(values) -> dict:
    """n, mean, median, quartiles (numpy's linear interpolation), min, max."""
    a = np.asarray(list(values), dtype=float)
    if not a.size:
        return {"n": 0, "mean": 0.0, "median": 0.0, "q1": 0.0, "q3": 0.0,
                "min": 0.0, "max": 0.0}
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return {"n": int(a.size), "mean": float(a.mean()), "median": float(med),
            "q1": float(q1), "q3": float(q3), "min": float(a.min()), "max": float(a.max())}


def is_optional(grade_id: str) -> bool:
    """Whether a test cell grades an optional bonus function (``autograder.functions``)."""
    spec = BY_NAME.get(function_of(grade_id))
    return bool(spec and spec.optional)


def student_totals(grades) -> dict:
    """student -> {total, max, bonus, bonus_max, notebooks: {notebook: {points, max, bonus}}}.

    The optional bonus is kept out of the required total (and out of ``max``): it is
    counted in ``bonus`` / ``bonus_max`` beside it."""
    out = {}
    for r in grades:
        s = out.setdefault(r["student_id"], {"total": 0.0, "max": 0.0, "bonus": 0.0, "bonus_max": 0.0,
                                             "notebooks": {}})
        nb = s["notebooks"].setdefault(r["notebook"], {"points": 0.0, "max": 0.0, "bonus": 0.0})
        points, max_points = _float(r["points"]), _float(r["max_points"])
        if is_optional(r["grade_id"]):
            nb["bonus"] += points
            s["bonus"] += points
            s["bonus_max"] += max_points
            continue
        nb["points"] += points
        nb["max"] += max_points
        s["total"] += points
        s["max"] += max_points
    return out


def _order(name):
    """Registry order for functions, unknown ones last."""
    names = [f.name for f in FUNCTIONS]
    return (names.index(name) if name in names else len(names), name)


def pass_rates(grades, results) -> list:
    """Per graded function: share passing, and per property group the share passing.

    Denominator: every student with a row for that test, so an invalid notebook
    or a crash counts as not passing. Groups come from results.json; a student
    without group results for a function (invalid, error, timeout) passed none.
    """
    by_fn = defaultdict(list)
    for r in grades:
        by_fn[function_of(r["grade_id"])].append(r)
    out = []
    for fn in sorted(by_fn, key=_order):
        rows = by_fn[fn]
        n = len({r["student_id"] for r in rows})
        passed = {r["student_id"] for r in rows if r["status"] == "passed"}
        group_pass = Counter()  # insertion order: the suite's group order
        for r in rows:
            for g in (results.get((r["student_id"], fn)) or {}).get("groups") or []:
                group_pass[g["name"]] += bool(g.get("passed"))
        out.append({"function": fn, "grade_id": rows[0]["grade_id"],
                    "notebook": rows[0]["notebook"], "n": n, "optional": is_optional(rows[0]["grade_id"]),
                    "passed": len(passed), "share": len(passed) / n if n else 0.0,
                    "groups": [{"name": g, "passed": group_pass[g],
                                "share": group_pass[g] / n if n else 0.0}
                               for g in group_pass]})
    return out


def misconception_text(mid) -> tuple:
    """(zh, en) wording of a misconception id, as the students were told; the id if unknown."""
    zh, en, _ = CATALOG.get(mid, (mid, mid, ""))
    return zh, en


def misconceptions(grades) -> list:
    """Each misconception id with the students (and functions) it was seen in, most students first."""
    seen = defaultdict(lambda: defaultdict(list))
    for r in grades:
        mid = (r.get("misconception") or "").strip()
        if mid:
            seen[mid][r["student_id"]].append(function_of(r["grade_id"]))
    out = []
    for mid, who in seen.items():
        zh, en = misconception_text(mid)
        out.append({"id": mid, "zh": zh, "en": en, "students": sorted(who),
                    "general": mid in GENERAL,
                    "count": len(who), "functions": sorted({f for fs in who.values() for f in fs},
                                                           key=_order)})
    return sorted(out, key=lambda m: (m["general"], -m["count"], m["id"]))


def manual_summary(manual) -> list:
    """Per written-answer cell: how many answered (awaiting a human) and how many left blank."""
    by_cell = defaultdict(list)
    for r in manual:
        by_cell[(r["notebook"], r["grade_id"])].append(r)
    out = []
    for (nb, gid), rows in sorted(by_cell.items()):
        answered = sorted(r["student_id"] for r in rows if _truthy(r.get("answered")))
        out.append({"notebook": nb, "grade_id": gid,
                    "max_points": _float(rows[0].get("max_points")),
                    "answered": len(answered), "blank": len(rows) - len(answered),
                    "students": answered})
    return out


def is_forbidden(row) -> bool:
    """Whether the grader found an operator the exercise does not allow."""
    return (row.get("misconception") or "") in RULE_BREAKS


def problems(grades) -> dict:
    """Invalid notebooks (one entry per notebook), timeouts and forbidden-API uses (per test),
    and the rows with integrity flags (``flags`` column, e.g. ``tampering:threading``)."""
    invalid, timeout, forbidden, integrity = {}, [], [], []
    for r in grades:
        if (r.get("flags") or "").strip():
            integrity.append({"student_id": r["student_id"], "notebook": r["notebook"],
                              "grade_id": r["grade_id"], "message": r["flags"]})
        entry = {"student_id": r["student_id"], "notebook": r["notebook"],
                 "grade_id": r["grade_id"], "message": r.get("message", "")}
        if r["status"] == "invalid":
            invalid.setdefault((r["student_id"], r["notebook"]), entry)
        elif r["status"] == "timeout":
            timeout.append(entry)
        elif is_forbidden(r):
            forbidden.append(entry)
    grader_errors = [{"student_id": r["student_id"], "notebook": r["notebook"], "grade_id": r["grade_id"],
                      "message": r.get("message", "")} for r in grades if is_grader_error(r)]
    error_rows = [{"student_id": r["student_id"], "notebook": r["notebook"], "grade_id": r["grade_id"],
                   "message": r.get("message", "")} for r in grades
                  if r["status"] == "error" and not is_grader_error(r)]
    return {"invalid": list(invalid.values()), "timeout": timeout, "forbidden": forbidden,
            "integrity": integrity, "grader_errors": grader_errors, "error_rows": error_rows,
            "errors": len(error_rows)}


def slowest(grades, run, k=10) -> list:
    """The k slowest submissions, (student, seconds).

    run.json's per-submission seconds (reading and sandbox start included);
    else the per-test seconds column of grades.csv.
    """
    secs = {s: _float(v) for s, v in (run.get("per_submission_seconds") or {}).items()}
    if not secs:  # e.g. run.json lost: the tests' own seconds, summed per student
        secs = defaultdict(float)
        for r in grades:
            secs[r["student_id"]] += _float(r.get("seconds"))
    return sorted(secs.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def build(out_dir, integrity=True, submissions=None) -> dict:
    """All the report's numbers, from a grading output directory.

    ``integrity``: also the integrity analysis (``autograder.integrity``; answer cells read from
    ``submissions``, else run.json's ``submissions``); ``rep["integrity"]`` is None without it."""
    data = load(out_dir)
    grades = data["grades"]
    totals = student_totals(grades)
    notebooks = sorted({r["notebook"] for r in grades})
    per_nb = {}
    for nb in notebooks:
        vals = [t["notebooks"][nb]["points"] for t in totals.values() if nb in t["notebooks"]]
        maxes = [t["notebooks"][nb]["max"] for t in totals.values() if nb in t["notebooks"]]
        per_nb[nb] = {"stats": score_stats(vals), "max": max(maxes, default=0.0)}
    rates = pass_rates(grades, data["results"])
    return {"out_dir": str(out_dir), "students": data["students"], "totals": totals,
            "max_total": max((t["max"] for t in totals.values()), default=0.0),
            "stats": score_stats(t["total"] for t in totals.values()),
            "notebooks": per_nb, "pass_rates": rates,
            "misconceptions": misconceptions(grades),
            "manual": manual_summary(data["manual"]),
            "problems": problems(grades), "slowest": slowest(grades, data["run"]),
            "run": data["run"], "grades": grades, "folders": data["folders"],
            "integrity": _integrity(out_dir, data, submissions) if integrity else None}


def _integrity(out_dir, data, submissions):
    """The integrity analysis (evidence for a person; it never changes a number above)."""
    from autograder.integrity.analyse import analyse, common_misconceptions, failed
    try:
        result = analyse(out_dir, data["grades"], data["run"], data["results"], submissions)
        result["common"] = common_misconceptions(result, data["grades"])
    except Exception as e:                 # the rest of the report still gets written; the section says why
        result = failed(f"{type(e).__name__}: {e}")
    return result


def _section_integrity(rep) -> str:
    if rep.get("integrity") is None:
        return ""
    from autograder.integrity.render import render
    return render(rep["integrity"])


def weakest_groups(rates, k=5) -> list:
    """(share, function, group) of the k weakest required functions, each by its weakest
    property group below 100% (one row per function: a function whose every group fails
    would otherwise fill the list); a function without group detail counts as a whole."""
    cells = []
    for r in rates:
        if r.get("optional"):
            continue
        below = [(g["share"], _group_rank(r, g["name"]), g["name"]) for g in r["groups"] if g["share"] < 1]
        if below:
            share, _, name = min(below)
            cells.append((share, r["function"], name))
        elif not r["groups"] and r["share"] < 1:
            cells.append((r["share"], r["function"], ""))
    return sorted(cells, key=lambda c: (c[0], _order(c[1])))[:k]


def _group_rank(rate, name):
    return [g["name"] for g in rate["groups"]].index(name)


# ---------------------------------------------------------------- writing

def _num(x) -> str:
    """Points without a trailing .0 (2.0 -> '2', 1.5 -> '1.5')."""
    return f"{x:.4f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def students_csv(report) -> str:
    """student_id,total,max, then one points column per notebook (required tests); a ``bonus``
    column when the class has optional bonus tests."""
    nbs = sorted(report["notebooks"])
    bonus = any(t.get("bonus_max") for t in report["totals"].values())
    rows = []
    for s in report["students"]:
        t = report["totals"][s]
        rows.append([s, _num(t["total"]), _num(t["max"])]
                    + [_num(t["notebooks"].get(nb, {}).get("points", 0.0)) for nb in nbs]
                    + ([_num(t["bonus"])] if bonus else []))
    return csv_text(["student_id", "total", "max"] + nbs + (["bonus"] if bonus else []), rows)


def tests_csv(report) -> str:
    """One row per student per graded test."""
    rows = []
    for r in sorted(report["grades"], key=lambda r: (r["student_id"], r["notebook"],
                                                       _order(function_of(r["grade_id"])))):
        rows.append([r["student_id"], r.get("assignment", ASSIGNMENT), r["notebook"],
                     r["grade_id"], function_of(r["grade_id"]), _num(_float(r["points"])),
                     _num(_float(r["max_points"])), r["status"], r.get("misconception", ""),
                     r.get("groups_failed", ""), r.get("seconds", ""), r.get("message", "")])
    return csv_text(TEST_COLUMNS, rows)


# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK JP","PingFang SC","Microsoft YaHei",sans-serif;
 margin:0 auto;max-width:1100px;padding:16px 24px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.en{color:#666;font-weight:normal}
.summary{background:#fff7e6;border:2px solid #f0a020;border-radius:8px;padding:12px 18px}
.summary h2{border:none;margin:.2em 0}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}
.kpi{background:#fff;border:1px solid #eed;border-radius:6px;padding:6px 12px;min-width:120px}
.kpi b{display:block;font-size:1.5em}
table{border-collapse:collapse;margin:8px 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right}
.bad{color:#b00}.ok{color:#070}
img{max-width:100%}
details summary{cursor:pointer;color:#06c}
a{color:#06c}
.ids a{margin-right:.5em}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _pct(x) -> str:
    return f"{x:.0%}"


def _h(zh, en) -> str:
    return f'{_e(zh)} <span class="en">{_e(en)}</span>'


def _student_links(ids) -> str:
    return '<span class="ids">' + " ".join(
        f'<a href="#student-{_e(s)}">{_e(s)}</a>' for s in ids) + "</span>"


def _table(header, rows, num_cols=()) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in num_cols else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _stats_row(label, st, max_points) -> list:
    return [label, st["n"], f"{st['mean']:.2f}", f"{st['median']:.2f}", f"{st['q1']:.2f}",
            f"{st['q3']:.2f}", f"{st['min']:g}", f"{st['max']:g}", f"{max_points:g}"]


def _summary(rep) -> str:
    st, pr = rep["stats"], rep["problems"]
    n = len(rep["students"])
    awaiting = sum(m["answered"] for m in rep["manual"])
    kpis = [("学生 students", n),
            ("平均分（不含附加题）mean (bonus apart)", f"{st['mean']:.1f} / {rep['max_total']:g}"),
            ("中位数 median", f"{st['median']:.1f}"),
            ("无效笔记本 invalid", len(pr["invalid"])),
            ("超时 timeouts", len(pr["timeout"])),
            ("违反 API 规定 API rule breaks", len(pr["forbidden"])),
            ("评分器错误 grader errors", len(pr["grader_errors"])),
            ("待人工批改 to grade by hand", awaiting)]
    kpi_html = "".join(f'<div class="kpi"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in kpis)
    mis = "".join(
        f'<li><b>{m["count"]} 名学生</b>：{_e(m["zh"])} <span class="en">— {m["count"]} '
        f'student{"s" if m["count"] != 1 else ""}: {_e(m["en"])}</span> '
        f'<a href="#mis-{_e(m["id"])}">→</a></li>'
        for m in [m for m in rep["misconceptions"] if not m["general"]][:5])
    weak = "".join(
        f"<li><code>{_e(fn)}</code>{(' · ' + _e(group_title(g))) if g else ''}: "
        f'<b class="bad">{_pct(share)}</b> 通过 <span class="en">passing</span></li>'
        for share, fn, g in weakest_groups(rep["pass_rates"]))
    lowest = sorted(rep["students"], key=lambda s: (rep["totals"][s]["total"], s))[:5]
    needs_help = " ".join(f'<a href="#student-{_e(s)}">{_e(s)}</a> ({rep["totals"][s]["total"]:g})'
                          for s in lowest)
    return (f'<div class="summary"><h2>{_h("全班错在哪里", "What the class got wrong")}</h2>'
            f'<div class="kpis">{kpi_html}</div>'
            f'<h3>{_h("最常见的误解", "Top misconceptions")}</h3>'
            f'<ol>{mis or "<li>无 none</li>"}</ol>'
            f'<h3>{_h("最薄弱的性质组", "Weakest property groups")}</h3>'
            f'<ol>{weak or "<li>无 none</li>"}</ol>'
            f'<h3>{_h("可能需要帮助的学生", "Students who may need help")}</h3>'
            f"<p>{needs_help or '无 none'}</p></div>")


def _section_scores(rep) -> str:
    totals = [rep["totals"][s]["total"] for s in rep["students"]]
    hdr = ["", "n", "平均 mean", "中位数 median", "Q1", "Q3", "最低 min", "最高 max", "满分 max pts"]
    rows = [_stats_row("总分 total", rep["stats"], rep["max_total"])]
    rows += [_stats_row(_e(nb), v["stats"], v["max"]) for nb, v in sorted(rep["notebooks"].items())]
    img = plots.total_histogram(totals, rep["max_total"], rep["stats"])
    per = [(nb, [rep["totals"][s]["notebooks"][nb]["points"] for s in rep["students"]
                 if nb in rep["totals"][s]["notebooks"]], v["max"], v["stats"])
           for nb, v in sorted(rep["notebooks"].items())]
    img_nb = plots.notebook_histograms(per)
    return (f'<section id="scores"><h2>{_h("分数分布", "Score distribution")}</h2>'
            + _table(hdr, rows, num_cols=range(1, 9))
            + f'<img alt="total histogram" src="data:image/png;base64,{img}">'
            + f'<img alt="per-notebook histograms" src="data:image/png;base64,{img_nb}">')


def _section_pass(rep) -> str:
    rates = rep["pass_rates"]
    groups = list(dict.fromkeys(g["name"] for r in rates for g in r["groups"]))
    shares = [[r["share"]] + [next((g["share"] for g in r["groups"] if g["name"] == name), None)
                              for name in groups] for r in rates]
    img = plots.pass_heatmap([r["function"] for r in rates],
                             ["整题 whole function"] + [group_title(g) for g in groups],
                             shares) if rates else ""
    rows = []
    for r in rates:
        weakest = min(r["groups"], key=lambda g: g["share"], default=None)
        cls = "ok" if r["share"] >= 0.8 else "bad" if r["share"] < 0.5 else ""
        tag = ' <small>附加题（可选）<span class="en">optional bonus</span></small>' if r.get("optional") else ""
        rows.append([f"<code>{_e(r['function'])}</code>{tag}", _e(r["notebook"]),
                     f'<span class="{cls}">{_pct(r["share"])}</span>',
                     f"{r['passed']}/{r['n']}",
                     f"{_e(group_title(weakest['name']))} <b>{_pct(weakest['share'])}</b>" if weakest else ""])
    return (f'<section id="pass"><h2>{_h("通过率", "Pass rates")}</h2>'
            + (f'<img alt="pass-rate heat map" src="data:image/png;base64,{img}">' if img else "")
            + _table(["函数 function", "笔记本 notebook", "通过 passing", "人数 students",
                      "最弱的性质组 weakest group"], rows, num_cols=(2, 3)))


def _section_misconceptions(rep) -> str:
    rows = [[f'<span id="mis-{_e(m["id"])}"></span><b>{m["count"]}</b>',
             f'{_e(m["zh"])}<br><span class="en">{_e(m["en"])}</span><br><code>{_e(m["id"])}</code>',
             ", ".join(f"<code>{_e(f)}</code>" for f in m["functions"]),
             f'<details><summary>{m["count"]} 名学生 students</summary>'
             f'{_student_links(m["students"])}</details>']
            for m in rep["misconceptions"]]
    return (f'<section id="misconceptions"><h2>{_h("误解", "Misconceptions")}</h2>'
            + (_table(["学生数 students", "误解 misconception", "函数 functions", "名单 who"],
                      rows, num_cols=(0,)) if rows else "<p>无 none</p>"))


def _section_manual(rep) -> str:
    rows = [[_e(m["notebook"]), f"<code>{_e(m['grade_id'])}</code>", f"{m['max_points']:g}",
             m["answered"], m["blank"],
             f'<details><summary>{m["answered"]}</summary>{_student_links(m["students"])}</details>']
            for m in rep["manual"]]
    total = sum(m["answered"] for m in rep["manual"])
    return (f'<section id="manual"><h2>{_h("待人工批改的书面回答", "Written answers awaiting manual grading")}</h2>'
            f"<p>共 {total} 份待批改 <span class=\"en\">{total} answers to grade by hand</span></p>"
            + (_table(["笔记本 notebook", "单元 cell", "分值 points", "已作答 answered",
                       "空白 blank", "名单 who"], rows, num_cols=(2, 3, 4)) if rows else ""))


def _section_problems(rep) -> str:
    pr = rep["problems"]
    parts = [f'<section id="problems"><h2>{_h("有问题的提交", "Problem submissions")}</h2>',
             f"<p>运行出错的测试 {pr['errors']} 个 <span class=\"en\">{pr['errors']} tests raised errors</span>"
             + (' <a href="#errors">→ 名单 / the list</a>' if pr["errors"] else "") + "</p>"]
    if pr["grader_errors"]:
        parts.append(f'<p class="bad"><b>评分器自身出错 {len(pr["grader_errors"])} 处：这些 0 分不是学生的错，'
                     f'请修复后用 <code>--force</code> 重新评分。</b> <span class="en">The grader itself failed on '
                     f'{len(pr["grader_errors"])} tests: those zeros are not the students\' doing; fix the cause '
                     f'and re-grade with <code>--force</code>.</span></p>')
    for key, zh, en, per_test in (("grader_errors", "评分器错误", "Grader errors", True),
                                  ("invalid", "无效笔记本", "Invalid notebooks", False),
                                  ("timeout", "超时", "Timed out", True),
                                  ("forbidden", "使用了禁用的 API（或没用要求的 F.conv2d）",
                                   "Used forbidden APIs (or not the required F.conv2d)", True),
                                  ("integrity", "学术诚信：被标记的测试", "Integrity: flagged tests", True)):
        items = pr[key]
        parts.append(f"<h3>{_h(zh, en)} ({len(items)})</h3>")
        if items:
            parts.append(_table(
                ["学生 student", "笔记本 notebook"] + (["测试 test"] if per_test else [])
                + ["原因 reason"],
                [[_student_links([p["student_id"]]), _e(p["notebook"])]
                 + ([f"<code>{_e(p['grade_id'])}</code>"] if per_test else []) + [_e(p["message"])]
                 for p in items]))
    errors = pr.get("error_rows") or []
    parts.append(f'<h3 id="errors">{_h("运行出错的测试", "Tests that raised errors")} ({len(errors)})</h3>')
    if errors:
        shown = errors[:ERROR_ROWS_SHOWN]
        parts.append(_table(["学生 student", "笔记本 notebook", "测试 test", "原因 reason"],
                            [[_student_links([p["student_id"]]), _e(p["notebook"]),
                              f"<code>{_e(p['grade_id'])}</code>", _e(p["message"])] for p in shown]))
        if len(errors) > len(shown):
            parts.append(f"<p>另有 {len(errors) - len(shown)} 个，见 report_tests.csv <span class=\"en\">"
                         f"{len(errors) - len(shown)} more in report_tests.csv</span></p>")
    return "".join(parts)


# The problems section lists at most this many tests that raised (the rest: report_tests.csv).
ERROR_ROWS_SHOWN = 200


def _section_slowest(rep) -> str:
    rows = [[_student_links([s]), f"{sec:.2f}"] for s, sec in rep["slowest"]]
    return (f'<section id="slowest"><h2>{_h("最慢的提交", "Slowest submissions")}</h2>'
            + _table(["学生 student", "秒 seconds"], rows, num_cols=(1,)))


def _section_meta(rep) -> str:
    run = rep["run"]
    rows = [[_e(k), _e(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)]
            for k, v in run.items() if not (isinstance(v, dict) and len(v) > 8)]
    rows.append(["report", _e(f"autograder {__version__}, "
                              f"{_dt.datetime.now().astimezone().isoformat(timespec='seconds')}")])
    rows.append(["grades", _e(rep["out_dir"])])
    return (f'<section id="meta"><h2>{_h("评分信息", "Grading metadata")}</h2>'
            + _table(["项目 item", "值 value"], rows))


def _section_students(rep) -> str:
    nbs = sorted(rep["notebooks"])
    out_dir = pathlib.Path(rep["out_dir"])
    rows = []
    for s in rep["students"]:
        t = rep["totals"][s]
        cells = []
        for nb in nbs:
            pts = t["notebooks"].get(nb, {}).get("points", 0.0)
            page = pathlib.PurePosixPath(rep["folders"][s]) / f"{safe_name(nb)}.html"
            href = urllib.parse.quote(page.as_posix())   # a folder name is never markup or a URL
            cells.append(f'<a href="{_e(href)}">{pts:g}</a>' if (out_dir / page).exists()
                         else f"{pts:g}")
        bonus = f" <small>+{t['bonus']:g} 附加 bonus</small>" if t.get("bonus") else ""
        rows.append([f'<span id="student-{_e(s)}"></span>{_e(s)}', f"{t['total']:g}/{t['max']:g}{bonus}"]
                    + cells + [", ".join(_e(m["id"]) for m in rep["misconceptions"] if s in m["students"])])
    return (f'<section id="students"><h2>{_h("每名学生", "Students")}</h2>'
            + _table(["学生 student", "总分 total"] + [_e(nb) for nb in nbs] + ["误解 misconceptions"],
                     rows, num_cols=tuple(range(1, len(nbs) + 2))))


def render_html(rep) -> str:
    """The whole report page; every image is inline, nothing is fetched."""
    body = "".join([
        f'<h1>{_h("汇聚层作业 · 全班报告", "Pooling assignment · class report")}</h1>',
        f"<p>{len(rep['students'])} 名学生 <span class=\"en\">students</span> · "
        '<a href="#scores">分数 scores</a> · <a href="#pass">通过率 pass rates</a> · '
        '<a href="#misconceptions">误解 misconceptions</a> · <a href="#manual">人工批改 manual</a> · '
        '<a href="#problems">问题 problems</a> · <a href="#students">学生 students</a>'
        + (' · <a href="#integrity">学术诚信 integrity</a>' if rep.get("integrity") is not None else "")
        + "</p>",
        _summary(rep)] + [f"{section(rep)}</section>" for section in (
            _section_misconceptions, _section_pass, _section_scores, _section_manual,
            _section_problems, _section_slowest, _section_students, _section_meta)]
        + ([f"{_section_integrity(rep)}</section>"] if rep.get("integrity") is not None else []))
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>汇聚层 · 全班报告 Class report</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def write_report(out_dir, integrity=True, submissions=None) -> dict:
    """Build the report of a grading directory and write report.html and the two CSVs
    (and integrity.csv, unless ``integrity`` is off)."""
    out_dir = pathlib.Path(out_dir)
    rep = build(out_dir, integrity=integrity, submissions=submissions)
    if rep.get("integrity") is not None:
        from autograder.integrity.analyse import integrity_csv
        atomic_write(out_dir / "integrity.csv", integrity_csv(rep["integrity"]))
    else:                                          # no stale evidence beside a report without the section
        (out_dir / "integrity.csv").unlink(missing_ok=True)
    atomic_write(out_dir / "report_students.csv", students_csv(rep))
    atomic_write(out_dir / "report_tests.csv", tests_csv(rep))
    atomic_write(out_dir / "report.html", render_html(rep))
    return rep


# ---------------------------------------------------------------- nbgrader export

def compare_with_nbgrader_export(grades_csv, export_csv, assignment=ASSIGNMENT, tol=1e-6) -> list:
    """Students whose grades.csv total differs from ``nbgrader export``'s score.

    ``nbgrader export`` writes one row per (assignment, student) with ``score``
    (autograded plus any manual grades so far). Returns a list of
    (student_id, ours, theirs) with theirs None when nbgrader has no row; [] means they agree.
    """
    ours = defaultdict(float)
    for r in read_csv(grades_csv):
        if r.get("assignment", assignment) == assignment:
            ours[r["student_id"]] += _float(r["points"])
    theirs = {r["student_id"]: _float(r.get("score") or r.get("raw_score"))
              for r in read_csv(export_csv, ours=False) if r.get("assignment") == assignment}
    diffs = []
    for s in sorted(set(ours) | set(theirs)):
        a, b = ours.get(s), theirs.get(s)
        if a is None or b is None or abs(a - b) > tol:
            diffs.append((s, a, b))
    return diffs


# ---------------------------------------------------------------- CLI

def main(argv=None) -> int:
    """``autograder report DIR [--open]``: write DIR/report.html and the CSV exports."""
    ap = argparse.ArgumentParser(prog="autograder report",
                                 description="班级报告 / class report of a grading directory")
    ap.add_argument("dir", help="the --out directory of `autograder grade`")
    ap.add_argument("--nbgrader-export", metavar="CSV",
                    help="also compare totals with this `nbgrader export` CSV")
    ap.add_argument("--no-integrity", action="store_true",
                    help="不做学术诚信分析 / leave out the integrity section and integrity.csv")
    ap.add_argument("--submissions", metavar="DIR",
                    help="学生提交目录（默认取 run.json 所记）/ where to read answer cells for the integrity "
                         "section (default: the folder run.json names)")
    args = ap.parse_args(argv)
    out_dir = pathlib.Path(args.dir)
    if not (out_dir / "grades.csv").is_file():
        print(f"找不到 / not found: {out_dir / 'grades.csv'}", file=sys.stderr)
        return 2
    rep = write_report(out_dir, integrity=not args.no_integrity, submissions=args.submissions)
    print(f"{out_dir / 'report.html'}: {len(rep['students'])} 名学生 students, "
          f"平均 mean {rep['stats']['mean']:.2f}/{rep['max_total']:g}")
    if rep.get("integrity") is not None:
        n = len(rep["integrity"]["clusters"])
        print(f"{out_dir / 'integrity.csv'}: {n} 组需要人工复核 / groups need a person's review")
    if args.nbgrader_export:
        diffs = compare_with_nbgrader_export(out_dir / "grades.csv", args.nbgrader_export)
        for s, a, b in diffs:
            print(f"不一致 mismatch {s}: grades.csv {a} vs nbgrader {b}", file=sys.stderr)
        if diffs:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
