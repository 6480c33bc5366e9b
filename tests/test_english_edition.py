"""The English edition (issue #25): one source of code, two nbgrader assignments, one class.

* source/pooling_en/ is what scripts/build_english_edition.py builds from source/pooling/ and
  editions/en/ (never edited by hand), and the build refuses prose that does not fit;
* every code cell of both editions -- solutions, test cells, stubs, hints' code, demo code -- runs
  the same code: the same id and metadata, and the same tokens once comments and docstrings (the
  only words the build translates, from editions/en/code.md) are set aside -- checked twice, by
  the build's tokenize comparison and independently here by ``ast``; a cell without comments or
  docstrings in Chinese is byte-identical; the one declared difference is the English edition's
  language cell; the markdown cells are the same cells (ids, nbgrader metadata)
  in another language; the same holds for release/ (what nbgrader generates);
* a class that mixes the editions grades with identical points for identical code, through
  ``autograder grade``, ``export`` and ``nbgrader autograde pooling_en`` (graded once, a few students).

That each edition's release/ is what nbgrader generates from its source is
tests/test_notebooks.py::test_generate_assignment_reproduces_release (both editions, one course).
"""
import ast
import csv
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from support.slow import slow_fixture

sys.path.insert(0, str(ROOT / "scripts"))
import build_english_edition as build  # noqa: E402

sys.path.insert(0, str(ROOT / "examples"))
from make_class import solution_code  # noqa: E402

ZH, EN = build.ZH, build.EN
STEMS = sorted(p.stem for p in (ROOT / "source" / ZH).glob("*.ipynb"))
BIN = pathlib.Path(sys.executable).parent


