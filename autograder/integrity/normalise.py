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
would have told); code that does not even tokenise falls back to a regex.
Everything here reads text only; nothing is executed.
"""
import ast
import builtins
import io
import keyword
import re
import tokenize
from typing import NamedTuple

MAX_CHARS = 64 << 10            # of one answer, analysed (a hostile cell may be megabytes)
SHORT_STRING = 24               # literals up to this length are kept by value
# The notebooks' preamble names (``autograder.functions.PREAMBLE``) and numpy's usual alias:
# ``F.pad`` and ``torch.nn.functional.pad`` are one word.
KNOWN_ALIASES = {"F": "torch.nn.functional", "nn": "torch.nn", "np": "numpy"}


class Token(NamedTuple):
    text: str
    line: int                   # 1-based line in the text the tokens came from


def _spans_and_names(tree):
    """(bare-string statement spans, {name: canonical}) from a parsed cell."""
    spans, params, bound, imports = [], {}, set(), {}
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


def _in_spans(pos, spans):
    line, col = pos
    return any((l0, c0) <= (line, col) < (l1, c1) for l0, c0, l1, c1 in spans)


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


def _fallback(code, names):
    """Tokens of text that Python cannot tokenise: words and single symbols, comments dropped."""
    out = []
    for n, line in enumerate(code.splitlines(), 1):
        line = line.split("#", 1)[0]
        toks = [Token(names.get(w, w) if (w[0].isalpha() or w[0] == "_") and not keyword.iskeyword(w) else w, n)
                for m in _FALLBACK.finditer(line) for w in [m.group(0)]]
        if toks:
            out += toks + [Token(";", n)]
    return out


_GLOBALS = frozenset(dir(builtins)) | {"torch", "math", "numpy"} | set(KNOWN_ALIASES)


def fragment_names(params):
    """For a fragment of code out of context (a hint's inline code): every free name that is
    not a library or builtin name is the student's, so ``params`` (name -> ``P<i>``, the stubs'
    signatures) or else ``V``."""
    def name(n):
        return params.get(n) or (KNOWN_ALIASES.get(n, n) if n in _GLOBALS else "V")
    return name


def tokens(code, free=None):
    """The canonical tokens of one answer cell (see the module doc).

    ``free``: how to name identifiers the code does not bind (default: keep them,
    bar ``KNOWN_ALIASES``); :func:`fragment_names` for code shown out of context.
    """
    code = (code or "")[:MAX_CHARS]
    try:
        spans, names = _spans_and_names(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        spans, names = [], dict(KNOWN_ALIASES)
    if free is not None:
        names = _WithFree(names, free)
    out, prev = [], None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text, start = tok.type, tok.string, tok.start
            if kind in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if kind == tokenize.NEWLINE:
                if out and out[-1].text not in (";", "{"):      # a dropped docstring ends nothing
                    out.append(Token(";", start[0]))
                continue
            if kind == tokenize.INDENT:
                out.append(Token("{", start[0]))
                continue
            if kind == tokenize.DEDENT:
                out.append(Token("}", start[0]))
                continue
            if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
                if _in_spans(start, spans):
                    continue
                text = _string(text)
            elif kind == tokenize.NUMBER:
                text = _number(text)
            elif kind == tokenize.NAME and not keyword.iskeyword(text) and prev != ".":
                text = names.get(text, text)
            out.append(Token(text, start[0]))
            prev = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _fallback(code, names)
    while out and out[-1].text in (";", "}"):
        out.pop()
    return out
