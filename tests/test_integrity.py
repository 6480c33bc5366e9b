"""The integrity report (#13): normalisation, winnowing, behavioural fingerprints, ranking,
hostile text, and end to end on a synthetic class with planted copies."""
import csv
import importlib.util
import io
import json
import pathlib
import random
import shutil
import subprocess
import sys

import pytest
import torch

from autograder.report.integrity import analyse, behaviour, cluster, fingerprint, render
from autograder.grading import normalise
from autograder.grading.suites import CallResult

ROOT = pathlib.Path(__file__).resolve().parent.parent
AUTOGRADER = pathlib.Path(sys.executable).parent / "autograder"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


planted = _load("planted")


def words(code, **kw):
    return [t.text for t in normalise.tokens(code, **kw)]


@pytest.fixture(scope="module")
def bp():
    return fingerprint.boilerplate(ROOT)


# ---------------------------------------------------------------- normalise

def test_comments_docstrings_and_local_names_do_not_matter():
    a = "def f(X, k):\n    '''what it does'''\n    y = X * k  # times k\n    return y\n"
    b = "def f(X, k):\n    # another comment\n    out = X * k\n\n    return out\n"
    c = "def f(inp, size):\n    \"\"\"完全不同的说明\"\"\"\n    tmp = inp * size\n    return tmp\n"
    assert words(a) == words(b) == words(c)
    assert "P0" in words(a) and "P1" in words(a) and "y" not in words(a)


def test_library_words_stay_and_aliases_are_one_word():
    assert "unfold" in words("def f(X):\n    return X.unfold(2, 2, 2)\n")
    plain = words("def f(X):\n    return F.pad(X, (1, 1))\n")
    aliased = words("import torch.nn.functional as G\ndef f(X):\n    return G.pad(X, (1, 1))\n")
    assert aliased[-len(plain):] == plain and "torch.nn.functional" in plain


@pytest.mark.parametrize("code", [
    "def f(:\n    return 1\n", "'''never closed", "\x00\x01\x02", "(" * 400 + ")" * 400,
    "x = '" + "a" * 200_000 + "'", "def f():\n\treturn 1\n        return 2\n", "%timeit f()\n!ls\n",
    "\ud800 = 1", "async def f():\n    await g()\n", "match x:\n    case [a, *rest]:\n        pass\n"])
def test_any_text_tokenises(code):
    toks = normalise.tokens(code)
    assert all(isinstance(t.text, str) and t.line >= 1 for t in toks)


# ---------------------------------------------------------------- fingerprints

def test_winnowing_finds_every_shared_run_of_k_plus_w_minus_1_tokens():
    rng = random.Random(1)
    run = fingerprint.K + fingerprint.W - 1
    for _ in range(200):
        shared = [f"t{rng.randrange(50)}" for _ in range(run)]
        a = [f"a{rng.randrange(50)}" for _ in range(rng.randrange(30))] + shared + ["a"] * rng.randrange(5)
        b = [f"b{rng.randrange(50)}" for _ in range(rng.randrange(30))] + shared
        ha, hb = fingerprint.kgram_hashes(a), fingerprint.kgram_hashes(b)
        fa = {ha[i] for i in fingerprint.winnow(ha)}
        fb = {hb[i] for i in fingerprint.winnow(hb)}
        assert fa & fb


