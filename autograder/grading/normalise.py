"""An answer cell -> a canonical token stream, each token with the line it came from.

What two copies of one piece of code still share after a disguise is what is
kept; what a copier changes for free is dropped or made canonical:

- comments, blank lines and docstrings (and any other bare string statement,
  e.g. code "commented out" in triple quotes) are dropped;
- identifiers are renamed from the AST: every parameter of a ``def`` or
  ``lambda`` becomes ``P<position>`` (the signature is given by the stub, so a
  renamed parameter still lines up), every other name the cell binds (locals,
  loop and comprehension variables, helper functions, ``except ... as``) becomes
  ``V``, an ``import ... as`` alias becomes the module's dotted name. Names the
  cell does not bind (``torch``, ``F``, ``range``) and attributes (``.shape``,
  ``.unfold``) stay: they are the library's words, not the student's choice.
  All locals share one name (as MOSS and copydetect do): first-use numbering
  would change whenever independent statements are reordered;
- layout becomes ``;`` (end of statement), ``{`` and ``}`` (indent, dedent);
- a short string literal is kept by value (quote style does not matter), a
  long one or an f-string becomes ``S``; numbers are kept by value.

Code that does not parse is still tokenised (no renaming of what the AST
would have told); from a line Python cannot tokenise on, a regex reads the rest.
Everything here reads text only; nothing is executed.

Normalise, then cut, within a :class:`Budget`: at most ``MAX_INPUT_CHARS`` characters are
read, comments, blank lines and docstrings are dropped, and only then are the tokens capped
(``MAX_TOKENS``); the tokenizer is stopped after ``MAX_RAW_TOKENS`` tokens or
``MAX_SECONDS``, and the AST (for renaming) is built only for text within the caps. A text
beyond a cap gets the ``review:integrity_budget`` flag, never a hung or bloated batch.
"""
import ast
import builtins
import io
import keyword
import re
import time
import tokenize
from typing import NamedTuple

# The budget of normalising one text (a notebook's cells together, or one answer): hostile
# text may be megabytes, and this runs in the trusted process. Honest answers are a few KiB.
MAX_INPUT_CHARS = 1 << 20       # characters read at most; the rest is not read (a budget flag)
MAX_TOKENS = 20_000             # tokens of code kept, counted after comments and docstrings are dropped
MAX_RAW_TOKENS = 400_000        # tokens looked at, comments and line breaks included
MAX_SECONDS = 2.0               # of tokenising
BUDGET_FLAG = "review:integrity_budget"
_LONG_LITERAL = 400             # a literal longer than this in the source is never SHORT_STRING long
SHORT_STRING = 24               # literals up to this length are kept by value
# The notebooks' preamble names (``autograder.exercises.PREAMBLE``) and numpy's usual alias:
# ``F.pad`` and ``torch.nn.functional.pad`` are one word.
KNOWN_ALIASES = {"F": "torch.nn.functional", "nn": "torch.nn", "np": "numpy"}


class Token(NamedTuple):
    text: str
    line: int                   # 1-based line in the text the tokens came from


def _spans_and_names(tree):
    """(bare-string statement spans, {name: canonical}) from a parsed cell."""
    spans: list = []
    params: dict[str, str] = {}
    bound: set = set()
    imports: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, (str, bytes)):
            spans.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            ordered = a.posonlyargs + a.args + ([a.vararg] if a.vararg else []) + a.kwonlyargs \
                + ([a.kwarg] if a.kwarg else [])
            for i, arg in enumerate(ordered):
                params.setdefault(arg.arg, f"P{i}")
            if not isinstance(node, ast.Lambda):
                bound.add(node.name)
        elif isinstance(node, ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, ast.Import):
            for al in node.names:
                if al.asname:
                    imports[al.asname] = al.name
        elif isinstance(node, ast.ImportFrom):
            for al in node.names:
                if al.name != "*":
                    imports[al.asname or al.name] = f"{node.module or ''}.{al.name}".lstrip(".")
    names = {n: m for n, m in KNOWN_ALIASES.items() if n not in bound}
    names.update({n: "V" for n in bound})
    names.update(params)
    names.update(imports)
    return spans, names