def _nb(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _no_checksum(meta):
    meta = json.loads(json.dumps(meta))
    meta.get("nbgrader", {}).pop("checksum", None)
    return meta


def _executable(source):
    """What runs, as ``ast`` sees it (independent of the build's tokenize comparison): the syntax
    tree without positions, each docstring a placeholder. Identifiers, literals, operators and
    structure all count; comments and layout cannot (ast never sees them)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                first.value.value = "<docstring>"
    return ast.dump(tree)


def _words_of_code(source):
    """The comments and docstrings of a code cell: the only words the build may translate."""
    import io
    import tokenize
    words = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                words.append(doc)
    return words


def _without_language_cell(cells):
    """The English cells with the declared language cell taken out (asserting it is where it must be)."""
    ids = [c.get("id") for c in cells]
    i = ids.index(build.LANGUAGE_CELL["id"])
    assert ids[i - 1] == build.AFTER_CELL, "the language cell comes right after the course cell"
    cell = cells[i]
    assert cell["cell_type"] == "code" and _src(cell) == build.LANGUAGE_CELL["source"]
    assert ids.count(build.LANGUAGE_CELL["id"]) == 1
    return cells[:i] + cells[i + 1:]


# ------------------------------------------------------------------ one source of code

def test_english_source_is_what_the_build_makes():
    assert build.stale() == [], "source/pooling_en/ is stale: run `make release` (scripts/build_english_edition.py)"


@pytest.mark.parametrize("folder", ["source", "release"])
@pytest.mark.parametrize("stem", STEMS)
def test_code_cells_are_identical(folder, stem):
    """Same cells in the same order; code cells byte-identical (id, source, metadata, nbgrader's
    included); markdown cells the same cells (id, metadata) with other words; apart from the
    declared language cell, nothing else differs."""
    zh = _nb(ROOT / folder / ZH / f"{stem}.ipynb")
    en = _nb(ROOT / folder / EN / f"{stem}.ipynb")
    en_cells = _without_language_cell(en["cells"])
    assert [(c["cell_type"], c.get("id")) for c in zh["cells"]] == [(c["cell_type"], c.get("id")) for c in en_cells]
    for a, b in zip(zh["cells"], en_cells):
        if a["cell_type"] == "code":
            where = (folder, stem, a.get("id"))
            # the same code: tokens (the build's check) and syntax trees (this test's own), words aside
            assert build.code_tokens(_src(a)) == build.code_tokens(_src(b)), where
            assert _executable(_src(a)) == _executable(_src(b)), where
            if not any(build.HAN.search(w) for w in _words_of_code(_src(a))):
                assert _src(a) == _src(b), where                            # nothing to translate: the same bytes
            if _src(a) == _src(b):
                assert a["metadata"] == b["metadata"], where                # nbgrader's checksum included
            else:                                                           # the checksum is of the words too
                assert _no_checksum(a["metadata"]) == _no_checksum(b["metadata"]), where
            assert a.get("outputs") == b.get("outputs") and a.get("execution_count") == b.get("execution_count")
        else:
            # the same grade cell (id, points, optional mark); only a checksum of its words differs
            assert _no_checksum(a["metadata"]) == _no_checksum(b["metadata"]), (stem, a.get("id"))
            assert _src(a) != _src(b) or not _src(a).strip(), f"{stem}: markdown cell {a.get('id')} was not translated"
    assert zh["metadata"] == en["metadata"] and zh["nbformat"] == en["nbformat"]


def test_both_editions_carry_the_same_student_wheel():
    for folder in ("source", "release"):
        zh = {p.name: p.read_bytes() for p in (ROOT / folder / ZH).glob("*.whl")}
        en = {p.name: p.read_bytes() for p in (ROOT / folder / EN).glob("*.whl")}
        assert zh and zh == en, folder


@pytest.mark.parametrize("folder", ["source", "release"])
def test_english_words_are_english(folder):
    """No Chinese left in the English edition's words: the prose, the code cells' comments and
    docstrings, nbgrader's answer stubs (string literals are code: shared labels go through
    ``course.language.say``). The Chinese edition keeps its own."""
    found = {}
    for stem in STEMS:
        for cell in _nb(ROOT / folder / EN / f"{stem}.ipynb")["cells"]:
            words = [_src(cell)] if cell["cell_type"] == "markdown" else _words_of_code(_src(cell))
            for w in words:
                han = [ch for ch in w if "\u4e00" <= ch <= "\u9fff"]
                assert not han, (stem, cell.get("id"), "".join(han[:20]))
            if folder == "release":
                found["code"] = found.get("code") or "# YOUR CODE HERE" in words
                found["text"] = found.get("text") or (cell["cell_type"] == "markdown"
                                                      and "YOUR ANSWER HERE" in _src(cell))
    if folder == "release":          # the English stubs really are there (EditionClearSolutions)
        assert found == {"code": True, "text": True}
        zh = "".join(_src(c) for stem in STEMS for c in _nb(ROOT / folder / ZH / f"{stem}.ipynb")["cells"])
        assert "# 在这里写你的代码 / YOUR CODE HERE" in zh and "在这里写你的答案 / YOUR ANSWER HERE" in zh


def test_code_comparison_sees_code_and_only_code():
    """The two comparisons of code (the build's tokens, the test's syntax trees) accept a changed
    comment or docstring and refuse a changed identifier, literal or operator."""
    cell = 'def f(x, n=2):\n    """说明。"""\n    y = x + 1  # 注释\n    return y * n, "字"\n'
    same = cell.replace("说明。", "Docs.").replace("# 注释", "# a comment")
    for compare in (build.code_tokens, _executable):
        assert compare(cell) == compare(same)
        for changed in (cell.replace("y = x", "z = x"), cell.replace("n=2", "n=3"), cell.replace('"字"', '"w"'),
                        cell.replace("x + 1", "x - 1")):
            assert compare(cell) != compare(changed), changed
    assert build.code_tokens(cell) != build.code_tokens(cell.replace('"""说明。"""', '"""说明。"""\n    pass'))


def _scratch_course(tmp_path):
    (tmp_path / "source").mkdir()
    shutil.copytree(ROOT / "source" / ZH, tmp_path / "source" / ZH)
    shutil.copytree(ROOT / "editions", tmp_path / "editions")
    return tmp_path


def test_build_refuses_a_markdown_cell_without_english(tmp_path):
    root = _scratch_course(tmp_path)
    prose = root / "editions" / "en" / "03_cost.md"
    text = prose.read_text(encoding="utf-8")
    prose.write_text(text.replace("<!-- cell: 03-rule -->", "<!-- cell: 03-rule-gone -->"), encoding="utf-8")
    with pytest.raises(build.ProseError) as e:
        build.build(root)
    assert "03-rule" in str(e.value) and "no English text" in str(e.value)
    assert "03-rule-gone" in str(e.value) and "for no markdown cell" in str(e.value)


def test_build_refuses_a_comment_without_english_and_english_for_no_comment(tmp_path):
    root = _scratch_course(tmp_path)
    table = root / "editions" / "en" / build.CODE_TABLE
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace("<!-- zh -->\n每侧填充 2\n", "<!-- zh -->\n每侧填充 3\n"), encoding="utf-8")
    with pytest.raises(build.ProseError) as e:
        build.build(root)
    assert "03-rule-code" in str(e.value) and "每侧填充 2" in str(e.value)
    table.write_text(text + "\n<!-- zh -->\n没有这条注释\n<!-- en -->\nno such comment\n", encoding="utf-8")
    with pytest.raises(build.ProseError, match="没有这条注释"):
        build.build(root)
    table.write_text(text.replace("padding 2 on each side", "每侧 2"), encoding="utf-8")
    with pytest.raises(build.ProseError, match="no English for"):
        build.build(root)


def test_build_refuses_english_for_a_code_cell_and_a_missing_file(tmp_path):
    root = _scratch_course(tmp_path)
    prose = root / "editions" / "en" / "05_gradients.md"
    prose.write_text(prose.read_text(encoding="utf-8") + "\n<!-- cell: 05-004 -->\nprint('prose for code')\n",
                     encoding="utf-8")
    with pytest.raises(build.ProseError, match="05-004"):
        build.build(root)
    prose.unlink()
    with pytest.raises(build.ProseError, match="05_gradients: no English prose"):
        build.build(root)


# ------------------------------------------------------------------ a mixed class, graded once

# student -> (edition, {function: "solution" | mutant file}, written answers): a Chinese and an
# English student with the same code each time, so points must be identical pair by pair.
CODE = {"a": {"pool2d": "solution", "pool2d_padded": "zero_pad_max.py", "avg_pool_as_conv": "solution"},
        "b": {"pool2d": "solution", "pool2d_padded": "solution", "avg_pool_as_conv": "full_kernel.py"}}
MIXED = {"zh_a": (ZH, CODE["a"], {"answer_ex2"}), "en_a": (EN, CODE["a"], {"answer_ex2"}),
         "zh_b": (ZH, CODE["b"], set()), "en_b": (EN, CODE["b"], set())}
NOTEBOOKS = ("01_basics", "02_as_convolution")      # the others: not submitted (cheap)


def _submission(edition, answers, written):
    out = {}
    for stem in NOTEBOOKS:
        nb = _nb(ROOT / "release" / edition / f"{stem}.ipynb")
        source = _nb(ROOT / "source" / ZH / f"{stem}.ipynb")
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            fn = gid[len("answer_"):]
            if fn in answers:
                kind = answers[fn]
                cell["source"] = (solution_code(source, fn) if kind == "solution" else
                                  (ROOT / "tests" / "mutants" / fn / kind).read_text(encoding="utf-8"))
            elif gid in written:
                cell["source"] = "A convolution is affine; max is not: max((2,1)+(1,2)) = 3 != 4.\n"
        out[stem] = json.dumps(nb, ensure_ascii=False)
    return out


def _env():
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("AUTOGRADER_COURSE_DIR", None)
    return env


def _run(*args, cwd=None, timeout=900):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@slow_fixture(scope="module")
def mixed(tmp_path_factory):
    """The mixed class graded once: ``autograder grade`` + ``export --to csv``; and the English
    students through ``nbgrader autograde pooling_en`` in a course copy."""
    base = tmp_path_factory.mktemp("mixed")
    subs = base / "submitted"
    for student, (edition, answers, written) in MIXED.items():
        folder = subs / student / edition
        folder.mkdir(parents=True)
        for stem, text in _submission(edition, answers, written).items():
            (folder / f"{stem}.ipynb").write_text(text, encoding="utf-8")
    course = base / "course"
    course.mkdir()
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, course / name)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(subs, course / "submitted")
    _run(BIN / "nbgrader", "generate_assignment", EN, "--force", cwd=course)
    # nbgrader's autograde and the kit's grade side by side (two cores), each on its own copy
    autograde = subprocess.Popen([str(BIN / "nbgrader"), "autograde", EN], cwd=course, env=_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = base / "out"
        cli = [sys.executable, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())"]
        graded = _run(*cli, "grade", subs, "--out", out, "--quiet", "--force",
                      "--workers", "1")
        _run(*cli, "export", out, "--to", "csv", cwd=base)
        log = autograde.communicate(timeout=1800)[0]
    finally:
        if autograde.poll() is None:
            autograde.kill()
    assert autograde.returncode == 0, log[-4000:]
    return {"out": out, "base": base, "course": course, "stderr": graded.stderr,
            "grades": _csv(out / "grades.csv"), "manual": _csv(out / "manual.csv")}


PAIRS = [("zh_a", "en_a"), ("zh_b", "en_b")]


@pytest.mark.parametrize("zh,en", PAIRS)
def test_mixed_class_identical_points_for_identical_code(mixed, zh, en):
    rows = {}
    for r in mixed["grades"]:
        rows.setdefault(r["student_id"], {})[r["notebook"], r["grade_id"]] = r
    assert rows[zh].keys() == rows[en].keys() and len(rows[zh]) > 0
    for key in rows[zh]:
        a, b = rows[zh][key], rows[en][key]
        assert (a["points"], a["max_points"], a["status"], a["groups_failed"], a["misconception"]) == (
            b["points"], b["max_points"], b["status"], b["groups_failed"], b["misconception"]), key
    assert {r["assignment"] for r in rows[zh].values()} == {ZH}
    assert {r["assignment"] for r in rows[en].values()} == {EN}
    # the code really was graded: a solution earns full points, a mutant loses some
    full = [k for k, r in rows[zh].items() if float(r["points"]) == float(r["max_points"]) > 0]
    lost = [k for k, r in rows[zh].items() if r["status"] == "failed"]
    assert full and lost, rows[zh]
    from autograder.run.write import student_dir
    score = {s: json.loads((student_dir(mixed["out"], s) / "results.json").read_text(encoding="utf-8"))["score"]
             for s in (zh, en)}
    assert score[zh] == score[en] > 0


@pytest.mark.parametrize("zh,en", PAIRS)
def test_mixed_class_written_answers_follow_each_edition(mixed, zh, en):
    """An untouched written cell is not "answered" whichever edition's stub it holds; a filled one is."""
    manual = {(r["student_id"], r["notebook"], r["grade_id"]): r for r in mixed["manual"]}
    for (s, nb, gid), r in manual.items():
        if s not in (zh, en):
            continue
        wrote = gid in MIXED[s][2] and nb in NOTEBOOKS
        assert (r["answered"] == "True") == wrote, (s, nb, gid)
        assert r["assignment"] == MIXED[s][0]
    assert {k[1:] for k in manual if k[0] == zh} == {k[1:] for k in manual if k[0] == en}


