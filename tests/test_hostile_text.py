"""Hostile text (tests/hostile/text/): what reaches the instructor's terminal, ids that look alike
or differ only in how an undecodable byte is spelled, and the integrity normaliser's evasions
and budget (issue 19, C).

Assertions are on the real bytes: what `autograder grade / report / export` wrote to stderr and
stdout, grades.csv, the Canvas and generic exports and report.html.
"""
import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import unicodedata

import pytest

from support.slow import slow_fixture

import classes  # noqa: E402  (tests/hostile/paths)
import harness  # noqa: E402
import names  # noqa: E402
import text as hostile_text  # noqa: E402  (tests/hostile/text)
from text import cells  # noqa: E402
from autograder.adapters import export
from autograder.core import terminal  # noqa: E402
from autograder.report.integrity import analyse
from autograder.grading import normalise  # noqa: E402
from autograder.pipeline.check_integrity import SOLUTION_COPY, CheckIntegrity  # noqa: E402
from autograder.pipeline.read_notebook import ReadNotebook  # noqa: E402
from autograder.cli.progress import Progress  # noqa: E402
from course.safe_text import (display_id, exact_id, id_skeleton, lookalike_groups,  # noqa: E402
                              student_text, visible)

BUDGET_FLAG = normalise.BUDGET_FLAG
EXPECTED = hostile_text.expected_scores()
HONEST_IDS = set(hostile_text.HONEST)


def terminal_unsafe(text):
    """The characters of text written to a terminal that act on it or hide: every control but the
    line feed (ESC, CSI, OSC introducers, C1, DEL, CR, BEL), format (bidi, zero-width), surrogates
    and line/paragraph separators."""
    return sorted({c for c in text if c != "\n" and (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))})


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cli(*args, timeout=900):
    """`autograder ARGS` in a child process; stdout and stderr as bytes (what a terminal gets)."""
    cmd = [harness.PY, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())", *args]
    return subprocess.run(cmd, cwd=str(harness._BASE), env=harness.env(), capture_output=True, timeout=timeout)


# ------------------------------------------------------------------ the one escaping function

HOSTILE_STRINGS = [os.fsdecode(n) if isinstance(n, bytes) else n for n in hostile_text.TERMINAL] + [
    "\x1b[0m\x1bc\x1b[?1049h", "\u009b\u009d\u0090\u009e\u009f", "\ud800\udfff", "\U000e0041\U000e007f",
    "\u180e\u034f\ufe0f\u115f\u3164", "a\u00adb"]


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
def test_visible_leaves_nothing_that_acts_on_a_terminal(text):
    shown = visible(text)
    assert terminal_unsafe(shown) == [] and "\n" not in shown
    assert all(c.isprintable() for c in shown), ascii(shown)
    assert visible(shown) == shown                             # safe text passes unchanged
    assert "\\" in shown                                       # and the hidden part is shown, not dropped


def test_visible_keeps_ordinary_text():
    for s in ["graded 12/200 s001 0.4s eta 31s", "布局不对 / layout: 李伟", "Zhāng Wěi", "（省略）…"]:
        assert visible(s) == s


def test_student_text_escapes_too_and_keeps_line_breaks():
    s = student_text("line one\nline two\x1b]0;x\x07\u202e")
    assert s == "line one\nline two\\x1b]0;x\\x07\\u202e"


def test_say_writes_one_escaped_line_per_message():
    buf = io.StringIO()
    terminal.warn("hidden folder: evil\x1b[2K\ngraded 40/40, no problems\u202e", buf)
    out = buf.getvalue()
    assert out.count("\n") == 1 and terminal_unsafe(out) == []
    assert out == "autograder: WARNING: hidden folder: evil\\x1b[2K\\x0agraded 40/40, no problems\\u202e\n"


class _Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("mode", ["lines", "bar"])
def test_progress_shows_hostile_names_escaped(mode):
    stream = _Tty()
    clock = iter(range(1000)).__next__
    ids = [hostile_text.student_id(n) for n in hostile_text.TERMINAL]
    with Progress(len(ids), stream=stream, mode=mode, clock=lambda: float(clock())) as p:
        for sid in ids:
            p.update(display_id(sid), seconds=0.1)
        p.update(ids[0])                                      # the raw id too: the writer escapes it
    out = stream.getvalue()
    kit = out.replace("\r", "").replace("\x1b[K", "") if mode == "bar" else out
    assert terminal_unsafe(kit) == [], [hex(ord(c)) for c in terminal_unsafe(kit)]
    for sid in ids:                                           # (the bar cuts a long name)
        assert (display_id(sid) if mode == "lines" else display_id(sid)[:40]) in out


