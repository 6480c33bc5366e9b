"""The demo job (`make demo`): grade the bundled example class, print a score
table and write its report; then do the same for a synthetic class of 30.

- examples/submitted/ (five students, built by examples/make_submissions.py)
  -> demo-out/submitted/: grades.csv, feedback pages, report.html
- examples/make_class.py 30 -> demo-out/class/ (submissions) -> demo-out/class-out/report.html
"""
import csv
import pathlib
import subprocess
import sys
from collections import defaultdict

from autograder.core import totals
from autograder.core.totals import Totals
from autograder.run.write import csv_uncell
from autograder.core.results import Row

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
OUT = ROOT / "demo-out"
SYNTHETIC_STUDENTS = 30


def score_table(grades_csv):
    """Per-student, per-notebook autograded totals from grades.csv, as printable lines: required
    points out of the required maximum, the optional bonus apart (``autograder.core.totals``)."""
    rows = defaultdict(list)
    with open(grades_csv, newline="", encoding="utf-8") as f:
        for cells in csv.DictReader(f):
            row = Row.from_csv({k: csv_uncell(v) for k, v in cells.items()})   # ids are formula-proofed
            rows[row.student_id].append(row)
    scheme = totals.scheme()
    notebooks = sorted({r.notebook for mine in rows.values() for r in mine})
    lines = ["student".ljust(12) + "".join(n[:12].rjust(14) for n in notebooks) + "total".rjust(12)
             + "bonus".rjust(10)]
    for s in sorted(rows):
        per_nb = [Totals.of((r for r in rows[s] if r.notebook == n), scheme.only([n])) for n in notebooks]
        t = Totals.of(rows[s], scheme)
        cells = "".join(f"{n.auto:g}/{n.auto_max:g}".rjust(14) for n in per_nb)
        lines.append(s.ljust(12) + cells + f"{t.auto:g}/{t.auto_max:g}".rjust(12)
                     + f"+{t.optional_auto:g}".rjust(10))
    return lines


def run(*args):
    print("$", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True)


def grade_and_report(submissions, out):
    run(BIN / "autograder", "grade", submissions, "--out", out, "--force")
    run(BIN / "autograder", "report", out)


def main():
    bundled = OUT / "submitted"
    grade_and_report(ROOT / "examples" / "submitted", bundled)
    print()
    print("\n".join(score_table(bundled / "grades.csv")))
    print()
    run(sys.executable, ROOT / "examples" / "make_class.py", SYNTHETIC_STUDENTS, OUT / "class")
    grade_and_report(OUT / "class", OUT / "class-out")
    print()
    print(f"示例班级的报告 / example class report:   {bundled / 'report.html'}")
    print(f"成绩表 / grades:                        {bundled / 'grades.csv'}")
    print(f"反馈页面 / feedback pages:              {bundled / 'students'}/<student>/<notebook>.html "
          f"(run.json maps ids to folders)")
    print(f"合成班级的报告 / synthetic class report: {OUT / 'class-out' / 'report.html'}")
    print(f"合成班级的成绩表 / synthetic grades:     {OUT / 'class-out' / 'grades.csv'}")


if __name__ == "__main__":
    main()
