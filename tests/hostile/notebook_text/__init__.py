"""Hostile notebook TEXT for the nbgrader path: unencodable strings and HTML in markdown.

``STUDENTS``: folder name (str, or bytes when not UTF-8) -> (the bytes of its
``01_basics.ipynb``, its expected 01_basics points out of 5, or None where
nbgrader cannot store the student). ``EXTRA_FILES``: other files some students
hand in beside it. Every notebook holds the instructor's answers, so each
student who is graded at all has full marks: the hostile text must cost
nothing and win nothing, except where it breaks the student's own code
(``sur_code``: a lone surrogate in the answer cell does not compile, in the
child as in ``autograder grade``).

Lone surrogates reach a notebook as JSON escapes (``"\\ud800"``): valid JSON,
but no UTF-8 writer (nbformat, sqlite, the HTML exporter) can encode them.
"""
import copy
import json
import pathlib

SOURCE = pathlib.Path(__file__).resolve().parents[3] / "source" / "pooling"
LONE = "\ud800"                      # a high surrogate alone; "\udfff" a low one; "\udcff" an undecodable byte


def source_nb():
    return json.loads((SOURCE / "01_basics.ipynb").read_text(encoding="utf-8"))


def dump(nb):
    """JSON with ensure_ascii: each lone surrogate written as its \\uXXXX escape, as a hand edit would."""
    return json.dumps(nb).encode("ascii")


def _cell(nb, gid):
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


def _variant(edit):
    nb = source_nb()
    edit(nb)
    return dump(nb)


def _markdown(nb):
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": f"# 我的笔记 {LONE} notes\n"})


def _written_answer(nb):
    for c in nb["cells"]:                      # every markdown cell, graded written answers included
        if c["cell_type"] == "markdown":
            c["source"] = (c["source"] if isinstance(c["source"], str) else "".join(c["source"])) + f" \udfff"


def _code_comment(nb):
    nb["cells"].insert(1, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": f"# {LONE}\nx = 1\n"})


def _answer_code(nb):
    c = _cell(nb, "answer_pool2d")
    c["source"] = (c["source"] if isinstance(c["source"], str) else "".join(c["source"])) + f"\n_s = '\udfff'\n"


def _outputs(nb):
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"out {LONE}"},
                            {"output_type": "display_data", "metadata": {f"k{LONE}": LONE},
                             "data": {"text/html": f"<b>{LONE}</b>", "text/plain": LONE}},
                            {"output_type": "error", "ename": LONE, "evalue": LONE, "traceback": [LONE]}]


def _metadata(nb):
    nb["metadata"][f"x{LONE}"] = {LONE: [LONE, {"deep": "\udc80"}]}
    nb["metadata"]["title"] = f"t{LONE}"
    for c in nb["cells"]:
        c.setdefault("metadata", {})[f"tag{LONE}"] = LONE
        c["metadata"]["tags"] = [f"t{LONE}", "ok"]


def _cell_ids(nb, bad):
    nb["nbformat_minor"] = 5
    for i, c in enumerate(nb["cells"]):
        c["id"] = bad(i)


def _attachments(nb):
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "![a](attachment:a.png)",
                           "attachments": {f"a{LONE}.png": {"image/png": LONE}, "a.png": {"image/png": "AAAA"}}})


def _nul_and_nonchars(nb):
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "nul \x00 \ufffe \uffff \U0010ffff"})


def _v3(nb):
    cells = [{"cell_type": c["cell_type"], "metadata": c.get("metadata", {}),
              **({"input": c["source"], "language": "python", "outputs": []} if c["cell_type"] == "code"
                 else {"source": c["source"]})} for c in nb["cells"]]
    cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": f"v3 {LONE}"})
    nb.clear()
    nb.update({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": LONE},
               "worksheets": [{"cells": cells, "metadata": {}}]})


# ------------------------------------------------------------------ HTML in student markdown

