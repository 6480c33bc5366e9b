"""Hostile TEXT (issue 19, C): student-controlled text that reaches the instructor's terminal,
ids that look alike or differ only in how an undecodable byte is spelled, and answer cells
that try to slip a copy past the integrity normaliser or make it hang.

Each family is a dict: folder name (str, or bytes for a name that is not UTF-8) -> the
variant of its 01_basics notebook (``names.ANSWERS``: the scores differ inside each group,
so two students merged into one show as a wrong total). ``build_class`` lays every family
out beside the honest students in nbgrader's SUBMISSIONS/<student>/pooling/ layout.
"""
import json
import os
import pathlib

import names

# Names that drive a terminal: erase the line and forge a "graded all" line, retitle the
# window (OSC with BEL and with ST), C1 controls (8-bit CSI / OSC), DEL, a carriage return,
# bidi overrides and isolates, zero-width and other invisible format characters.
TERMINAL = {
    "esc\x1b[2K\x1b[1A\rgraded 40 of 40 in 1s, no problems": "no_pool2d",
    "osc\x1b]0;pwned title\x07": "no_padded",
    "osc_st\x1b]2;pwned\x1b\\": "none",
    "csi8\u009b2J\u009b1;1H": "no_pool2d",
    "osc8\u009d0;pwned\u009c": "no_padded",
    "del\x7f\x7f\x7fname": "none",
    "cr\rgraded 40 of 40 in 1s": "no_pool2d",
    "rlo\u202egpj.exe": "no_padded",
    "isolate\u2066hidden\u2069": "none",
    "marks\u200e\u200f\u061c": "no_pool2d",
    "zero\u200bwidth\u2060joiner\ufeff": "no_padded",
    "lines\u2028para\u2029": "none",
    "bell\x07tab\tnl\nend": "no_pool2d",
    b"byte\x1b[31m\xff": "no_padded",
}

# Look-alike ids: each pair is two different students a person cannot tell apart.
LOOKALIKE_PAIRS = [
    ("zhou", "zh\u200bou"),                  # a zero-width space
    ("anna", "\u0430nna"),                    # Cyrillic а for Latin a
    ("jos\u00e9", "jose\u0301"),              # NFC against NFD
    ("ola", "\u03bfla"),                      # Greek omicron
    ("kim", "ｋim"),                          # a fullwidth letter
]
LOOKALIKE = {a: "no_pool2d" for a, _ in LOOKALIKE_PAIRS} | {b: "no_padded" for _, b in LOOKALIKE_PAIRS}

# An undecodable byte against the same name spelled with its escape (as text files used to
# show the byte): one student each, never one student with the sum of both.
BYTE_VS_ESCAPE = {
    b"ab\xff": "no_pool2d",                   # 3 points
    "ab\\xff": "no_padded",                   # 2 points: the four characters \xff
    b"cd\xfe": "none",                        # 0 points
    "cd\\udcfe": "full",                      # 5 points: how backslashreplace spelled the byte
}

# An honest class: ordinary distinct ids that must get no look-alike warning and no flag.
# Their notebooks are a student's own full answers (``paths.classes.honest_notebook``), not the
# instructor's solutions, so they carry no flag either.
HONEST = {n: "honest" for n in ["s001", "s002", "s010", "s100", "张伟", "王芳", "李娜娜", "zhang_wei",
                                "wang.fang", "Zhāng Wěi", "li-na", "Anna", "ANNA"]}


def families():
    return {"terminal": TERMINAL, "lookalike": LOOKALIKE, "byte_vs_escape": BYTE_VS_ESCAPE, "honest": HONEST}


def students():
    out = {}
    for fam in families().values():
        out.update(fam)
    return out


def student_id(name):
    """The id the grader sees for a folder name (os.listdir's surrogateescape for bytes)."""
    return os.fsdecode(name) if isinstance(name, bytes) else name


def expected_scores():
    """exact id -> 01_basics points."""
    return {student_id(n): 5.0 if v == "honest" else names.ANSWERS[v][1] for n, v in students().items()}


def notebook(variant, source_nb):
    """The 01_basics notebook of a variant (``names.ANSWERS``, or ``honest``: a student's own code)."""
    if variant == "honest":
        import classes                     # tests/hostile/paths
        return classes.honest_notebook()
    return names.notebook(variant, source_nb)


def commented_copy(source_nb):
    """The instructor's notebook with a comment line after every line of every code cell
    (each at the line's own indentation): the solutions, disguised only by comments."""
    nb = json.loads(json.dumps(source_nb))
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        out = []
        for i, line in enumerate(src.split("\n")):
            out.append(line)
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# 我自己写的第 {i} 行 / my own line {i}")
        c["source"] = "\n".join(out)
    return nb


def build_class(subs, source_nb, extra=None):
    """SUBMISSIONS dir with every name of ``students()`` (plus ``extra``: name -> notebook dict)."""
    subs = pathlib.Path(subs)
    notebooks = {n: notebook(v, source_nb) for n, v in students().items()}
    notebooks.update(extra or {})
    for name, nb in notebooks.items():
        base = os.fsencode(subs) + b"/" + (name if isinstance(name, bytes) else os.fsencode(name))
        d = os.path.join(base, b"pooling")
        os.makedirs(d)
        with open(os.path.join(d, b"01_basics.ipynb"), "w", encoding="utf-8") as f:
            json.dump(nb, f, ensure_ascii=False)
    return subs