def _has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("zh,en", PAIRS)
def test_mixed_class_each_edition_reads_its_own_language(mixed, zh, en):
    """No language chosen (no --language, no $COURSE_LANGUAGE): the English edition's students get
    English only, in grades.csv's messages and on their feedback pages; the Chinese edition's keep
    Chinese with English beside it (GradingConfig.language_for)."""
    from autograder.run.write import student_dir
    messages = {s: [r["message"] for r in mixed["grades"] if r["student_id"] == s and r["message"]]
                for s in (zh, en)}
    assert messages[en] and not any(_has_chinese(m) for m in messages[en]), messages[en]
    assert any(_has_chinese(m) and " / " in m for m in messages[zh]), messages[zh]
    for s, lang in ((zh, 'lang="zh-CN"'), (en, 'lang="en"')):
        page = (student_dir(mixed["out"], s) / "01_basics.html").read_text(encoding="utf-8")
        assert f"<html {lang}" in page, (s, page[:200])
    page_en = (student_dir(mixed["out"], en) / "01_basics.html").read_text(encoding="utf-8")
    assert not _has_chinese(page_en.split("<body", 1)[1].split("<pre", 1)[0])   # student code aside


def test_mixed_class_export_names_each_edition(mixed):
    rows = {r["student_id"]: r for r in _csv(mixed["out"] / "scores.csv")}      # export's default file
    for zh, en in PAIRS:
        assert rows[zh]["assignment"] == ZH and rows[en]["assignment"] == EN
        assert rows[zh]["total"] == rows[en]["total"] and rows[zh]["max_total"] == rows[en]["max_total"]