# name -> markdown a student writes; each would set window.__pwned (or navigate) if it stayed live
XSS = {
    "img_onerror": "<img src=x onerror=\"window.__pwned='img'\">",
    "js_link": "[click me](javascript:window.__pwned='link')",
    "js_entities": '<a href="JaVa&#x09;ScRiPt&colon;window.__pwned=1">entities</a>',
    "js_whitespace": '<a href=" \njavascript:window.__pwned=1">whitespace</a>',
    "svg_onload": "<svg onload=\"window.__pwned='svg'\"><circle r=\"1\"/></svg>",
    "iframe_srcdoc": "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "data_urls": '<a href="data:text/html,<script>alert(1)</script>">d</a>'
                 '<img src="data:text/html;base64,PHNjcmlwdD4=">',
    "style": '<p style="background:url(javascript:window.__pwned=1);width:expression(window.__pwned=1)">s</p>'
             '<style>body{background:url(javascript:window.__pwned=1)}</style>',
    "mxss": "<math><mtext><table><mglyph><style><!--</style>"
            "<img title=\"--&gt;&lt;img src=1 onerror=window.__pwned='mxss'&gt;\">",
    "script": "<script>window.__pwned='script'</script>",
    "math_attr": "$x$ <img src=x alt=\"$y$\" onerror=\"window.__pwned='math'\">",
    "object_form": '<object data="javascript:window.__pwned=1"></object>'
                   '<form action="javascript:window.__pwned=1"><button id="b">go</button></form>',
    "remote_image": '<img src="https://tracker.example/pixel.png"><img src="//tracker.example/p.png">',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
}


def _xss(nb):
    for i, (name, md) in enumerate(XSS.items()):
        nb["cells"].insert(i, {"cell_type": "markdown", "metadata": {}, "source": f"{md}\n\n<!-- {name} -->"})
    # an attachment whose type is HTML, rendered by the markdown renderer as a data: URL
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "![p](attachment:p.html)",
                           "attachments": {"p.html": {"text/html": "PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+"}}})
    # cell metadata a template might print (tags become class names), the notebook's title
    nb["metadata"]["title"] = "<img src=x onerror=\"window.__pwned='title'\">"
    for c in nb["cells"]:
        c.setdefault("metadata", {})["tags"] = ["\"><img src=x onerror=\"window.__pwned='tag'\">"]
    # and in the written answer a person grades (the formgrader renders it for the instructor)
    for c in nb["cells"]:
        if c["cell_type"] == "markdown" and c.get("metadata", {}).get("nbgrader", {}).get("solution"):
            c["source"] = XSS["img_onerror"] + "\n" + XSS["js_link"]


def _xss_outputs(nb):
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"] = [{"output_type": "display_data", "metadata": {},
                             "data": {"text/html": XSS["img_onerror"], "image/svg+xml": XSS["svg_onload"],
                                      "application/javascript": "window.__pwned='js'", "text/plain": "x"}}]


STUDENTS = {
    "honest": (dump(source_nb()), 5.0),
    "sur_markdown": (_variant(_markdown), 5.0),
    "sur_written_answer": (_variant(_written_answer), 5.0),
    "sur_code_comment": (_variant(_code_comment), 5.0),
    "sur_answer_code": (_variant(_answer_code), 3.0),          # pool2d's cell cannot compile
    "sur_outputs": (_variant(_outputs), 5.0),
    "sur_metadata": (_variant(_metadata), 5.0),
    "sur_cell_ids": (_variant(lambda nb: _cell_ids(nb, lambda i: f"id{LONE}{i}")), 5.0),
    "bad_cell_ids": (_variant(lambda nb: _cell_ids(nb, lambda i: ["x y", "", "a" * 65, 7, "dup", "dup"][i % 6])), 5.0),
    "sur_attachments": (_variant(_attachments), 5.0),
    "nul_nonchars": (_variant(_nul_and_nonchars), 5.0),
    "sur_nbformat3": (_variant(_v3), 5.0),
    "sur_file_name": (dump(source_nb()), 5.0),                 # plus a notebook whose name is not UTF-8
    b"sur_folder\xff": (_variant(_markdown), None),            # not UTF-8: the gradebook cannot store it
    "xss_markdown": (_variant(_xss), 5.0),
    "xss_outputs": (_variant(_xss_outputs), 5.0),
}
EXTRA_FILES = {"sur_file_name": {b"01_basics\xff.ipynb": dump(source_nb())}}


def build_class(root):
    """SUBMISSIONS/<student>/pooling/01_basics.ipynb for every student of ``STUDENTS``, under `root`."""
    import os
    root = pathlib.Path(root)
    for name, (data, _) in STUDENTS.items():
        folder = os.path.join(os.fsencode(root), name if isinstance(name, bytes) else name.encode(), b"pooling")
        os.makedirs(folder)
        with open(os.path.join(folder, b"01_basics.ipynb"), "wb") as f:
            f.write(data)
        for extra, content in EXTRA_FILES.get(name, {}).items():
            with open(os.path.join(folder, extra), "wb") as f:
                f.write(content)
    return root