def test_handed_out_code_is_never_evidence(bp):
    stub = planted.A["pool2d"].split("    # loop")[0] + "    # 在这里写你的代码 / YOUR CODE HERE\n    raise NotImplementedError()\n"
    release = json.loads((ROOT / "release" / "pooling" / "01_basics.ipynb").read_text())
    cells = ["".join(c["source"]) for c in release["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("answer_")]
    for code in cells + [stub]:
        assert fingerprint.Document("s", "f", code, bp).fingerprints == {}
    make_class = _load("make_class")
    source = json.loads((ROOT / "source" / "pooling" / "01_basics.ipynb").read_text())
    for fn in ("pool2d", "pool2d_padded"):
        assert fingerprint.Document("s", fn, make_class.solution_code(source, fn), bp).fingerprints == {}
    # a hint's inline code (01_basics, pool2d: `X[i: i + p_h, j: j + p_w]`) is boilerplate too
    hint = fingerprint.kgram_hashes(words("X[i: i + p_h, j: j + p_w]",
                                          free=normalise.fragment_names({"X": "P0"})))
    assert hint and set(hint) <= bp


def test_a_disguised_copy_keeps_most_fingerprints(bp):
    rng = random.Random(3)
    for fn, code in planted.B.items():
        copy = planted.disguise(code, rng)
        assert copy != code
        a, b = fingerprint.Document("a", fn, code, bp), fingerprint.Document("b", fn, copy, bp)
        index = fingerprint.CodeIndex(fn, [a, b])
        assert index.compare("a", "b")["similarity"] >= 0.6, fn


def test_common_fingerprints_give_no_candidates_and_no_weight(bp):
    common = planted.A["pool_cost"]
    docs = [fingerprint.Document(f"c{i:02d}", "pool_cost", common, bp) for i in range(12)]
    docs += [fingerprint.Document(s, "pool_cost", planted.B["pool2d_padded"], bp) for s in ("x", "y")]
    index = fingerprint.CodeIndex("pool_cost", docs, max_df=10)
    assert set(index.candidate_pairs()) == {("x", "y")}
    assert index.compare("c00", "c01")["score"] == 0.0 and index.compare("x", "y")["score"] > 10


# ---------------------------------------------------------------- behaviour

def test_output_hash_rounds_values_and_keeps_errors_apart():
    t = torch.tensor([[1.0, -2.5], [3.25, 0.0]])
    h = behaviour.output_hash(CallResult(value=t))
    assert behaviour.output_hash(CallResult(value=t + 1e-7)) == h
    assert behaviour.output_hash(CallResult(value=t.clone().to(torch.float64))) != h       # dtype counts
    assert behaviour.output_hash(CallResult(value=t.reshape(4))) != h                      # shape counts
    assert behaviour.output_hash(CallResult(value=t * 1.01)) != h
    assert behaviour.output_hash(CallResult(value=torch.tensor([-0.0]))) == \
        behaviour.output_hash(CallResult(value=torch.tensor([0.0])))
    assert behaviour.output_hash(CallResult(value=torch.tensor([float("nan")]))) == \
        behaviour.output_hash(CallResult(value=-torch.tensor([float("nan")])))
    e1 = behaviour.output_hash(CallResult(error="ValueError: object at 0x7f00"))
    assert e1 == behaviour.output_hash(CallResult(error="ValueError: something else")) and e1.startswith("!")
    assert behaviour.output_hash(CallResult(timed_out=True)).startswith("!")
    assert behaviour.output_hash(CallResult(value=(3, 4))) != behaviour.output_hash(CallResult(value=(4, 3)))


def test_the_suite_records_behaviour_without_changing_points():
    from autograder.exercises import PREAMBLE
    from autograder.hidden import local_call
    from autograder.grading.suites import run_suite
    res = {}
    for role, src in (("C1", planted.C1), ("C3", planted.C3), ("H1", planted.H1)):
        ns = {}
        exec(PREAMBLE, ns)
        exec(src["pool2d_padded"], ns)
        res[role] = run_suite("pool2d_padded", local_call(ns["pool2d_padded"]))
    assert res["H1"].status == "passed" and res["H1"].behaviour["wrong"] == {}
    # one bug written two ways: the same wrong outputs, the same points
    assert res["C1"].behaviour == res["C3"].behaviour and res["C1"].behaviour["wrong"]
    assert res["C1"].points == res["C3"].points < res["H1"].points


def test_a_rare_shared_wrong_output_weighs_and_a_common_one_does_not():
    common = {"wrong": {"3": "aaaaaaaaaaaa", "4": "bbbbbbbbbbbb"}}
    rare = {"wrong": {"3": "cccccccccccc", "7": "dddddddddddd"}}
    recs = {f"s{i:02d}": common for i in range(30)}
    recs.update({f"p{i}": {"wrong": {}} for i in range(8)}, r1=rare, r2=rare, e1={"wrong": {"1": "!x"}},
                 e2={"wrong": {"1": "!x"}})
    index = behaviour.BehaviourIndex("pool2d", recs)
    assert index.candidate_pairs() == {("r1", "r2")}                  # errors alone are no evidence
    assert index.compare("r1", "r2")["score"] == pytest.approx(1.0)
    assert index.compare("s00", "s01")["score"] == 0.0
    assert index.common()[0] == sorted(f"s{i:02d}" for i in range(30))


# ---------------------------------------------------------------- ranking (no grading)

def _in_memory_class(rng):
    """Answers and behaviour of the planted roles and 20 others who hand in the solution."""
    make_class = _load("make_class")
    cat = make_class.catalogue()
    solutions = {fn: spec["solution"] for c in cat.values() for fn, spec in c["functions"].items()}
    answers = {f"bg{i:02d}": dict(solutions) for i in range(20)}
    own = {"A1": planted.A, "B1": planted.B, "C1": planted.C1, "C3": planted.C3,
           "H1": planted.H1, "H2": planted.H2}
    for role, code in own.items():
        answers[role] = dict(solutions, **code)
    answers["A2"] = dict(answers["A1"])
    answers["B2"] = {fn: planted.disguise(c, rng) for fn, c in answers["B1"].items()}
    answers["C2"] = dict(answers["C1"], pool2d_padded=planted.disguise(planted.C1["pool2d_padded"], rng))
    bug = {"wrong": {str(i): f"{i:012x}" for i in range(14)}}
    behaviours = {s: {fn: {"wrong": {}} for fn in solutions} for s in answers}
    for s in ("C1", "C2", "C3"):
        behaviours[s]["pool2d_padded"] = bug
    return answers, behaviours


def test_planted_copies_rank_above_honest_pairs_in_memory(bp):
    answers, behaviours = _in_memory_class(random.Random(7))
    res = analyse.analyse_class(answers, behaviours, {}, bp=bp)
    strength = {(p["a"], p["b"]): p["strength"] for p in res["pairs"]}
    copies = [("A1", "A2"), ("B1", "B2"), ("C1", "C2"), ("C1", "C3"), ("C2", "C3")]
    for pair in copies:
        assert strength.get(pair, 0) >= cluster.THRESHOLD, pair
    weakest = min(strength[p] for p in copies)
    others = [v for k, v in strength.items() if k not in copies]
    assert max(others, default=0) < weakest
    assert strength.get(("H1", "H2"), 0) < cluster.THRESHOLD
    groups = [set(c["students"]) for c in res["clusters"]]
    assert {"A1", "A2"} in groups and {"B1", "B2"} in groups and {"C1", "C2", "C3"} in groups


# ---------------------------------------------------------------- hostile text

def test_hostile_ids_and_code_are_text_in_html_and_csv(bp):
    evil_id = '=HYPERLINK("http://x")<img src=x onerror=alert(1)>'
    code = planted.A["pool_cost"] + "\n# </section><script>alert('x')</script>\n"
    answers = {evil_id: {"pool_cost": code}, "bob\"'><b>": {"pool_cost": code}}
    flags = {evil_id: [{"notebook": "03_cost", "grade_id": "test_pool_cost",
                        "flags": "tampering:<script>", "message": "<b>x</b>"}]}
    res = analyse.analyse_class(answers, {}, flags, bp=bp)
    assert res["clusters"]
    html = render.render(dict(res, submissions="/tmp/<x>", note="<i>n</i>", answers_read=2))
    assert "<script>" not in html and "<img" not in html and "<b>x</b>" not in html and "<i>n</i>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    rows = list(csv.reader(io.StringIO(analyse.integrity_csv(res))))
    header, first = rows[0], rows[1]
    cell = first[header.index("student_a")] if first[header.index("student_a")].startswith("'") \
        else first[header.index("student_b")]
    assert cell.startswith("'=HYPERLINK")


# ---------------------------------------------------------------- end to end

N_BACKGROUND = 6


@pytest.fixture(scope="module")
def planted_class(tmp_path_factory):
    """make_class --plant -> autograder grade -> report, and report --no-integrity."""
    base = tmp_path_factory.mktemp("integrity")
    make_class = _load("make_class")
    comp = make_class.make_class(N_BACKGROUND, base / "submitted", seed=5, plant=True)
    out = base / "out"
    subprocess.run([str(AUTOGRADER), "grade", str(base / "submitted"), "--out", str(out),
                    "--workers", "1", "--quiet"], check=True, cwd=ROOT, timeout=1200,
                   stderr=subprocess.DEVNULL)
    grades = (out / "grades.csv").read_bytes()
    plain = base / "plain"
    shutil.copytree(out, plain)
    subprocess.run([str(AUTOGRADER), "report", str(out)], check=True, cwd=ROOT, timeout=600)
    subprocess.run([str(AUTOGRADER), "report", str(plain), "--no-integrity"], check=True, cwd=ROOT, timeout=600)
    return comp, out, plain, grades


def _integrity_rows(out):
    return list(csv.DictReader(open(out / "integrity.csv", encoding="utf-8", newline="")))


@pytest.mark.slow
def test_every_planted_copy_is_in_the_report(planted_class):
    comp, out, _, _ = planted_class
    run = json.loads((out / "run.json").read_text())
    assert run["submissions"] == str((out.parent / "submitted").resolve())
    rows = _integrity_rows(out)
    pairs, _ = planted.truth(comp)
    listed = {(r["student_a"], r["student_b"]): r for r in rows}
    for pair in pairs:
        assert pair in listed, pair
        assert listed[pair]["review"] and float(listed[pair]["strength"]) >= cluster.THRESHOLD
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="integrity">'):]
    assert "需要人工复核" in section and "needs a person's review" in section
    for g in comp["planted"]["groups"]:
        clusters = [r["clusters"].split(";") for r in rows if (r["student_a"], r["student_b"]) in pairs
                    and {r["student_a"], r["student_b"]} <= set(g["students"])]
        assert set.intersection(*map(set, clusters)), g      # one cluster holds the whole group
        for s in g["students"]:
            assert f'<a href="#student-{s}">{s}</a>' in section
    # the side-by-side view shows the copies' own lines, marked
    assert 'class="rare"' in section and "patch.sum() / (kh * kw)" in section


@pytest.mark.slow
def test_no_honest_pair_ranks_above_a_planted_one(planted_class):
    comp, out, _, _ = planted_class
    pairs, honest = planted.truth(comp)
    rows = _integrity_rows(out)
    planted_min = min(float(r["strength"]) for r in rows if (r["student_a"], r["student_b"]) in pairs)
    honest_max = max((float(r["strength"]) for r in rows if honest(r["student_a"], r["student_b"])), default=0)
    assert honest_max < planted_min
    h1, h2 = (comp["planted"]["roles"][r] for r in ("H1", "H2"))
    assert all(float(r["strength"]) < cluster.THRESHOLD for r in rows if {r["student_a"], r["student_b"]} == {h1, h2})


@pytest.mark.slow
def test_the_integrity_analysis_changes_no_score(planted_class):
    _, out, plain, grades = planted_class
    assert (out / "grades.csv").read_bytes() == grades == (plain / "grades.csv").read_bytes()
    for name in ("report_students.csv", "report_tests.csv"):
        assert (out / name).read_bytes() == (plain / name).read_bytes()
    assert not (plain / "integrity.csv").exists()
    assert 'id="integrity"' not in (plain / "report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the report on a hand-built directory

def _hand_built(tmp_path, answers=None):
    """Four students' grading output, written as the grader writes it (results.jsonl: behaviour
    records, and ``answers`` {student: code} as their pool2d answer cell)."""
    from autograder.run.write import csv_text, student_dir
    from autograder.core.results import GRADES_COLUMNS as header
    from support import results_jsonl
    bug = {"wrong": {str(i): f"{i:012x}" for i in range(10)}}
    rows, run, records = [], {"students": {}}, []
    for s in ("ann", "ben", "cat", "dan"):
        rec = bug if s in ("ann", "ben") else {"wrong": {}}
        flags = "link" if s == "dan" else ""
        rows.append([s, "pooling", "01_basics", "test_pool2d", 1.0, 2.0, "failed", "m", "", "", 0.1, flags])
        d = student_dir(tmp_path, s)
        d.mkdir(parents=True)
        code = (answers or {}).get(s)
        records.append(results_jsonl.record(
            s, [results_jsonl.suite_result("pool2d", 1.0, 2.0, "failed", behaviour=rec)],
            answers={"01_basics": [(3, ["pool2d"], code)]} if code else None))
        run["students"][s] = str(d.relative_to(tmp_path))
    (tmp_path / "grades.csv").write_text(csv_text(header, rows))
    (tmp_path / "run.json").write_text(json.dumps(run))
    results_jsonl.write(tmp_path, records)
    return tmp_path


def test_report_without_answer_cells_still_compares_outputs(tmp_path):
    from autograder.cli import commands as cli
    from autograder.report import report
    out = _hand_built(tmp_path)
    grades = (out / "grades.csv").read_bytes()
    rep = report.write_report(out)
    res = rep.integrity
    assert "no answer cells in results.jsonl" in res["note"]
    assert [c["students"] for c in res["clusters"]] == [["ann", "ben"]]
    assert res["flags"][0]["student_id"] == "dan" and res["flags"][0]["flags"] == "link"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="integrity"' in html and 'href="#integrity"' in html
    assert (out / "grades.csv").read_bytes() == grades
    assert cli.main(["report", str(out), "--no-integrity"]) == 0
    assert not (out / "integrity.csv").exists()
    assert 'id="integrity"' not in (out / "report.html").read_text(encoding="utf-8")


COPIED = """def pool2d(X, pool_size, mode="max"):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == "max" else window.float().mean() * 1.0001
    return Y
"""


def test_the_answer_cells_come_from_results_jsonl(tmp_path):
    """#21: the integrity analysis compares the answer cells the grader recorded in results.jsonl;
    no submissions folder exists, and hostile code is text in the page."""
    from autograder.report import report
    evil = COPIED.replace("return Y", "return Y  # </code><script>alert(1)</script>").replace("window", "w")
    out = _hand_built(tmp_path, {"cat": COPIED, "dan": evil, "ann": "def pool2d(X, k):\n    return X\n"})
    res = report.write_report(out).integrity
    assert res["answers_read"] == 3 and res["note"] == "" and res["submissions"] == "results.jsonl"
    assert any({p["a"], p["b"]} == {"cat", "dan"} and p["code"] for p in res["pairs"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_the_kept_answer_text_is_what_the_analysis_reads():
    """results.jsonl keeps each function's answer text bounded, cutting only what the analysis would."""
    from autograder.core.cells import MAX_ANSWER_CHARS, AnswerCell, answer_texts, bounded
    from autograder.grading.normalise import MAX_INPUT_CHARS
    assert MAX_ANSWER_CHARS == MAX_INPUT_CHARS + 1        # one more: an answer this long gets the budget flag
    big = "x = 1\n" * (MAX_ANSWER_CHARS // 6 + 10)
    cells = [AnswerCell(1, ("pool2d",), big), AnswerCell(2, ("pool2d", "pool2d_padded"), "y = 2\n"),
             AnswerCell(3, ("pool2d",), big), AnswerCell(4, ("pool2d_padded",), "z = 3\n")]
    kept = bounded(cells)
    assert answer_texts(kept) == answer_texts(cells)
    assert [c.index for c in kept] == [1, 2, 4] and sum(len(c.code) for c in kept) <= 2 * MAX_ANSWER_CHARS


def test_a_failing_analysis_leaves_the_rest_of_the_report(tmp_path, monkeypatch):
    from autograder.report import report
    from autograder.report.integrity import analyse as an
    out = _hand_built(tmp_path)

    def boom(*a, **k):
        raise RuntimeError("<b>bug</b>")
    monkeypatch.setattr(an, "analyse", boom)
    report.write_report(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "the integrity analysis failed: RuntimeError: &lt;b&gt;bug&lt;/b&gt;" in html
    assert 'id="students"' in html
