"""``nbgrader generate_feedback`` pages that work offline and hide the hidden tests.

Stock nbgrader writes its feedback with nbconvert's HTML exporter and the
``feedback`` template: math is left as ``$...$`` for MathJax, which it loads
from a CDN (offline the student reads raw ``$2\\times 2$``), and the test cells
show their whole source, hidden tests included (``from autograder.hidden import
grade``). ``nbgrader_config.py`` switches generate_feedback to:

* :class:`KitFeedback`, a preprocessor that removes every ``### BEGIN HIDDEN
  TESTS`` ... ``### END HIDDEN TESTS`` block from the cells, and renders each
  markdown formula once, offline: matplotlib's mathtext draws it as an inline
  SVG (``data:`` URI, text as paths, so no font or file is needed), and what
  mathtext cannot draw (matrices, ``cases``, Chinese inside ``\\text``) becomes
  plain HTML with Unicode symbols, sub- and superscripts;
* the ``kit_feedback`` template (``autograder/adapters/nbgrader/templates/kit_feedback``):
  nbgrader's feedback template without MathJax, its labels in Chinese and
  English, every style inline. The page loads nothing from anywhere.

Every byte of a student's markdown is hostile: rendered, it is HTML that a
student wrote (``<img onerror>``, ``javascript:`` links, ``<svg onload>``,
``<iframe srcdoc>``, mutation-XSS through ``<math>``). :func:`clean_html`
(nh3, a maintained sanitiser: an allowlist of tags and attributes, no event
handlers, no ``style`` beyond three layout properties, links only to
http/https/mailto or relative URLs, ``data:`` only for an ``<img>`` with an
image type) is applied twice, each enough alone: by :class:`KitHTMLExporter`,
whose ``markdown2html`` filter returns cleaned HTML (for every template,
including the formgrader's, where the instructor reads student markdown), and by
the ``kit_feedback`` template, which pipes each rendered markdown through the
``kit_clean`` filter (a template used by another exporter fails to render
instead of rendering unsanitised). Outputs are sanitised by nbconvert's
``sanitize_html`` (HTML outputs, no JavaScript), on top of ``ClearOutput``,
which already removed every output a student submitted.
"""
import base64
import functools
import html
import io
import os
import re

import nh3
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, default

from autograder.core.kit import kit_file

# The folder holding the ``kit_feedback`` template (nbgrader finds a template by its folder's name).
TEMPLATES = str(kit_file("autograder/adapters/nbgrader/templates/kit_feedback").parent)

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*(?:\n|\Z)",
                    re.M | re.S)

# $$display$$ or $inline$ (not inside `code`); a backslash-escaped \$ is not a delimiter.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$", re.S)
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


# ------------------------------------------------------------------ sanitising student HTML

_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}           # no image maps: hrefs outside <a>
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag in _TAGS}
_ATTRIBUTES["*"] = {"title", "lang", "dir"}
_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "width", "height", "class", "style"})
for _tag in ("span", "div", "code", "pre"):              # syntax highlighting and the kit's formulas
    _ATTRIBUTES.setdefault(_tag, set()).update({"class", "style"})
for _tag in ("th", "td"):                                 # markdown table alignment
    _ATTRIBUTES[_tag] = _ATTRIBUTES.get(_tag, set()) | {"style"}
_STYLE = {"vertical-align", "max-width", "text-align"}   # none of them takes a URL
_URL_SCHEMES = {"http", "https", "mailto", "data"}        # data: only survives on <img> (_attribute)
_IMAGE_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)(?:;base64)?,", re.I)


def _attribute(tag: str, attribute: str, value: str) -> "str | None":
    """nh3's attribute filter: a ``data:`` URL only as an image's source, and only an image type
    (an SVG in an <img> runs no script); an image never loads from another site."""
    if attribute in ("src", "href") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attribute == "src" and _IMAGE_DATA.match(value.strip()) else None
    if tag == "img" and attribute == "src" and re.match(r"\s*(?:[a-z][a-z0-9+.-]*:|//)", value, re.I):
        return None                                       # absolute or protocol-relative: remote
    return value


