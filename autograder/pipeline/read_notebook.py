"""Step 1: read a submitted notebook robustly, without nbformat validation on the hot path.

Anything a student can hand in -- an empty or truncated file, binary data,
JSON that is not a notebook, missing ``cells``, absurd nesting, an old
nbformat, huge outputs, UTF-16 or GBK -- ends as either a normalised notebook
or ``InvalidNotebook`` with a short reason. Never modifies the file, and reads
a path only through ``open_submission`` (no links, no special files).
"""
from course.language import say
import codecs
import json

from autograder.pipeline.open_submission import RefusedPath, read_bytes

REFUSED_KEY = "autograder_refused"     # {REFUSED_KEY: reason, "flag": ...}: a file refused where it was read


class InvalidNotebook(Exception):
    """The notebook could not be read; ``str(e)`` is a short zh / en reason, ``flag`` an integrity flag or ''."""

    def __init__(self, message: str, flag: str = ""):
        super().__init__(message)
        self.flag = flag


def refusal(e: Exception) -> dict:
    """A JSON-able stand-in for a refused file, so a Dask worker reports it as local grading would."""
    return {REFUSED_KEY: str(e), "flag": getattr(e, "flag", "")}


_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def _text(cell_source):
    if isinstance(cell_source, str):
        return cell_source
    if isinstance(cell_source, list) and all(isinstance(s, str) for s in cell_source):
        return "".join(cell_source)
    return None


class ReadNotebook:
    """``read(path | bytes | dict, root=None) -> {"nbformat": 4, "cells": [{cell_type, source, metadata}]}``.

    A path is read below ``root`` (the submissions folder; default: the
    file's own folder), every component checked by ``open_submission``.
    """

    max_bytes = 256 << 20

    def read(self, src: "str | bytes | bytearray | dict", root: str | None = None) -> dict:
        if isinstance(src, dict):
            if REFUSED_KEY in src:
                raise InvalidNotebook(str(src[REFUSED_KEY]), str(src.get("flag") or ""))
            return self.normalise(src)
        data = bytes(src) if isinstance(src, (bytes, bytearray)) else self.read_path(src, root)
        return self.normalise(self.parse(data))

    def read_path(self, path: str, root: str | None = None) -> bytes:
        """The bytes of a submitted file, or ``InvalidNotebook`` (link, special file, too large, unreadable)."""
        try:
            data = read_bytes(path, root, limit=self.max_bytes)
        except RefusedPath as e:
            raise InvalidNotebook(str(e), e.flag) from None
        except OSError as e:
            raise InvalidNotebook(say("无法打开", "cannot open") + f": {e.strerror}") from None
        if len(data) > self.max_bytes:
            raise InvalidNotebook(say("文件过大", "file too large"))
        return data

    def decode(self, data: bytes) -> str:
        if not data.strip():
            raise InvalidNotebook(say("空文件", "empty file"))
        for bom, enc in _BOMS:
            if data.startswith(bom):
                try:
                    return data.decode(enc)
                except UnicodeDecodeError:
                    raise InvalidNotebook(say("编码错误", f"bad {enc} text")) from None
        head = data[:200]
        if head.count(b"\x00") > len(head) // 4:          # UTF-16 without a BOM
            enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                raise InvalidNotebook(say("二进制数据", "binary data, not a notebook")) from None
        for enc in ("utf-8", "gb18030"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
        raise InvalidNotebook(say("二进制数据或未知编码", "binary data or unknown encoding"))

    def parse(self, data: bytes) -> dict:
        text = self.decode(data)
        try:
            nb = json.loads(text)
        except RecursionError:
            raise InvalidNotebook(say("JSON 嵌套过深", "JSON nested too deeply")) from None
        except ValueError as e:
            raise InvalidNotebook(say("不是有效的 JSON（文件可能被截断）", "not valid JSON (truncated?)",
                                      both="不是有效的 JSON（文件可能被截断）/ not valid JSON (truncated?)")
                                  + f": line {getattr(e, 'lineno', '?')}") from None
        if not isinstance(nb, dict):
            raise InvalidNotebook(say("不是 notebook", "JSON is not a notebook"))
        return nb

    def normalise(self, nb: dict) -> dict:
        major = nb.get("nbformat")
        if "cells" not in nb and isinstance(nb.get("worksheets"), list):
            nb = self.upgrade_v3(nb)
        elif isinstance(major, int) and major < 3:
            raise InvalidNotebook(say(f"nbformat {major} 太旧", f"nbformat {major}: too old", both=f"nbformat {major} 太旧 / too old"))
        cells = nb.get("cells")
        if not isinstance(cells, list):
            raise InvalidNotebook(say("缺少 cells", "no cells: not a notebook"))
        out = []
        for c in cells:
            if not isinstance(c, dict) or not isinstance(c.get("cell_type"), str):
                continue
            src = _text(c.get("source", ""))
            if src is None:
                continue
            meta = c.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            nbg = meta.get("nbgrader")
            out.append({"cell_type": c["cell_type"], "source": src,
                        "metadata": {"nbgrader": nbg} if isinstance(nbg, dict) else {}})
        return {"nbformat": 4, "cells": out}

    def upgrade_v3(self, nb: dict) -> dict:
        """nbformat 3 -> 4: via nbformat when it accepts the file, else by hand."""
        try:
            import nbformat
            v4 = nbformat.convert(nbformat.from_dict(nb), 4)
            return json.loads(json.dumps(v4))
        except Exception:
            cells = []
            for ws in nb.get("worksheets", []):
                for c in ws.get("cells", []) if isinstance(ws, dict) else []:
                    if not isinstance(c, dict):
                        continue
                    kind = c.get("cell_type")
                    src = c.get("input") if kind == "code" else c.get("source")
                    cells.append({"cell_type": "markdown" if kind == "heading" else kind,
                                  "source": src if src is not None else "",
                                  "metadata": c.get("metadata", {})})
            return {"nbformat": 4, "cells": cells}
