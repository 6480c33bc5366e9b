"""A hand-built DIR/results.jsonl for report tests: plain JSON written here, in the format the
kit's collector writes (one ``SubmissionResult.to_dict()`` a line), without the kit's code."""
import json
import pathlib


def suite_result(name, points, max_points, status, misconception=None, groups=(), behaviour=None):
    """A FunctionResult's JSON (``results.FunctionResult.to_dict``)."""
    return {"name": name, "points": points, "max_points": max_points, "score": 0.0, "status": status,
            "message": status, "feedback": "", "misconception": misconception, "groups": list(groups),
            "behaviour": behaviour, "misconceptions": [misconception] if misconception else [], "picture": None}


def record(student, results=(), answers=None):
    """One line's record: a row per suite result (notebook "01_basics" unless the result says
    otherwise), ``answers``: {notebook: [(cell index, [functions], code)]}."""
    rows = [{"student_id": student, "assignment": "pooling", "notebook": r.pop("notebook", "01_basics"),
             "grade_id": f"test_{r['name']}", "points": r["points"], "max_points": r["max_points"],
             "status": r["status"], "result": r} for r in (dict(x) for x in results)]
    return {"student_id": student, "rows": rows, "manual": [],
            "answers": {nb: [{"index": i, "functions": list(fns), "code": code} for i, fns, code in cells]
                        for nb, cells in (answers or {}).items()}}


def write(out_dir, records):
    """DIR/results.jsonl of these records (ASCII JSON, a line each)."""
    path = pathlib.Path(out_dir) / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    return path