# ------------------------------------------------------------------ ids

def test_display_id_is_injective_and_exact_id_inverts_it():
    ids = list(EXPECTED) + [names.student_id(n) for n in names.students()] + [
        "\\", "\\\\", "\\x", "a\\u00ff", "\u00ff", os.fsdecode(b"\xff"), "\\xff", "\\udcff"]
    shown = [display_id(s) for s in ids]
    assert len(set(shown)) == len(set(ids))
    assert all(exact_id(d) == s for d, s in zip(shown, ids))
    assert all(terminal_unsafe(d) == [] and d.isprintable() for d in shown)


def test_a_byte_and_its_escape_never_display_alike():
    byte, text = os.fsdecode(b"ab\xff"), "ab\\xff"
    assert display_id(byte) == "ab\\xff" and display_id(text) == "ab\\\\xff"
    assert display_id(os.fsdecode(b"cd\xfe")) != display_id("cd\\udcfe")


def test_look_alike_characters_are_visible_in_the_display_form():
    assert display_id("li\u200bwei") == "li\\u200bwei"
    assert display_id("\u0430nna") == "\\u0430nna"                 # Cyrillic а beside Latin letters
    assert display_id("jose\u0301") == "jose\\u0301"               # not NFC
    assert display_id("ｋim") == "\\uff4bim"
    assert display_id("\u0430\u0441\u0435") == "\\u0430\\u0441\\u0435"  # a whole id spoofing "ace"
    for own_script in ["Иван", "Ελένη", "张伟", "jos\u00e9", "Zhāng Wěi", "s001", "li_wei"]:
        assert display_id(own_script) == own_script


def test_lookalike_groups_name_each_pair_and_no_honest_id():
    groups = lookalike_groups(EXPECTED)
    pairs = {tuple(sorted(p)) for p in hostile_text.LOOKALIKE_PAIRS}
    assert {tuple(g) for g in groups} == pairs
    assert lookalike_groups(HONEST_IDS) == []
    assert lookalike_groups(["s%03d" % i for i in range(1000)]) == []
    assert id_skeleton("anna") == id_skeleton("\u0430nna") != id_skeleton("Anna")


# ------------------------------------------------------------------ integrity: evasions and budget