# Rendering caches: a class's feedback pages repeat the same book text in every notebook, so each
# distinct fragment is rendered once per `nbgrader generate_feedback` run (pure functions of their
# keys; bounded, so hundreds of students' own answers cannot grow them without end).
_RENDERED = 4096


def clean_html(fragment: object) -> str:
    """Student HTML (rendered markdown, outputs) made inert: nh3 with the kit's allowlist."""
    return _clean(str(fragment))


@functools.lru_cache(maxsize=_RENDERED)
def _clean(text: str) -> str:
    return nh3.clean(text, tags=_TAGS, attributes=_ATTRIBUTES, attribute_filter=_attribute,
                     url_schemes=_URL_SCHEMES, filter_style_properties=_STYLE,
                     clean_content_tags={"script", "style"}, link_rel="noopener noreferrer nofollow")


def _mark_english_html(fragment):
    from course.language import current_language
    return _marked(str(fragment), current_language())


@functools.lru_cache(maxsize=_RENDERED)
def _marked(fragment: str, language: str) -> str:
    from course.lang import mark_html
    return mark_html(fragment, language)      # the parts not in the page's language (course.language)


def _label(text):
    """One of the template's own labels, written "中文 / English", in the language chosen now
    (course.language; zh+en: as written)."""
    from course.language import say
    text = str(text)
    return say(*text.split(" / ", 1), both=text) if " / " in text else text


def _mark_english(text):
    """A template label (``_label``) as HTML: escaped, its parts not in the page's language marked."""
    from markupsafe import Markup
    from course.lang import mark
    return Markup(mark(_label(text)))


# The template's full-width brackets, as an English page writes them.
_ASCII_PUNCT = {"（": " (", "）": ")"}


def _punct(text):
    from course.language import current_language
    return _ASCII_PUNCT.get(text, text) if current_language() == "en" else text


class KitHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter whose ``markdown2html`` returns sanitised HTML (``clean_html``),
    with nbconvert's own ``sanitize_html`` on for outputs."""

    @default("sanitize_html")
    def _sanitize_html_default(self):
        return True

    @pass_context                       # as nbconvert's: the cell's attachments come from the context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        if cell.get("attachments"):     # rendered from the cell itself: not shared with any other
            return clean_html(super().markdown2html(context, source))
        # Everything else nbconvert's rendering reads: the source, the notebook's folder and settings.
        key = (str(source), str(context.get("resources", {}).get("metadata", {}).get("path", "")),
               self.embed_images, self.anchor_link_text, self.exclude_anchor_links, repr(self.lexer_options))
        cache = self.__dict__.setdefault("_kit_markdown", {})
        if key not in cache:
            if len(cache) >= _RENDERED:
                cache.clear()
            cache[key] = clean_html(super().markdown2html(context, source))
        return cache[key]

    def default_filters(self):
        yield from super().default_filters()
        yield ("kit_clean", clean_html)
        yield ("kit_lang", _mark_english_html)   # before kit_clean: its output is cleaned again
        yield ("kit_bi", _mark_english)          # the template's own "中文 / English" labels, in the language
        yield ("kit_say", _label)                # the same, as plain text (a title, an aria-label)
        yield ("kit_punct", _punct)              # its full-width brackets


# Pygments' style for the feedback page's code: "xcode" keeps every token colour at >= 4.5:1 on
# the page's white and light grey code backgrounds (WCAG 1.4.3); nbconvert's default drops to 3.6:1.
CODE_STYLE = "xcode"


@functools.lru_cache(maxsize=1)
def _code_css():
    from pygments.formatters import HtmlFormatter
    return HtmlFormatter(style=CODE_STYLE).get_style_defs(".highlight")