def test_mixed_class_nbgrader_autograde_pooling_en_agrees(mixed):
    """``nbgrader autograde pooling_en`` grades the English students as ``autograder grade`` did,
    and leaves the Chinese students to ``nbgrader autograde pooling``."""
    from nbgrader.api import Gradebook
    kit = {(r["student_id"], r["notebook"], r["grade_id"]): float(r["points"]) for r in mixed["grades"]}
    seen = 0
    with Gradebook("sqlite:///" + str(mixed["course"] / "gradebook.db")) as gb:
        subs = {s.student.id for s in gb.find_assignment(EN).submissions}
        assert subs == {s for s, (e, _, _) in MIXED.items() if e == EN}
        for student in subs:
            for stem in NOTEBOOKS:
                nb = gb.find_submission_notebook(stem, EN, student)
                for g in nb.grades:
                    if g.cell.cell_type == "code" and g.auto_score is not None:
                        assert g.auto_score + (g.extra_credit or 0) == kit[student, stem, g.name], (student, g.name)
                        seen += 1
    assert seen >= 4


# ------------------------------------------------------------------ which edition a student did

def test_find_class_takes_each_students_edition_and_says_what_it_leaves(tmp_path):
    from autograder.pipeline.find_submissions import find_class
    for student, folders in {"a": [ZH], "b": [EN], "both": [ZH, EN], "typo": ["Pooling"]}.items():
        for folder in folders:
            (tmp_path / student / folder).mkdir(parents=True)
    warnings = []
    subs = {s.student_id: s for s in find_class(tmp_path, ["01_basics"], warnings.append, (ZH, EN))}
    assert {s: (x.assignment, bool(x.note)) for s, x in subs.items()} == {
        "a": (ZH, False), "b": (EN, False), "both": (ZH, False), "typo": (ZH, True)}
    assert any("both" in w and "only pooling/ is graded" in w for w in warnings), warnings
    # one edition's run (nbgrader autograde pooling_en): the other edition's students are named, not graded
    warnings.clear()
    subs = {s.student_id: s for s in find_class(tmp_path, ["01_basics"], warnings.append, EN)}
    assert set(subs) == {"b", "both"} and subs["both"].assignment == EN
    assert any(w.startswith("另一版本的作业") and ": a (" in w for w in warnings), warnings


