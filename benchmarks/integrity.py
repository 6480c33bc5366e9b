"""Integrity report (#13): precision and recall on planted copies, and the time for a large class.

    python benchmarks/integrity.py [--graded N] [--students M] [--workers K] [--seed S] [--keep]

1. **Graded class.** ``make_class.py N --plant`` (N students plus nine planted:
   a verbatim copy, a disguised copy, three sharing a rare wrong answer, two
   honest students on the same idiom), graded with ``autograder grade``, then
   ``autograder report``. From ``integrity.csv`` and the class's composition:

   - every reported pair (strength at or above the threshold) is *planted*,
     *identical generator text* (two students the generator gave the same
     mutant or planted code: copies by construction, outside the planted set)
     or *honest* (no answer text in common but the stub and the solution);
   - recall = planted pairs reported / planted pairs; precision on the planted set
     = planted pairs reported / reported pairs that involve a planted student and
     are not identical generator text; precision overall = (planted + identical) / reported;
   - the ranking: the weakest planted pair against the strongest honest one.

2. **Scale.** ``make_class.py M --plant`` (default 2,000). Each (function, answer
   text) gets the behaviour its copy in the graded class had (the background
   draws from a fixed pool; a text the graded class lacks has none), then the
   answer cells are read back from the M notebooks and analysed, timed:
   reading, fingerprinting + indexing + scoring, and the candidate pairs the
   inverted index produced (against the M(M-1)/2 of a naive comparison). The
   generator's answers come from a pool, and an answer handed in twice is
   fingerprinted once; the cost per distinct answer is measured too, and what
   a class whose answers all differ would take.

Prints numbers; asserts nothing.
"""
import argparse
import csv
import json
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
BIN = pathlib.Path(sys.executable).parent


def classify(pairs, comp, threshold):
    """(counts, planted strengths, honest strengths) of reported pairs [(a, b, strength)]."""
    import planted
    truth, honest = planted.truth(comp)
    members = {s for g in comp["planted"]["groups"] + comp["planted"]["honest"] for s in g["students"]}
    counts = {"planted": 0, "identical": 0, "honest": 0, "honest_with_planted": 0}
    found = set()
    strengths = {"planted": [], "honest": []}
    for a, b, s in pairs:
        key = tuple(sorted((a, b)))
        if key in truth:
            strengths["planted"].append(s)
        elif honest(a, b):
            strengths["honest"].append(s)
        if s < threshold:
            continue
        if key in truth:
            counts["planted"] += 1
            found.add(key)
        elif honest(a, b):
            counts["honest"] += 1
            counts["honest_with_planted"] += bool({a, b} & members)
        else:
            counts["identical"] += 1
    return counts, found, truth, strengths


def report_metrics(label, pairs, comp, threshold):
    counts, found, truth, strengths = classify(pairs, comp, threshold)
    reported = sum(v for k, v in counts.items() if k != "honest_with_planted")
    recall = len(found) / len(truth) if truth else 0.0
    p_planted = counts["planted"] / max(1, counts["planted"] + counts["honest_with_planted"])
    p_all = (counts["planted"] + counts["identical"]) / max(1, reported)
    print(f"  [{label}] reported pairs (strength >= {threshold:g}): {reported} = {counts['planted']} planted"
          f" + {counts['identical']} identical generator text + {counts['honest']} honest")
    print(f"  [{label}] recall {recall:.2f} ({len(found)}/{len(truth)} planted pairs)   "
          f"precision on the planted set {p_planted:.2f}   precision overall {p_all:.2f}")
    missed = sorted(truth - found)
    if missed:
        print(f"  [{label}] missed: {missed}")
    weakest = min(strengths["planted"], default=0.0)
    strongest_honest = max(strengths["honest"], default=0.0)
    print(f"  [{label}] weakest planted pair {weakest:.1f} vs strongest honest pair {strongest_honest:.1f}"
          f" -> {'planted ranked above every honest pair' if weakest > strongest_honest else 'OVERLAP'}")


