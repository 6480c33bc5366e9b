"""Step 4: write what the grader found -- every file atomically (temp file + os.replace).

``DIR/grades.csv``, ``DIR/manual.csv``, ``DIR/<student>/results.json``
(Gradescope), ``DIR/<student>/<notebook>.html`` (feedback) and ``DIR/run.json``.
Feedback shows only what the suite chose to show: the property groups and at
most one failing case per function. Submissions are never written to.
"""
import csv
import html
import io
import json
import os
import pathlib
import re
import tempfile

GRADES_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "points", "max_points", "status",
                  "message", "misconception", "groups_failed", "seconds", "flags"]
MANUAL_COLUMNS = ["student_id", "assignment", "notebook", "grade_id", "max_points", "answered"]


def atomic_write(path, data):
    """Write `data` (str or bytes) to `path` so readers see the old file or the new one, never half."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def safe_name(s):
    """A file-name-safe version of a student id or notebook name."""
    s = re.sub(r"[^\w.\-@+]", "_", str(s))[:120]
    return s if s.strip(".") else "_"


def _csv(columns, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


_STYLE = """body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.passed{color:#1a7f37}.failed,.error,.timeout,.invalid{color:#cf222e}pre{background:#f6f8fa;padding:.8em;
white-space:pre-wrap}"""


class WriteResults:
    """Writes one submission's files as soon as it is graded, and the class tables."""

    def __init__(self, out_dir):
        self.out = pathlib.Path(out_dir)

    def submission(self, res):
        """results.json and the feedback pages of one graded submission."""
        sdir = self.out / safe_name(res["student_id"])
        atomic_write(sdir / "results.json", json.dumps(self.gradescope(res), ensure_ascii=False, indent=1))
        for nb in sorted({r["notebook"] for r in res["rows"]} | {m["notebook"] for m in res["manual"]}):
            atomic_write(sdir / f"{safe_name(nb)}.html", self.feedback_page(res, nb))

    def gradescope(self, res):
        tests = []
        for r in res["rows"]:
            extra = r.get("result") or {"name": r["grade_id"][5:] if r["grade_id"].startswith("test_")
                                        else r["grade_id"], "points": r["points"],
                                        "max_points": r["max_points"], "status": r["status"],
                                        "message": r["message"], "misconception": None, "groups": []}
            tests.append({"name": f"{r['notebook']}: {r['grade_id']}", "score": r["points"],
                          "max_score": r["max_points"],
                          "status": "passed" if r["status"] == "passed" else "failed",
                          "output": r.get("feedback") or r["message"], "visibility": "visible",
                          "extra_data": extra})
        return {"score": round(sum(r["points"] for r in res["rows"]), 4),
                "execution_time": round(res.get("seconds", 0.0), 3),
                "output": "人工评分的书面回答另计 / written answers are graded by a person",
                "stdout_visibility": "hidden", "tests": tests}

    def feedback_page(self, res, notebook):
        rows = [r for r in res["rows"] if r["notebook"] == notebook]
        got, mx = sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)
        e = html.escape
        parts = [f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{e(notebook)}</title>"
                 f"<style>{_STYLE}</style></head><body>",
                 f"<h1>{e(notebook)} — {e(res['student_id'])}</h1>",
                 f"<p>自动评分 / autograded: <b>{got:g} / {mx:g}</b></p>",
                 "<table><tr><th>测试 test</th><th>得分 points</th><th>状态 status</th><th>说明 message</th></tr>"]
        for r in rows:
            parts.append(f"<tr><td>{e(r['grade_id'])}</td><td>{r['points']:g} / {r['max_points']:g}</td>"
                         f"<td class='{e(r['status'])}'>{e(r['status'])}</td><td>{e(r['message'])}</td></tr>")
        parts.append("</table>")
        for r in rows:
            if r.get("feedback"):
                parts.append(f"<h2>{e(r['grade_id'])}</h2><pre>{e(r['feedback'])}</pre>")
        manual = [m for m in res["manual"] if m["notebook"] == notebook]
        if manual:
            parts.append("<h2>书面回答 / written answers</h2><ul>")
            for m in manual:
                state = "已作答，待人工评分 / answered, awaiting a person" if m["answered"] else "未作答 / not answered"
                parts.append(f"<li>{e(m['grade_id'])} ({m['max_points']:g}): {state}</li>")
            parts.append("</ul>")
        parts.append("</body></html>\n")
        return "".join(parts)

    def tables(self, results):
        """grades.csv and manual.csv over every submission graded so far, sorted."""
        rows = sorted((r for res in results for r in res["rows"]),
                      key=lambda r: (r["student_id"], r["notebook"], r["grade_id"]))
        manual = sorted((m for res in results for m in res["manual"]),
                        key=lambda m: (m["student_id"], m["notebook"], m["grade_id"]))
        atomic_write(self.out / "grades.csv", _csv(GRADES_COLUMNS, rows))
        atomic_write(self.out / "manual.csv", _csv(MANUAL_COLUMNS, manual))

    def run(self, meta):
        atomic_write(self.out / "run.json", json.dumps(meta, ensure_ascii=False, indent=1))