# ------------------------------------------------------------------ the instructor's commands' language

@pytest.mark.parametrize("language", ["en", "zh", "zh+en"])
def test_intake_speaks_the_chosen_language(tmp_path, capsys, monkeypatch, language):
    """``autograder intake --language``: its lines and intake.csv's reasons in that language (a
    Moodle folder: a placed notebook, a link refused, a notebook no one can place, a hidden file).
    Names and paths are the student's, whatever the language; only the kit's words change."""
    import os
    from autograder.cli import commands as cli
    monkeypatch.delenv("COURSE_LANGUAGE", raising=False)
    dl = tmp_path / "moodle"
    a = dl / "Jane Doe_4711_assignsubmission_file_"
    a.mkdir(parents=True)
    (a / "01_basics.ipynb").write_bytes((ROOT / "release" / EN / "01_basics.ipynb").read_bytes())
    (a / "homework.ipynb").write_bytes(b"{}")
    (a / ".DS_Store").write_bytes(b"x")
    os.symlink("/etc/passwd", a / "02_as_convolution.ipynb")
    status = cli.main(["intake", str(dl), "--to", str(tmp_path / "submitted"), "--language", language])
    assert status == 1                                          # some files found no place
    said = capsys.readouterr().err
    reasons = " ".join(r["reason"] for r in _csv(tmp_path / "submitted" / "intake.csv"))
    words = said.replace(str(tmp_path), "") + reasons
    assert ("not placed" in said and "not followed" in reasons) == (language != "zh"), said
    assert _has_chinese(words) == (language != "en"), words
    assert ("未放入" in said and " / files not placed" in said) == (language == "zh+en"), said