class KitFeedbackExporter(KitHTMLExporter):
    """``nbgrader generate_feedback``'s exporter: the ``kit_feedback`` template (``configure``),
    its code highlighted in colours that keep their contrast (``CODE_STYLE``)."""

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        resources["kit_code_css"] = _code_css()
        from course.lang import page_lang
        resources["kit_page_lang"] = page_lang()
        return resources

    def language(self, assignment: str | None = None) -> str:
        """The page's language: the grader's (``c.HardenedExecute.language`` in nbgrader_config.py, the
        same setting ``nbgrader autograde`` renders the rows in), else ``$COURSE_LANGUAGE``, else the
        edition's (``course_dir.EDITION_LANGUAGE``: the English edition's pages are English)."""
        import os
        from autograder.core.course_dir import EDITION_LANGUAGE
        from course.language import ENV, check_language, current_language
        chosen = self.config.get("HardenedExecute", {}).get("language") or ""
        if chosen:
            return check_language(chosen)
        if os.environ.get(ENV, "").strip():
            return current_language()
        return EDITION_LANGUAGE.get(assignment or "", current_language())

    def from_notebook_node(self, nb, resources=None, **kw):
        from course.language import in_language
        assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        with in_language(self.language(assignment)):   # the labels and the <html lang>, read while rendering
            return super().from_notebook_node(nb, resources, **kw)


def strip_hidden_tests(source):
    """The source without its hidden-test blocks (and without the blank lines they leave)."""
    out = HIDDEN.sub("", source)
    return out.strip("\n")


# ------------------------------------------------------------------ math, offline

