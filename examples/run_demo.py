"""The demo job: grade the bundled example class and print a score table.

Run by `make demo`. Grades examples/submitted/ with the kit's sandboxed grader
into demo-out/, prints one line per student, then writes the class report.
"""
import csv
import pathlib
import subprocess
import sys
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
OUT = ROOT / "demo-out"


def score_table(grades_csv):
    """Per-student, per-notebook totals from grades.csv, as printable lines."""
    points = defaultdict(float)
    maximum = defaultdict(float)
    notebooks, students = set(), set()
    with open(grades_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["student_id"], row["notebook"])
            points[key] += float(row["points"])
            maximum[key] += float(row["max_points"])
            notebooks.add(row["notebook"])
            students.add(row["student_id"])
    notebooks = sorted(notebooks)
    lines = ["student".ljust(12) + "".join(n[:12].rjust(14) for n in notebooks) + "total".rjust(12)]
    for s in sorted(students):
        got = [points[s, n] for n in notebooks]
        top = [maximum[s, n] for n in notebooks]
        cells = "".join(f"{g:g}/{t:g}".rjust(14) for g, t in zip(got, top))
        lines.append(s.ljust(12) + cells + f"{sum(got):g}/{sum(top):g}".rjust(12))
    return lines


def main():
    grade = [str(BIN / "autograder"), "grade", str(ROOT / "examples" / "submitted"),
             "--out", str(OUT), "--force"]
    print("$", " ".join(grade[1:]))
    subprocess.run(grade, check=True)
    print()
    print("\n".join(score_table(OUT / "grades.csv")))
    print()
    report = [str(BIN / "autograder"), "report", str(OUT)]
    subprocess.run(report, check=True)
    print(f"class report / 班级报告: {OUT / 'report.html'}")


if __name__ == "__main__":
    main()