def graded_class(n, seed, workers, scratch):
    from make_class import make_class
    sub, out = scratch / "graded" / "submitted", scratch / "graded" / "out"
    comp = make_class(n, sub, seed=seed, plant=True)
    t = time.monotonic()
    subprocess.run([str(BIN / "autograder"), "grade", str(sub), "--out", str(out), "--workers", str(workers),
                    "--quiet"], check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    graded = time.monotonic() - t
    times = {}
    for flag in ("--no-integrity", "--no-integrity", None):      # the first run warms the caches
        t = time.monotonic()
        subprocess.run([str(BIN / "autograder"), "report", str(out)] + ([flag] if flag else []),
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        times[flag or "integrity"] = time.monotonic() - t
    from autograder.report.integrity.cluster import THRESHOLD
    rows = list(csv.DictReader(open(out / "integrity.csv", encoding="utf-8", newline="")))
    pairs = [(r["student_a"], r["student_b"], float(r["strength"])) for r in rows]
    print(f"\n1. graded class: {comp['n']} students ({n} + 9 planted), graded in {graded:.1f}s")
    print(f"  report: {times['--no-integrity']:.1f}s without the integrity section, "
          f"{times['integrity']:.1f}s with it")
    report_metrics("graded", pairs, comp, THRESHOLD)
    return sub, out, comp


def behaviour_by_text(sub, out, comp):
    """{(function, answer text): behaviour} from the graded class."""
    from autograder.report import report
    from autograder.report.integrity.analyse import behaviour_records
    from autograder.report.integrity.answers import read_answers
    data = report.load(out)
    records = behaviour_records(data.results)
    answers = read_answers(sub, sorted(comp["students"]))
    table = {}
    for s, fns in answers.items():
        for fn, text in fns.items():
            if fn in records.get(s, {}):
                table[(fn, text)] = records[s][fn]
    return table


def scale(m, seed, table, scratch):
    from make_class import make_class
    from autograder.report.integrity import analyse as an
    from autograder.report.integrity.answers import read_answers
    from autograder.report.integrity.cluster import THRESHOLD
    sub = scratch / "scale"
    t = time.monotonic()
    comp = make_class(m, sub, seed=seed, plant=True)
    print(f"\n2. scale: {comp['n']} students ({m} + 9 planted) written in {time.monotonic() - t:.1f}s")
    students = sorted(comp["students"])
    t0 = time.monotonic()
    answers = read_answers(sub, students)
    t1 = time.monotonic()
    behaviours = {s: {fn: table[(fn, text)] for fn, text in fns.items() if (fn, text) in table}
                  for s, fns in answers.items()}
    covered = sum(len(b) for b in behaviours.values()) / max(1, sum(len(a) for a in answers.values()))
    t2 = time.monotonic()
    an.kit_boilerplate()
    t3 = time.monotonic()
    res = an.analyse_class(answers, behaviours, {})
    t4 = time.monotonic()
    csv_text = an.integrity_csv(res)
    from autograder.report.integrity.render import render
    html = render(dict(res, submissions=str(sub), note="", answers_read=len(answers)))
    t5 = time.monotonic()
    n = len(students)
    print(f"  answers read back: {sum(len(a) for a in answers.values())} answer texts of {len(answers)} "
          f"students in {t1 - t0:.1f}s; behaviour known for {covered:.0%} of them")
    print(f"  boilerplate {t3 - t2:.1f}s; fingerprints + inverted index + pair scores + clusters "
          f"{t4 - t3:.1f}s; integrity.csv + HTML section {t5 - t4:.1f}s ({len(html) / 1e6:.1f} MB)")
    print(f"  TOTAL for {n} students: {t1 - t0 + t5 - t2:.1f}s (reading + analysis + writing); "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"  pairs scored: {len(res['pairs'])} (candidates from rare fingerprints and rare wrong outputs) "
          f"of {n * (n - 1) // 2} possible per function x {len(res['functions'])} functions; "
          f"{len(res['clusters'])} clusters; integrity.csv {len(csv_text) / 1e3:.0f} kB")
    distinct = {(fn, text) for fns in answers.values() for fn, text in fns.items()}
    from autograder.report.integrity.fingerprint import Document
    bp = an.kit_boilerplate()
    t = time.monotonic()
    for fn, text in distinct:
        Document("x", fn, text, bp)
    per_text = (time.monotonic() - t) / max(1, len(distinct))
    texts = sum(len(a) for a in answers.values())
    print(f"  {len(distinct)} distinct answer texts (the generator draws from a pool; each is fingerprinted "
          f"once): {per_text * 1e3:.2f} ms each, so a class whose {texts} answers all differ needs about "
          f"{texts * per_text:.0f}s more")
    pairs = [(p["a"], p["b"], p["strength"]) for p in res["pairs"]]
    report_metrics("scale", pairs, comp, THRESHOLD)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graded", type=int, default=40, help="background students of the graded class")
    ap.add_argument("--students", type=int, default=2000, help="background students of the large class")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="integrity-bench-"))
    try:
        sub, out, comp = graded_class(args.graded, args.seed, args.workers, scratch)
        table = behaviour_by_text(sub, out, comp)
        if args.students:
            scale(args.students, args.seed, table, scratch)
    finally:
        if args.keep:
            print(f"\nkept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