def _normalise(tex):
    """Spellings mathtext does not know, in the ones it does."""
    tex = " ".join(tex.split())
    tex = re.sub(r"\\[td]frac", r"\\frac", tex)
    tex = re.sub(r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", tex)
    tex = re.sub(r"\\(?:big|Big|bigg|Bigg)[lr]?(?![A-Za-z])", "", tex)
    tex = re.sub(r"\\le(?![A-Za-z])", r"\\leq", tex)
    tex = re.sub(r"\\ge(?![A-Za-z])", r"\\geq", tex)
    tex = tex.replace(r"\text{", r"\mathrm{")
    return tex


@functools.lru_cache(maxsize=2048)
def math_svg(tex):
    """``tex`` drawn by mathtext as SVG bytes, or None where mathtext cannot draw it."""
    if _CJK.search(tex) or "\\begin" in tex or "\\\\" in tex:
        return None
    import matplotlib
    from matplotlib import mathtext
    try:
        buf = io.BytesIO()
        # A fixed salt (the drawing's element ids are random otherwise) and no metadata (its date):
        # a page generated twice from the same notebook is the same file.
        with matplotlib.rc_context({"svg.fonttype": "path", "mathtext.fontset": "dejavusans",
                                    "svg.hashsalt": "kit-feedback"}):
            mathtext.math_to_image(f"${_normalise(tex)}$", buf, dpi=72, format="svg")
        return re.sub(rb"\s*<metadata>.*?</metadata>", b"", buf.getvalue(), count=1, flags=re.S)
    except Exception:
        return None


_SYMBOLS = {
    "times": "×", "cdot": "·", "max": "max", "min": "min", "infty": "∞", "neq": "≠", "ne": "≠",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "to": "→", "rightarrow": "→", "in": "∈", "sum": "∑",
    "partial": "∂", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "log": "log", "exp": "exp",
    "lambda": "λ", "alpha": "α", "beta": "β", "mu": "μ", "sigma": "σ", "approx": "≈", "pm": "±",
    "ldots": "…", "cdots": "⋯", "dots": "…", "quad": "\u2003", "qquad": "\u2003\u2003", "mathrm": "",
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "", "displaystyle": "",
    "softmax": "softmax", "ReLU": "ReLU",
}


def _group(s, i):
    """(content, end) of the {...} group or the single character at s[i]."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[A-Za-z]+", s[i:])
            if m:
                return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def math_html(tex):
    """A plain-HTML rendering of ``tex`` (Unicode symbols, <sub>, <sup>): readable, never raw TeX."""
    s = html.escape(" ".join(tex.split()), quote=False)

    def env(m):
        name, body = m.group(1), m.group(2)
        rows = [r.strip() for r in body.split(r"\\")]
        rows = ["\u2002".join(math_html_inner(c.strip()) for c in r.split("&amp;")) for r in rows if r]
        opening, closing = ("\u27e8LB\u27e9", "\u27e8RB\u27e9") if name == "cases" else ("[", "]")
        return opening + " " + "; ".join(rows) + " " + closing

    s = re.sub(r"\\begin\{(\w+)\}(.*?)\\end\{\1\}", env, s)
    return math_html_inner(s).replace("\u27e8LB\u27e9", "{").replace("\u27e8RB\u27e9", "}")


def math_html_inner(s):
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+)", s[i:])
            if not m:                                   # \, \; \  \{ \} \\
                nxt = s[i + 1:i + 2]
                out.append(nxt if nxt in "{}$%#_&" else " ")
                i += 2
                continue
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac":
                a, i = _group(s, i)
                b, i = _group(s, i)
                out.append(f"({math_html_inner(a)})/({math_html_inner(b)})")
            elif name in ("text", "mathrm", "operatorname", "mathit", "mathsf", "mathtt"):
                a, i = _group(s, i)
                out.append(math_html_inner(a))
            elif name == "mathbf":
                a, i = _group(s, i)
                out.append(f"<b>{math_html_inner(a)}</b>")
            elif name == "sqrt":
                a, i = _group(s, i)
                out.append(f"√({math_html_inner(a)})")
            else:
                out.append(_SYMBOLS.get(name, name))
        elif ch in "_^":
            a, i = _group(s, i + 1)
            tag = "sub" if ch == "_" else "sup"
            out.append(f"<{tag}>{math_html_inner(a)}</{tag}>")
        elif ch in "{}":
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def render_math(markdown):
    """``markdown`` with each ``$...$`` / ``$$...$$`` replaced by an offline rendering of it."""
    def one(m):
        display = m.group(1) is not None
        tex = (m.group(1) if display else m.group(2)).strip()
        svg = math_svg(tex)
        alt = html.escape(tex, quote=True)
        if svg is not None:
            data = base64.b64encode(svg).decode("ascii")
            img = (f'<img class="math" alt="{alt}" src="data:image/svg+xml;base64,{data}" '
                   f'style="vertical-align:middle;max-width:100%">')
            return f'\n\n<div class="math-display" style="text-align:center">{img}</div>\n\n' if display else img
        body = math_html(tex)
        if display:
            return f'\n\n<div class="math-display" style="text-align:center"><span class="math">{body}</span></div>\n\n'
        return f'<span class="math" title="{alt}">{body}</span>'

    parts = _CODE.split(markdown)
    return "".join(p if i % 2 else _MATH.sub(one, p) for i, p in enumerate(parts))


class KitFeedback(Preprocessor):
    """Feedback pages that hide the hidden tests and need no MathJax (module docstring)."""

    enabled = Bool(True).tag(config=True)      # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        level = 0
        for cell in nb.cells:
            if "### BEGIN HIDDEN TESTS" in cell.source:
                cell.source = strip_hidden_tests(cell.source)
            if cell.cell_type == "markdown":
                cell.source, level = headings_in_order(cell.source, level)
                cell.source = render_math(cell.source)
        return nb, resources


_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")
_ATX = re.compile(r"^([ ]{0,3})(#{1,6})(?=[ \t]|$)")


def headings_in_order(source: str, level: int = 0) -> tuple:
    """``source`` (markdown) with no heading more than one level below the one before it (an h3
    right after an h1 becomes an h2), and the last heading's level: on the feedback page the
    headings of all the cells nest in order (WCAG 1.3.1, axe's heading-order), whatever levels a
    notebook's author chose. ``level`` is the last heading's level before this cell (0: none)."""
    out, fenced = [], False
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _ATX.match(line)
        if m:
            want = min(len(m.group(2)), level + 1)
            line = m.group(1) + "#" * want + line[m.end():]
            level = want
        out.append(line)
    return "\n".join(out), level


def configure(c):
    """Point ``nbgrader generate_feedback`` at KitFeedback and the kit_feedback template (in ``c``,
    an nbgrader config). nbgrader's own template folder stays on the path: the kit's extends it."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    import nbgrader
    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, KitFeedback]
    # The feedback exporter's own class: nothing here reaches other HTML exporters of the same
    # configuration (the formgrader's, which renders its `formgrade` template with this config).
    c.GenerateFeedback.exporter_class = KitFeedbackExporter
    c.KitFeedbackExporter.template_name = "kit_feedback"
    c.KitFeedbackExporter.extra_template_basedirs = [TEMPLATES, formgrader]
    # bootstrap.min.css, inlined by the template (nbgrader sets the same for its own exporter)
    c.KitFeedbackExporter.extra_template_paths = [
        os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "static",
                     "node_modules", "bootstrap", "dist", "css")]