class _WithFree(dict):
    """A name map that asks ``free`` about names the code does not bind."""

    def __init__(self, names, free):
        super().__init__({n: m for n, m in names.items() if n not in KNOWN_ALIASES or m != KNOWN_ALIASES[n]})
        self.free = free

    def get(self, name, default=None):
        return super().get(name) or self.free(name)


def _literal(text):
    try:
        value = ast.literal_eval(text)
    except Exception:                       # f-strings, huge or odd literals
        return None
    return value


_PLAIN_STRING = re.compile(r"'[^'\\\n]*'" + r'|"[^"\\\n]*"')


def _string(text):
    if _PLAIN_STRING.fullmatch(text):
        value = text[1:-1]                  # a plain literal: no need to parse it
    else:
        value = _literal(text)
    if isinstance(value, str) and len(value) <= SHORT_STRING:
        return repr(value)
    return "S"


def _number(text):
    if text.isdigit() and len(text) <= 40 and (text[0] != "0" or text == "0"):
        return text                         # a plain decimal integer is its own value
    value = _literal(text)
    return repr(value) if isinstance(value, (int, float, complex)) and len(text) <= 40 else text[:40]


_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")


_GLOBALS = frozenset(dir(builtins)) | {"torch", "math", "numpy"} | set(KNOWN_ALIASES)


def fragment_names(params):
    """For a fragment of code out of context (a hint's inline code): every free name that is
    not a library or builtin name is the student's, so ``params`` (name -> ``P<i>``, the stubs'
    signatures) or else ``V``."""
    def name(n):
        return params.get(n) or (KNOWN_ALIASES.get(n, n) if n in _GLOBALS else "V")
    return name


class Budget:
    """What normalising hostile text may cost in the trusted process: characters read, tokens
    looked at (comments and line breaks included) and seconds, shared by every text given to it
    (one notebook, one answer). The caps apply before anything is built from the text; what
    is beyond them is not read, and ``exceeded`` says why (the ``review:integrity_budget`` flag:
    a person looks, rather than a hung or bloated batch)."""

    def __init__(self, chars: int = None, raw_tokens: int = None, seconds: float = None,
                 clock=time.monotonic):
        self.chars = MAX_INPUT_CHARS if chars is None else chars
        self.raw_tokens = MAX_RAW_TOKENS if raw_tokens is None else raw_tokens
        self.clock = clock
        self.deadline = clock() + (MAX_SECONDS if seconds is None else seconds)
        self.exceeded = ""

    def over(self, why: str) -> None:
        self.exceeded = self.exceeded or why

    def take(self, text: str) -> str:
        """``text``, cut to the characters left to read (the cut is ``exceeded``)."""
        if len(text) > self.chars:
            self.over(f"more than {MAX_INPUT_CHARS >> 10} KiB of code")
            text = text[:max(0, self.chars)]
        self.chars -= len(text)
        return text

    def tick(self) -> bool:
        """One more token looked at; False once a cap is reached."""
        self.raw_tokens -= 1
        if self.raw_tokens < 0:
            self.over("too many tokens")
            return False
        if not self.raw_tokens & 1023 and self.clock() > self.deadline:
            self.over("too slow to normalise")
            return False
        return not self.exceeded or not self.exceeded.startswith("too")


_SKIP = (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER)
_STARTS = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


def _error_line(e, default):
    """The line a tokenize failure is at (TokenError's position, IndentationError's lineno)."""
    if isinstance(e, tokenize.TokenError) and len(e.args) > 1 and isinstance(e.args[1], tuple):
        return max(1, e.args[1][0])
    return max(1, getattr(e, "lineno", None) or default)


def _raw_tokens(code, budget):
    """([(kind, text, line)], complete): the code's tokens without comments, blank lines and bare
    string statements (docstrings, code "commented out" in quotes), at most ``MAX_TOKENS`` of them.
    Python's tokenizer reads line by line; text it cannot tokenise is read on from the line it
    failed at by a plain regex (so a stray quote at the end hides nothing above it)."""
    out: list = []
    complete, fail_line = True, None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if not budget.tick():
                return _without_bare_strings(out), False
            if tok.type in _SKIP:
                continue
            out.append((tok.type, tok.string, tok.start[0]))
            if len(out) > MAX_TOKENS + 64:               # a little slack: bare strings are removed next
                break
    except (tokenize.TokenError, IndentationError, SyntaxError) as e:
        complete = False
        fail_line = _error_line(e, out[-1][2] if out else 1)
        out = [t for t in out if t[2] < fail_line]
    out = _without_bare_strings(out)
    if fail_line is not None:
        rest = code.splitlines()[fail_line - 1:]
        out += _fallback_raw(rest, fail_line, budget)
    if len(out) > MAX_TOKENS:
        budget.over(f"more than {MAX_TOKENS} tokens of code")
        out, complete = out[:MAX_TOKENS], False
    return out, complete


