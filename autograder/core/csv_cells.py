"""CSV cells no spreadsheet evaluates, and back: the one way every CSV the kit writes (grades.csv,
manual.csv, late.csv, intake.csv, the exports) quotes a cell, and every reader restores it.

Low in the layers (standard library only), so the pipeline, deadlines, intake and export all use it.
"""
import csv
import io
import math
import pathlib
import re

# A spreadsheet evaluates a cell that starts with one of these (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def csv_cell(value):
    """One CSV cell that no spreadsheet evaluates: numbers stay numbers, risky text gets a leading '.

    A cell already starting with ' gets one more, so :func:`csv_uncell` restores every value exactly.
    """
    if value is None or isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text                         # "-1.5" is a number, not a formula
    if text.startswith(_FORMULA_START + ("'",)):
        return "'" + text
    return text


def csv_uncell(text):
    """The value :func:`csv_cell` was given, from the cell it wrote."""
    if isinstance(text, str) and len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START + ("'",):
        return text[1:]
    return text


def csv_text(header, rows):
    """A CSV document (header row, then rows as lists) with every cell through :func:`csv_cell`."""
    buf = io.StringIO()
    # RFC 4180's CRLF: the writer then quotes a lone \r too (with "\n" it would not, and a
    # reader would take it for a line break: a student id could forge rows).
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in header])
    for r in rows:
        w.writerow([csv_cell(v) for v in r])
    return buf.getvalue()


def read_table(path: "str | pathlib.Path", option: str, error: type[Exception]) -> csv.DictReader:
    """The rows of a CSV file a person gave the kit (``option`` names it in messages: ``--id-map``,
    ``--extensions``), a spreadsheet's BOM allowed; a file that cannot be read raises ``error``
    with the reason, never a traceback."""
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{option} {str(path)!r}: {getattr(e, 'strerror', None) or e}") from None
    return csv.DictReader(text.splitlines())