def _planted():
    import importlib.util
    spec = importlib.util.spec_from_file_location("planted", harness.ROOT / "examples" / "planted.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_64kib_comment_does_not_hide_a_copy():
    planted = _planted()
    code = planted.A["pool_cost"]
    assert len(cells.LONG_COMMENT) >= 64 << 10
    res = analyse.analyse_class({"author": {"pool_cost": code},
                                 "copier": {"pool_cost": cells.LONG_COMMENT + code}}, {})
    pair = [p for p in res["pairs"] if {p["a"], p["b"]} == {"author", "copier"}]
    assert pair and pair[0]["code"][0]["similarity"] == 1.0 and res["clusters"]
    assert not any(BUDGET_FLAG in f["flags"] for f in res["flags"])     # within the budget: no flag
    # ... and the comment counts toward no cap: the copy's tokens are exactly the author's
    assert [t.text for t in normalise.tokens(cells.LONG_COMMENT + code)] == \
        [t.text for t in normalise.tokens(code)]


@pytest.fixture(scope="module")
def check():
    return CheckIntegrity(harness.SOURCE, harness.ROOT / "release" / "pooling")


def test_a_commented_solution_copy_is_flagged(check):
    reader = ReadNotebook()
    copy = reader.normalise(hostile_text.commented_copy(harness.source_nb()))
    assert check.flags(copy, "01_basics") == [SOLUTION_COPY]
    assert check.flags(reader.normalise(classes.honest_notebook()), "01_basics") == []
    released = json.loads((harness.ROOT / "release" / "pooling" / "01_basics.ipynb").read_text("utf-8"))
    assert check.flags(reader.normalise(released), "01_basics") == []


BUDGET_SCRIPT = textwrap.dedent('''
    import json, sys, time, tracemalloc
    sys.path[:0] = [{tests!r}, {hostile!r}]
    from text import cells
    from autograder.grading import normalise
    from autograder.pipeline.check_integrity import CheckIntegrity
    from autograder.pipeline.read_notebook import ReadNotebook
    import harness
    check = CheckIntegrity(harness.SOURCE, harness.ROOT / "release" / "pooling")
    check.regions("01_basics")
    nb = ReadNotebook().normalise(harness.source_nb())
    huge = cells.huge_cell({mb})
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["source"] = huge + c["source"]
    deep = huge + "\\n" + "(" * 200000

    def work():
        return check.flags(nb, "01_basics"), normalise.tokens(deep)

    t = time.monotonic()
    flags, toks = work()
    seconds = time.monotonic() - t
    tracemalloc.start()                   # what the normaliser allocates (a second run, traced)
    work()
    peak_mb = tracemalloc.get_traced_memory()[1] / 2 ** 20
    print(json.dumps({{"flags": flags, "tokens": len(toks), "seconds": seconds, "peak_mb": peak_mb}}))
''')


@pytest.mark.slow       # a measured child process (23 s under load)
def test_a_huge_cell_costs_the_normaliser_bounded_time_and_memory():
    """48 MB of code in every code cell: the trusted process stops at its budget, in a few
    seconds and a few tens of MB (measured in a child process), and flags the notebook."""
    script = BUDGET_SCRIPT.format(tests=str(harness.ROOT / "tests"), hostile=str(harness.HERE), mb=48)
    res = subprocess.run([harness.PY, "-c", script], env=harness.env(), capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["flags"] == [BUDGET_FLAG]
    assert got["tokens"] <= normalise.MAX_TOKENS
    assert got["seconds"] < 4 * normalise.MAX_SECONDS, got
    assert got["peak_mb"] < 64, got          # the input is 48 MB per cell: none of it is copied whole


def test_the_report_flags_an_answer_beyond_the_budget():
    huge = cells.huge_cell(2)
    res = analyse.analyse_class({"big": {"pool2d": huge}, "small": {"pool2d": "def pool2d(X):\n    return X\n"}}, {})
    flagged = [f for f in res["flags"] if BUDGET_FLAG in f["flags"]]
    assert [(f["student_id"], f["grade_id"]) for f in flagged] == [("big", "test_pool2d")]


# ------------------------------------------------------------------ export never sums two students

def test_export_refuses_two_rows_for_one_student_and_test(tmp_path):
    from autograder.run.write import csv_text
    from autograder.core.results import GRADES_COLUMNS, Row
    row = Row("ab\\xff", "pooling", "01_basics", "test_pool2d", 2.0, 2.0, "passed")
    (tmp_path / "grades.csv").write_text(csv_text(GRADES_COLUMNS, [row.to_csv(), row.to_csv()]), encoding="utf-8")
    with pytest.raises(export.ExportError, match="second row"):
        export.read_grades(tmp_path / "grades.csv")


# ------------------------------------------------------------------ a real class, end to end

@slow_fixture(scope="module")
def graded(tmp_path_factory):
    """`autograder grade` (progress lines on a pipe), then `report`, `export --to canvas` and
    `export --to csv`, on a class of every hostile text family, a commented solution copy, a
    student whose code raises and prints terminal sequences, and an honest class."""
    base = tmp_path_factory.mktemp("text")
    extra = {"commented_copy": hostile_text.commented_copy(harness.source_nb()),
             "error_\x1b]0;x\x07": harness.with_answer(cells.TERMINAL_ERROR)}
    subs = hostile_text.build_class(base / "submitted", harness.source_nb(), extra)
    out = base / "out"
    g = cli("grade", os.fsencode(subs), "--out", os.fsencode(out), "--timeout", str(harness.CALL_TIMEOUT),
            *harness.WORKERS)
    assert g.returncode == 0, g.stderr[-3000:]
    r = cli("report", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    canvas = cli("export", str(out), "--to", "canvas")
    generic = cli("export", str(out), "--to", "csv")
    return {"out": out, "grade": g, "report": r, "canvas": canvas, "csv": generic}


def _commands(graded):
    return {k: graded[k] for k in ("grade", "report", "canvas", "csv")}


def test_nothing_a_student_wrote_reaches_the_terminal_raw(graded):
    for what, res in _commands(graded).items():
        for stream in (res.stdout, res.stderr):
            text = stream.decode("utf-8")                          # valid UTF-8: no stray byte either
            assert terminal_unsafe(text) == [], (what, [hex(ord(c)) for c in terminal_unsafe(text)])
    err = graded["grade"].stderr.decode("utf-8")
    for sid in EXPECTED:                                          # each student's progress line, escaped
        assert f" {display_id(sid)} " in err, display_id(sid)
    assert not any(ln.startswith("graded 40 of 40") for ln in err.splitlines())   # no forged line of its own


def test_lookalike_ids_are_named_with_both_forms_and_honest_ones_are_not(graded):
    for what in ("grade", "report", "canvas"):
        lines = [ln for ln in graded[what].stderr.decode("utf-8").splitlines() if "look alike" in ln]
        assert len(lines) == len(hostile_text.LOOKALIKE_PAIRS), (what, lines)
        for a, b in hostile_text.LOOKALIKE_PAIRS:
            assert any(f"'{display_id(a)}'" in ln and f"'{display_id(b)}'" in ln for ln in lines), (what, a, b)
        for ln in lines:
            assert not any(f"'{h}'" in ln for h in HONEST_IDS), ln
    page = (graded["out"] / "report.html").read_text(encoding="utf-8")
    assert page.count('class="bad lookalike"') == 2 * len(hostile_text.LOOKALIKE_PAIRS)  # problems + integrity
    assert "<code>zh\\u200bou</code>" in page and "<code>\\u0430nna</code>" in page


def test_every_folder_is_its_own_student_with_its_own_score(graded):
    rows = read_csv(graded["out"] / "grades.csv")
    totals = {}
    for r in rows:
        sid = export.csv_uncell(r["student_id"])
        totals[sid] = totals.get(sid, 0.0) + float(r["points"])
    want = {display_id(s): v for s, v in EXPECTED.items()}
    assert {k: v for k, v in totals.items() if k in want} == pytest.approx(want)
    assert set(totals) == set(want) | {"commented_copy", display_id("error_\x1b]0;x\x07")}


def test_canvas_and_generic_exports_keep_byte_and_escape_apart(graded):
    assert graded["canvas"].returncode == 0 and graded["csv"].returncode == 0, graded["canvas"].stderr
    canvas = list(csv.reader(open(graded["out"] / "canvas.csv", newline="", encoding="utf-8")))
    header = canvas[0]
    total_col = len(header) - 1
    by_login = {export.csv_uncell(r[header.index("SIS Login ID")]): float(r[total_col]) for r in canvas[2:]}
    generic = {export.csv_uncell(r["student_id"]): float(r["autograded"])
               for r in read_csv(graded["out"] / "scores.csv")}
    for name in hostile_text.BYTE_VS_ESCAPE:
        sid = hostile_text.student_id(name)
        assert by_login[display_id(sid)] == EXPECTED[sid], name
        assert generic[display_id(sid)] == EXPECTED[sid], name
    assert by_login["ab\\xff"] == 3.0 and by_login["ab\\\\xff"] == 2.0
    assert max(generic.values()) <= 5.0                      # nobody holds two students' points


def test_flags_the_commented_copy_and_nobody_honest(graded):
    rows = read_csv(graded["out"] / "grades.csv")
    flags = {}
    for r in rows:
        flags.setdefault(export.csv_uncell(r["student_id"]), set()).update(f for f in r["flags"].split(";") if f)
    assert SOLUTION_COPY in flags["commented_copy"]
    assert all(not flags[display_id(h)] for h in HONEST_IDS), {h: flags[display_id(h)] for h in HONEST_IDS}
    assert not any(BUDGET_FLAG in f for f in flags.values())
    integrity = read_csv(graded["out"] / "integrity.csv")
    assert integrity is not None


def test_files_hold_display_forms_only(graded):
    out = graded["out"]
    files = [out / name for name in ("grades.csv", "manual.csv", "canvas.csv", "scores.csv", "report_students.csv",
                                      "report_tests.csv", "integrity.csv", "report.html")]
    files += sorted((out / "students").glob("*/*.html")) + sorted((out / "students").glob("*/results.json"))
    assert len(files) > 8 + 2 * len(EXPECTED)
    for path in files:
        text = path.read_bytes().decode("utf-8")
        assert terminal_unsafe(text.replace("\r\n", "\n")) == [], path
    from autograder.run.write import student_dir
    page = (student_dir(out, "error_\x1b]0;x\x07") / "01_basics.html").read_text(encoding="utf-8")
    assert "ValueError: \\x1b[2K\\x1b[1A\\x0dgraded 40/40" in page       # the student's message, escaped


def test_self_study_output_of_hostile_errors_is_escaped(tmp_path):
    nb = tmp_path / "01_basics.ipynb"
    nb.write_text(json.dumps(harness.with_answer(cells.TERMINAL_ERROR), ensure_ascii=False), encoding="utf-8")
    res = cli("grade", str(nb), "--timeout", str(harness.CALL_TIMEOUT), timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    for stream in (res.stdout, res.stderr):
        text = stream.decode("utf-8")
        assert terminal_unsafe(text) == [], [hex(ord(c)) for c in terminal_unsafe(text)]
    out = res.stdout.decode("utf-8")
    assert "test_pool2d" in out and "\\x1b" in out                # the message is there, escaped