def _without_bare_strings(raw):
    """Tokens without the statements that are only a string (a docstring): a run of STRING tokens
    at the start of a statement, ended by NEWLINE (or the end)."""
    out: list = []
    i, n = 0, len(raw)
    while i < n:
        at_start = not out or out[-1][0] in _STARTS
        if at_start and raw[i][0] == tokenize.STRING:
            j = i
            while j < n and raw[j][0] == tokenize.STRING:
                j += 1
            if j == n or raw[j][0] == tokenize.NEWLINE:
                i = j + 1
                continue
        out.append(raw[i])
        i += 1
    return out


def _fallback_raw(lines, first, budget):
    """Words and single symbols of lines Python cannot tokenise, comments dropped, ``;`` at each end."""
    out: list = []
    for n, line in enumerate(lines, first):
        words = [m.group(0) for m in _FALLBACK.finditer(line.split("#", 1)[0])]
        for w in words:
            if not budget.tick() or len(out) > MAX_TOKENS:
                return out
            kind = tokenize.NAME if (w[0].isalpha() or w[0] == "_") else tokenize.OP
            out.append((kind, w, n))
        if words:
            out.append((tokenize.NEWLINE, "", n))
    return out


def _canonical(raw, names):
    """Token texts of raw tokens: layout as ``;`` ``{`` ``}``, literals by value, names renamed."""
    out: list = []
    prev = None
    for kind, text, line in raw:
        if kind == tokenize.NEWLINE:
            if out and out[-1].text not in (";", "{"):
                out.append(Token(";", line))
            prev = None
            continue
        if kind == tokenize.INDENT:
            out.append(Token("{", line))
            continue
        if kind == tokenize.DEDENT:
            out.append(Token("}", line))
            continue
        if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
            text = _string(text) if len(text) <= _LONG_LITERAL else "S"
        elif kind == tokenize.NUMBER:
            text = _number(text)
        elif kind == tokenize.NAME and not keyword.iskeyword(text) and prev != ".":
            text = names.get(text, text)
        out.append(Token(text, line))
        prev = text if kind == tokenize.OP else None
    while out and out[-1].text in (";", "}"):
        out.pop()
    return out


def tokens(code, free=None, budget=None):
    """The canonical tokens of one answer cell (see the module doc).

    Normalise, then cut: at most ``budget.chars`` characters are read (``MAX_INPUT_CHARS``), then
    comments, blank lines and docstrings are dropped, and only then are the tokens capped
    (``MAX_TOKENS``): a long comment never pushes code out of what is compared. Identifiers
    are renamed from the AST, which is built only for text within the caps. ``budget``
    (a :class:`Budget`, default a fresh one) says whether a cap was reached.

    ``free``: how to name identifiers the code does not bind (default: keep them,
    bar ``KNOWN_ALIASES``); :func:`fragment_names` for code shown out of context.
    """
    budget = Budget() if budget is None else budget
    code = budget.take(code or "")
    raw, complete = _raw_tokens(code, budget)
    names = dict(KNOWN_ALIASES)
    if complete and not budget.exceeded:
        try:
            _spans, names = _spans_and_names(ast.parse(code))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    if free is not None:
        names = _WithFree(names, free)
    return _canonical(raw, names)


def plain_words(code, budget=None):
    """The code's words for finding one text inside another (the solution-copy check): tokens
    without comments, blank lines, docstrings and indentation, literals by value, statement
    ends as ``;``; names as written (a region of a solution is not a whole cell, so there is no
    AST to rename from). Bounded as :func:`tokens`."""
    budget = Budget() if budget is None else budget
    raw, _ = _raw_tokens(budget.take(code or ""), budget)
    return [t.text for t in _canonical([r for r in raw if r[0] not in (tokenize.INDENT, tokenize.DEDENT)], {})]