def test_intake_bad_input_speaks_the_chosen_language(tmp_path, capsys, monkeypatch):
    from autograder.cli import commands as cli
    monkeypatch.setenv("COURSE_LANGUAGE", "en")                 # the course's choice, no flag
    assert cli.main(["intake", str(tmp_path / "missing.zip"), "--to", str(tmp_path / "x")]) == 2
    said = capsys.readouterr().err
    assert "not found" in said and not _has_chinese(said), said


def test_report_renders_every_row_in_the_chosen_language(mixed):
    """A mixed class's report in one language (issue #25): each graded function's message is made
    again from its typed result (status, faults, groups failed), whatever language the row was
    graded in; in the language it was graded in, that is the very message grades.csv holds."""
    from autograder.report.report import write_report
    graded = {(r["student_id"], r["notebook"], r["grade_id"]): r["message"] for r in mixed["grades"]}
    seen = {}
    for language in ("en", "zh+en", "zh"):
        rep = write_report(mixed["out"], integrity=False, language=language)
        rows = {(r["student_id"], r["notebook"], r["grade_id"]): r for r in _csv(mixed["out"] / "report_tests.csv")}
        assert rows.keys() == graded.keys()
        for key, r in rows.items():
            edition = MIXED[key[0]][0]
            assert r["message"], key
            if language == "en":
                assert not _has_chinese(r["message"]), (key, r["message"])
            else:
                assert _has_chinese(r["message"]), (key, r["message"])
                assert (" / " in r["message"]) == (language == "zh+en") or r["status"] == "failed", (key, r["message"])
            graded_in = "en" if edition == EN else "zh+en"        # no language chosen when graded
            if language == graded_in:
                assert r["message"] == graded[key], (key, r["message"], graded[key])
        assert rep.messages_kept == 0               # every row of this class is a graded function
        page = (mixed["out"] / "report.html").read_text(encoding="utf-8")
        assert "messages-kept" not in page
        seen[language] = rows
    # the same row, three languages: the English edition's rows were graded in English only
    en_row = next(k for k in graded if k[0] == "en_a" and seen["en"][k]["status"] == "failed")
    assert seen["zh"][en_row]["message"] != seen["en"][en_row]["message"]


def test_report_keeps_untyped_messages_and_says_so():
    """A row the report cannot render again (a function not defined, the student's text inside)
    stays as graded and is counted for the page's note when it is in another language; the kit's
    fixed messages ("notebook not submitted") are rendered again; a typed row as its result says."""
    from autograder.core.results import FunctionResult, Row
    from autograder.report.data import _other_language, in_report_language
    from course.language import in_language
    rows = [Row("s", EN, "01_basics", "test_pool2d", 0.0, 2.0, "error", "pool2d 没有在本笔记本中定义 / pool2d is not defined"),
            Row("s", EN, "02_as_convolution", "test_avg_pool_as_conv", 0.0, 2.0, "error", "notebook not submitted"),
            Row("s", EN, "01_basics", "test_pool2d_padded", 2.0, 2.0, "passed", "all checks passed")]
    results = {("s", "pool2d_padded"): FunctionResult("pool2d_padded", 2.0, 2.0, 1.0, "passed", "all checks passed", "")}
    with in_language("zh"):
        out, kept = in_report_language(rows, results)
    assert [r.message for r in out] == [rows[0].message, "未提交", "全部通过"]
    assert kept == [rows[0]]
    assert _other_language(kept[0].message, "en") and not _other_language("notebook not submitted", "en")
    assert _other_language("notebook not submitted", "zh") and not _other_language("未提交", "zh")
