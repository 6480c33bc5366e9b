"""Step 2b: integrity flags of a notebook, for a person to decide (they never change a score).

``solution_copy``: a code cell of the submission contains one of the instructor's
solution regions (``### BEGIN SOLUTION`` ... ``### END SOLUTION`` in
``source/``), compared as normalised tokens (``integrity.normalise.plain_words``):
comments, blank lines, docstrings, indentation and line wrapping do not count, so
a copy with a comment after every line, re-indented or re-wrapped, is still found.
Regions too short to tell a copy from a coincidence, and regions whose code the
released notebook already shows (the stub, or an example in the text), are ignored.
By the time an instructor grades, ``nbgrader collect`` may have turned a link to
``source/`` into a plain copy: this is how such a copy is still noticed.

``review:integrity_budget``: the notebook's code is beyond what the normaliser reads in
the trusted process (``normalise.Budget``: characters, tokens, seconds); what is within
the budget is still compared.

``link`` and ``special_file`` (a refused path) come from ``open_submission``.
``CheckIntegrity(source_dir, release_dir).flags(nb, notebook)`` is the step; the ``Grader`` owns one.
"""
import json
import pathlib
import re
import textwrap

from autograder.grading.normalise import BUDGET_FLAG, Budget, plain_words

SOLUTION_COPY = "solution_copy"
MIN_CHARS = 40                # shorter regions (without whitespace) are too likely to be written alike
_REGION = re.compile(r"^[ \t]*#{2,3}\s*BEGIN SOLUTION\s*$(.*?)^[ \t]*#{2,3}\s*END SOLUTION\s*$", re.M | re.S)
_WS = re.compile(r"\s+")
_SEP = "\x00"                 # between words of plain_words: no token text holds it (canonical literals)


def squash(text: str | None) -> str:
    """Text with every whitespace removed: reindented or rewrapped copies still match."""
    return _WS.sub("", text or "")


def _src(cell):
    s = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(s) if isinstance(s, list) else str(s)


def _load(path):
    try:
        return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def solution_regions(source_nb: dict, release_nb: dict | None = None) -> list:
    """The squashed solution regions of a source notebook worth looking for in a submission."""
    shown = "\n".join(squash(_src(c)) for c in (release_nb or {}).get("cells", []))
    regions = []
    for cell in source_nb.get("cells", []):
        for m in _REGION.finditer(_src(cell)):
            r = squash(m.group(1))
            if len(r) >= MIN_CHARS and r not in shown and r not in regions:
                regions.append(r)
    return regions


def _joined(words):
    """Words as one string to search in: a region's words are in a cell's iff its joined text is."""
    return _SEP + _SEP.join(words) + _SEP


def solution_token_regions(source_nb: dict, release_nb: dict | None = None) -> list:
    """The solution regions of a source notebook worth looking for, as joined normalised words
    (``plain_words``): regions shorter than ``MIN_CHARS`` characters of code, or whose words the
    released notebook already shows, are left out."""
    shown = "".join(_joined(plain_words(_src(c))) for c in (release_nb or {}).get("cells", []))
    regions = []
    for cell in source_nb.get("cells", []):
        for m in _REGION.finditer(_src(cell)):
            words = plain_words(textwrap.dedent(m.group(1)))
            while words and words[-1] == ";":
                words.pop()
            r = _joined(words)
            if len("".join(words)) >= MIN_CHARS and r not in shown and r not in regions:
                regions.append(r)
    return regions


class CheckIntegrity:
    """``flags(nb, notebook) -> [flag]`` for a normalised notebook (``ReadNotebook``'s output)."""

    def __init__(self, source_dir: "str | pathlib.Path", release_dir: "str | pathlib.Path"):
        self.source_dir, self.release_dir = pathlib.Path(source_dir), pathlib.Path(release_dir)
        self._regions: dict[str, list] = {}

    def regions(self, notebook: str) -> list:
        if notebook not in self._regions:
            self._regions[notebook] = solution_token_regions(_load(self.source_dir / f"{notebook}.ipynb"),
                                                             _load(self.release_dir / f"{notebook}.ipynb"))
        return self._regions[notebook]

    def flags(self, nb: dict, notebook: str) -> list[str]:
        """The notebook's flags. Its code cells are normalised within one :class:`Budget`, so a
        notebook of megabytes costs the trusted grader at most that budget."""
        regions = self.regions(notebook)
        if not regions:
            return []
        budget = Budget()
        copied = False
        for cell in nb.get("cells", []):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue                 # only code is graded; a long markdown cell is no one's copy
            text = _joined(plain_words(_src(cell), budget))
            if any(r in text for r in regions):
                copied = True
                break
            if budget.exceeded:
                break
        return ([SOLUTION_COPY] if copied else []) + ([BUDGET_FLAG] if budget.exceeded else [])

