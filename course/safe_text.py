"""Text that the student controls (exception messages, reprs, type names, folder names used
as ids), made short and safe to show on a terminal, a page, in results.json or in a CSV.

One function escapes: :func:`visible`. Everything else here is built on it:

- :func:`student_text` / :func:`student_repr`: one item of feedback, cut to a length;
- :func:`display_id`: the canonical display form of a student id (look-alikes made visible,
  the backslash escaped, so two different ids never display alike);
- :func:`id_skeleton` / :func:`lookalike_groups`: ids a person cannot tell apart.
"""
import reprlib
import unicodedata

from course.language import say

# Characters of student-controlled text (an exception message, a repr, a type
# name, a cell's error) that one item of feedback may show. Every such item goes
# through `student_text`, so a submission cannot fill a page, results.json or
# grades.csv, however it arranges its errors or output.
STUDENT_TEXT_LIMIT = 200

# Unicode categories that are never shown raw: controls (C0, DEL, C1: ESC, CSI, OSC...),
# format characters (bidi overrides and isolates, zero-width characters, the BOM, soft
# hyphen, U+061C), lone surrogates (undecodable bytes of a folder name), private use,
# unassigned code points, and the line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default-ignorable characters of other categories, drawn as nothing by most fonts:
# the combining grapheme joiner, Hangul fillers, Mongolian and other variation selectors.
_IGNORABLE_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
                     (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0000, 0xE0FFF))


def _ignorable(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _IGNORABLE_RANGES)


def _hidden(c: str) -> bool:
    """Whether a character is invisible or changes how a terminal or a page shows what follows."""
    return unicodedata.category(c) in _HIDDEN_CATEGORIES or _ignorable(ord(c))


def _code(c: str) -> str:
    r"""``\x1b`` (ASCII), ``\xff`` (an undecodable byte: a surrogateescape'd folder name),
    ``\u202e``, ``\U000e0041``. A real U+00FF is ``\u00ff``, never ``\xff``: a byte and a
    character never share a code."""
    cp = ord(c)
    if cp < 0x80:
        return f"\\x{cp:02x}"
    if 0xDC80 <= cp <= 0xDCFF:                 # os.fsdecode's stand-in for the byte cp - 0xDC00
        return f"\\x{cp - 0xDC00:02x}"
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def visible(text, *, newlines: bool = False, backslash: bool = False, also=None) -> str:
    r"""Student-controlled text with every control, invisible and bidi character shown as an
    escape (``\x1b``, ``\u202e``, ``\xff`` for an undecodable byte): safe on a terminal (no
    escape sequence reaches it: ESC, CSI, OSC, DEL and the C1 controls are all escaped), and
    it reads as what it is on a page. This is the one escaping function of the kit.

    ``newlines``: keep ``\n`` and ``\t`` (multi-line feedback on a page); ``backslash``: escape
    ``\`` as ``\\`` too, so the result is injective (an id: a folder whose name is the four
    characters ``\xff`` does not display as the undecodable byte 0xff); ``also``: indices of
    further characters to escape (:func:`display_id`'s look-alikes).
    """
    s = text if type(text) is str else str(text)
    out = []
    for i, c in enumerate(s):
        if c == "\\":
            out.append("\\\\" if backslash else c)
        elif newlines and c in "\n\t":
            out.append(c)
        elif (" " <= c <= "~") and not (also and i in also):
            out.append(c)                      # plain ASCII: the common case, no table look-up
        elif _hidden(c) or (also and i in also):
            out.append(_code(c))
        else:
            out.append(c)
    return "".join(out)


def dtype_name(dt):
    """``float32`` for ``torch.float32``: how feedback names a dtype."""
    return str(dt).replace("torch.", "")


