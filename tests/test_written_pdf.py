"""``autograder written-pdf``: one PDF per student, one page per written question in a fixed order,
read back with poppler's pdftotext: each student's answers (CJK included) on their pages, in
order; hostile text printed as text (never run or rendered as HTML); a missing notebook says
"not answered" on its page. One Chromium print per student, in a module fixture."""
import json
import shutil
import subprocess

import pytest

from autograder.cli import commands as cli
from autograder.adapters import written_pdf
from conftest import RELEASE
from support.slow import slow_fixture

QS = written_pdf.questions()
HOSTILE = '<script>document.title="x"</script><img src="http://127.0.0.1:9/x" onerror="alert(1)"> & </section>'
ANSWERS = {
    "alice": [f"答案{i}：最大汇聚保留最强的响应 / answer {i} by alice" for i in range(len(QS))],
    "bob": [HOSTILE + f" q{i}" for i in range(len(QS))],
    "carol": None,                                    # submitted no notebook with written answers
}


def _notebook_with(nb_name, texts):
    nb = json.loads((RELEASE / f"{nb_name}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in texts:
            cell["source"] = "".join(cell["source"]).replace(written_pdf.STUB, texts[gid])
    return nb


@slow_fixture(scope="module")
def pdfs(tmp_path_factory):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: run `make system` (scripts/install_system_packages.sh: poppler-utils)")
    root = tmp_path_factory.mktemp("written")
    subs = root / "submitted"
    for sid, texts in ANSWERS.items():
        folder = subs / sid / "pooling"
        folder.mkdir(parents=True)
        (folder / "01_basics.ipynb").write_bytes((RELEASE / "01_basics.ipynb").read_bytes())
        if texts is None:
            continue
        for nb_name in sorted({q.notebook for q in QS}):
            mine = {q.grade_id: t for q, t in zip(QS, texts) if q.notebook == nb_name}
            (folder / f"{nb_name}.ipynb").write_text(json.dumps(_notebook_with(nb_name, mine)), encoding="utf-8")
    out = root / "pdf"
    assert cli.main(["written-pdf", str(subs), "--out", str(out)]) == 0
    pages = {}
    for sid in ANSWERS:
        (pdf,) = out.glob(f"{sid}*.pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages[sid] = text.split("\f")
    return out, pages


def test_there_are_written_questions():
    assert len(QS) >= 3 and all(q.text for q in QS)


@pytest.mark.parametrize("sid", sorted(ANSWERS))
def test_one_page_per_question_in_order(pdfs, sid):
    _, pages = pdfs
    pages = [p for p in pages[sid] if p.strip()]
    assert len(pages) == len(QS)
    for i, (q, page) in enumerate(zip(QS, pages)):
        assert f"{i + 1}. {q.notebook}" in page and q.grade_id in page
        flat = " ".join(page.split())
        want = ANSWERS[sid][i] if ANSWERS[sid] else "未作答 / not answered"
        assert " ".join(want.split()) in flat, (sid, i, flat[:500])


def test_outline_matches_the_pages(pdfs):
    out, _ = pdfs
    lines = (out / "outline.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(QS) + 1 and lines[1].startswith("1,")
