"""``autograder written-pdf``: one PDF per student, one page per written question in a fixed order,
read back with poppler's pdftotext: each student's answers (CJK included) on their pages, in
order; hostile text printed as text (never run or rendered as HTML); a missing notebook says
"not answered" on its page. One Chromium print per student, in a module fixture. The class mixes
the editions (issue #25): an English-edition student's pages are English only, with the English
questions, and the English stub counts as not answered; ``--language`` applies one language to all."""
import json
import shutil
import subprocess

import pytest

from autograder.cli import commands as cli
from autograder.adapters import written_pdf
from conftest import RELEASE, ROOT
from support.slow import slow_fixture

QS = written_pdf.questions()
QS_EN = written_pdf.questions(assignment="pooling_en")
EDITION = {"dave": "pooling_en"}                       # everyone else: pooling
HOSTILE = '<script>document.title="x"</script><img src="http://127.0.0.1:9/x" onerror="alert(1)"> & </section>'
ANSWERS = {
    "alice": [f"答案{i}：最大汇聚保留最强的响应 / answer {i} by alice" for i in range(len(QS))],
    "bob": [HOSTILE + f" q{i}" for i in range(len(QS))],
    "carol": None,                                    # submitted no notebook with written answers
    # the English edition; the last question left as released (its stub): not answered
    "dave": [f"Max pooling keeps the strongest response, answer {i} by dave" for i in range(len(QS) - 1)] + [None],
}


def _has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _notebook_with(nb_name, texts, edition="pooling"):
    qs = {q.grade_id: q for q in (QS_EN if edition == "pooling_en" else QS)}
    nb = json.loads((ROOT / "release" / edition / f"{nb_name}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if texts.get(gid) is not None:
            src = "".join(cell["source"])
            assert src.endswith(qs[gid].stub)
            cell["source"] = src[:-len(qs[gid].stub)] + texts[gid]
    return nb


@slow_fixture(scope="module")
def pdfs(tmp_path_factory):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: run `make system` (scripts/install_system_packages.sh: poppler-utils)")
    root = tmp_path_factory.mktemp("written")
    subs = root / "submitted"
    for sid, texts in ANSWERS.items():
        edition = EDITION.get(sid, "pooling")
        folder = subs / sid / edition
        folder.mkdir(parents=True)
        (folder / "01_basics.ipynb").write_bytes((ROOT / "release" / edition / "01_basics.ipynb").read_bytes())
        if texts is None:
            continue
        for nb_name in sorted({q.notebook for q in QS}):
            mine = {q.grade_id: t for q, t in zip(QS, texts) if q.notebook == nb_name}
            (folder / f"{nb_name}.ipynb").write_text(json.dumps(_notebook_with(nb_name, mine, edition)),
                                                     encoding="utf-8")
    out = root / "pdf"
    assert cli.main(["written-pdf", str(subs), "--out", str(out)]) == 0
    pages = {}
    for sid in ANSWERS:
        (pdf,) = out.glob(f"{sid}*.pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages[sid] = text.split("\f")
    return out, pages, subs


def test_there_are_written_questions():
    assert len(QS) >= 3 and all(q.text for q in QS)


def test_each_edition_has_its_questions_and_its_stub():
    """The same cells in the same order; each edition's question text and the stub its nbgrader
    configuration declares (nbgrader_config.py), read from release/ and source/."""
    assert [(q.notebook, q.grade_id, q.points) for q in QS] == [(q.notebook, q.grade_id, q.points) for q in QS_EN]
    assert {q.stub for q in QS} == {"在这里写你的答案 / YOUR ANSWER HERE"}
    assert {q.stub for q in QS_EN} == {"YOUR ANSWER HERE"}
    assert all(q.text and not _has_chinese(q.text) and "YOUR ANSWER" not in q.text for q in QS_EN)
    assert all(_has_chinese(q.text) and "YOUR ANSWER" not in q.text for q in QS)


@pytest.mark.parametrize("sid", sorted(ANSWERS))
def test_one_page_per_question_in_order(pdfs, sid):
    _, pages, _ = pdfs
    pages = [p for p in pages[sid] if p.strip()]
    assert len(pages) == len(QS)
    english = EDITION.get(sid) == "pooling_en"
    for i, (q, page) in enumerate(zip(QS, pages)):
        assert f"{i + 1}. {q.notebook}" in page and q.grade_id in page
        flat = " ".join(page.split())
        want = ANSWERS[sid][i] if ANSWERS[sid] and ANSWERS[sid][i] else (
            "not answered" if english else "未作答 / not answered")
        assert " ".join(want.split()) in flat, (sid, i, flat[:500])
        # no language chosen: the English edition's pages are English only (their own question),
        # the Chinese edition's keep both languages
        assert _has_chinese(flat) != english, (sid, i, flat[:300])
        assert ("student:" in flat and "points" in flat) and (("学生" in flat) != english)


def test_language_chosen_applies_to_every_student(pdfs, monkeypatch, tmp_path):
    """``--language zh+en``: the English edition's student's pages are bilingual too (the words
    around the answer; the question stays the edition's). Pages as HTML (no second Chromium run)."""
    _, _, subs = pdfs
    printed = {}
    monkeypatch.setattr(written_pdf, "print_pdf", lambda text, dest, browser=None: printed.__setitem__(
        dest.stem, text))
    assert cli.main(["written-pdf", str(subs), "--out", str(tmp_path), "--language", "zh+en"]) == 0
    (dave,) = [t for k, t in printed.items() if k.startswith("dave")]
    assert "未作答 / not answered" in dave and "学生 / student" in dave and '<html lang="zh-CN">' in dave
    printed.clear()
    assert cli.main(["written-pdf", str(subs), "--out", str(tmp_path), "--language", "en"]) == 0
    (alice,) = [t for k, t in printed.items() if k.startswith("alice")]
    assert "student:" in alice and "学生" not in alice and '<html lang="en">' in alice


def test_outline_matches_the_pages(pdfs):
    out, _, _ = pdfs
    lines = (out / "outline.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(QS) + 1 and lines[1].startswith("1,")