class _BoundedRepr(reprlib.Repr):
    """A repr that stops early: long containers, strings and numbers are elided, tensors
    are named by shape and dtype (never printed: a view may pose as millions of elements)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxtuple, self.maxlist, self.maxdict = 3, 12, 12, 6
        self.maxset = self.maxfrozenset = self.maxdeque = self.maxarray = 6
        self.maxstring = self.maxlong = self.maxother = STUDENT_TEXT_LIMIT

    def repr_Tensor(self, x, level):
        return f"tensor{tuple(x.shape)} {dtype_name(x.dtype)}"


_REPR = _BoundedRepr()


def student_text(text, limit=STUDENT_TEXT_LIMIT):
    """Student-controlled text made safe to show: cut to ``limit`` characters (with a note of
    how many were cut), then every unsafe character escaped (:func:`visible`; line breaks kept)."""
    s = text if type(text) is str else student_repr(text, limit)
    cut = len(s) - limit
    s = visible(s[:limit], newlines=True)
    if cut <= 0:
        return s
    return s + " …" + say(f"（省略 {cut} 个字符）", f"({cut} more characters cut)",
                         both=f"（省略 {cut} 个字符 / {cut} more characters cut）")


def student_repr(value, limit=STUDENT_TEXT_LIMIT):
    """A student-controlled value as short, safe text (a bounded repr)."""
    try:
        s = _REPR.repr(value)
    except Exception:                   # a repr that raises is the student's problem, not ours
        s = f"<{type(value).__name__}>"
    return student_text(s, limit)


# ------------------------------------------------------------------ ids

# The usual Cyrillic and Greek letters that are drawn like a Latin letter (the single-letter
# entries of Unicode TR39's confusables.txt for these scripts), and the Latin-internal
# digit/letter pairs TR39 also folds. NFKC has already folded fullwidth and mathematical
# letters. (No maintained confusables package is in the kit's pinned environment; this is
# the part of the table that student ids meet.)
_CONFUSABLE = {
    # Cyrillic, lower case
    "а": "a", "в": "B", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "K", "м": "M", "н": "H",
    "о": "o", "р": "p", "с": "c", "т": "T", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ӏ": "l", "ү": "y", "ь": "b", "ы": "bl", "ѡ": "w", "ɡ": "g",
    # Cyrillic, upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "Ѕ": "S", "І": "l", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "l",
    "Ζ": "Z",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ι": "i", "ν": "v", "υ": "u", "ρ": "p",
    "κ": "K", "α": "a", "ϲ": "c", "ϳ": "j",
    # Latin look-alikes within Latin (TR39): digit one, capital i, vertical bar; digit zero
    "1": "l", "I": "l", "|": "l", "0": "O",
}
_LATIN_TARGETS = {c for c, t in _CONFUSABLE.items() if not c.isascii()}


def _lookalike_positions(s: str) -> set:
    """Indices of the characters of an id that :func:`display_id` escapes although visible: the
    parts of a non-NFC form (``e`` + U+0301 against ``é``), compatibility forms of ASCII letters
    and digits (fullwidth ``ａ``), spaces other than U+0020, and Cyrillic or Greek letters drawn
    like Latin ones when the id mixes them with Latin letters or is made only of them (a whole
    id spoofing a Latin one). A Russian, Greek or Chinese id of its own script stays as it is."""
    out = set()
    if not unicodedata.is_normalized("NFC", s):
        for i, c in enumerate(s):
            if unicodedata.category(c).startswith("M") or unicodedata.normalize("NFC", c) != c:
                out.add(i)
    letters = [c for c in s if c.isalpha()]
    has_latin = any(c.isascii() for c in letters)
    foreign = [c for c in letters if not c.isascii()]
    spoof = bool(foreign) and all(c in _LATIN_TARGETS for c in foreign)
    for i, c in enumerate(s):
        if c.isascii():
            continue
        if unicodedata.category(c) == "Zs":
            out.add(i)
            continue
        k = unicodedata.normalize("NFKC", c)
        if k != c and k.isascii() and k.strip() and (k.isalnum() or not c.isalnum()):
            out.add(i)
        elif c in _LATIN_TARGETS and (has_latin or spoof):
            out.add(i)
    return out


def display_id(student_id) -> str:
    r"""The canonical display form of a student id: what every page, CSV, export and terminal
    line shows. Injective (two different ids never display alike: the backslash itself is
    escaped, and an undecodable byte is ``\xff`` while the four characters ``\xff`` are
    ``\\xff``), and invisible or look-alike characters are escapes, e.g. ``li\u200bwei``,
    ``\u0430nn`` (Cyrillic а), ``e\u0301`` (not NFC). An ordinary id (``s001``, ``li_wei``,
    ``李伟``) is shown as it is."""
    s = student_id if type(student_id) is str else str(student_id)
    if s.isascii() and s.isprintable() and "\\" not in s:
        return s
    return visible(s, backslash=True, also=_lookalike_positions(s))


def id_skeleton(student_id) -> str:
    """What an id looks like, for comparing ids: invisible characters removed, NFKC (fullwidth
    and compatibility forms folded), confusable letters folded to the Latin ones (TR39's
    skeleton, for the usual Latin/Cyrillic/Greek look-alikes), NFC. Case is kept."""
    s = student_id if type(student_id) is str else str(student_id)
    s = "".join(c for c in s if not (_hidden(c) and unicodedata.category(c) != "Cs"))
    s = unicodedata.normalize("NFKC", s)
    s = "".join(" " if unicodedata.category(c) == "Zs" else _CONFUSABLE.get(c, c) for c in s
                if not (_hidden(c) and unicodedata.category(c) != "Cs"))
    return unicodedata.normalize("NFC", s)


def lookalike_groups(ids) -> list:
    """Groups (sorted lists, two or more) of different ids with one skeleton: a person cannot
    tell them apart on a page, so each is named in a warning with its display form."""
    by_skeleton = {}
    for sid in sorted(set(ids)):
        by_skeleton.setdefault(id_skeleton(sid), []).append(sid)
    return sorted(g for g in by_skeleton.values() if len(g) > 1)


def lookalike_warning(group) -> str:
    """The warning naming a group of look-alike ids, each in its display form (zh / en)."""
    shown = ", ".join(f"'{display_id(s)}'" for s in group)
    return say(f"学号难以分辨：{shown}（不同的学生，请核对）",
               f"student ids that look alike: {shown} (different students: check who is who)",
               both=f"学号难以分辨 / student ids that look alike: {shown} "
               f"(不同的学生，请核对 / different students: check who is who)")


def exact_id(shown: str) -> str:
    r"""The id whose :func:`display_id` is ``shown`` (the inverse: ``\\`` is a backslash, ``\xNN``
    an ASCII character below 0x80 or the undecodable byte NN as a surrogateescape, ``\uXXXX`` and
    ``\UXXXXXXXX`` a code point). Text that is not a display form (a backslash followed by
    anything else) is taken literally there."""
    if "\\" not in shown:
        return shown
    out, i, n = [], 0, len(shown)
    while i < n:
        c = shown[i]
        if c == "\\" and i + 1 < n:
            kind = shown[i + 1]
            width = {"x": 2, "u": 4, "U": 8}.get(kind)
            digits = shown[i + 2:i + 2 + width] if width else ""
            if kind == "\\":
                out.append("\\")
                i += 2
                continue
            if width and len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                cp = int(digits, 16)
                if kind == "x" and cp >= 0x80:
                    cp += 0xDC00                   # an undecodable byte, as os.fsdecode keeps it
                if cp <= 0x10FFFF:
                    out.append(chr(cp))
                    i += 2 + width
                    continue
        out.append(c)
        i += 1
    return "".join(out)
