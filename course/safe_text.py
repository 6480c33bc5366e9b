"""Text that the student's code controls (exception messages, reprs, type names),
made short and safe to show on a page, in results.json or in grades.csv."""
import re
import reprlib

# Characters of student-controlled text (an exception message, a repr, a type
# name, a cell's error) that one item of feedback may show. Every such item goes
# through `student_text`, so a submission cannot fill a page, results.json or
# grades.csv, however it arranges its errors or output.
STUDENT_TEXT_LIMIT = 200

# Control characters, and the invisible and bidi-override characters that can
# make text on a page read differently from what it is.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


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
    """Student-controlled text made safe to show: unsafe characters replaced by '?',
    cut to ``limit`` characters (with a note of how many were cut)."""
    s = text if type(text) is str else student_repr(text, limit)
    cut = len(s) - limit
    s = _UNSAFE_CHARS.sub("?", s[:limit])
    return s + (f" …（省略 {cut} 个字符 / {cut} more characters cut）" if cut > 0 else "")


def student_repr(value, limit=STUDENT_TEXT_LIMIT):
    """A student-controlled value as short, safe text (a bounded repr)."""
    try:
        s = _REPR.repr(value)
    except Exception:                   # a repr that raises is the student's problem, not ours
        s = f"<{type(value).__name__}>"
    return student_text(s, limit)
