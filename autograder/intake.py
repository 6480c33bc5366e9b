"""``autograder intake``: submissions downloaded from an LMS, into nbgrader's layout.

::

    autograder intake DOWNLOAD --to SUBMISSIONS [--roster CANVAS_EXPORT.csv] [--id-column "SIS Login ID"]

``DOWNLOAD`` is one of

* Canvas's *Download Submissions* zip (or its unpacked folder): files renamed
  ``<name>[_LATE]_<user id>_<submission id>_<file>``, e.g. ``doe_jane_12345_678901_01_basics-1.ipynb``;
* Moodle's *Download all submissions* (zip or folder): one folder per student,
  ``<Full Name>_<participant id>_assignsubmission_file_/<file>``;
* a folder (or zip) of loose notebooks in a folder per student id: ``<id>/<file>.ipynb``.

Each file is mapped to a student and a notebook and copied to
``SUBMISSIONS/<student>/pooling/<notebook>.ipynb``, the layout ``autograder grade`` reads. The
student is the LMS's user id, or with ``--roster`` (Canvas's gradebook export) the roster's
``--id-column`` of the row whose ``ID`` is that user id (the nbgrader / hub user name). The
notebook is matched by name (``01_basics (1).ipynb``, ``01_basics-2.ipynb``), then by content,
as the Gradescope bundle does (``find_submissions.match_notebook``).

Everything in a download is hostile. The input is never modified. A zip member is refused when
its name is absolute, has ``..``, a drive or a backslash, is a link or a device, is larger than
``MAX_MEMBER`` bytes (counted while reading, whatever the zip claims), inflates more than
``MAX_RATIO`` times, or when the archive holds more than ``MAX_MEMBERS`` members or
``MAX_TOTAL`` bytes. In a folder, links and devices are never followed. Two files for one
(student, notebook) place neither (ambiguous); an existing submission is never overwritten.
Every file that could not be placed is listed with the reason (``Placement``), and
``SUBMISSIONS/intake.csv`` records every decision. Canvas's ``LATE`` marker is recorded there;
neither LMS's download carries the submission time, so no ``timestamp.txt`` is invented.
"""
import collections
import csv
import dataclasses
import os
import pathlib
import re
import shutil
import stat
import tempfile
import zipfile

from autograder import terminal
from autograder.course_dir import ASSIGNMENT, default_course_dir
from autograder.pipeline.write_results import atomic_write, csv_text, csv_uncell

MAX_MEMBER = 32 << 20              # a notebook with its outputs; a student's notebook is ~100 kB
MAX_TOTAL = 2 << 30
MAX_MEMBERS = 20000
MAX_RATIO = 200                    # deflate of JSON reaches ~20; a bomb reaches 1000s
INTAKE_COLUMNS = ["source", "student_id", "notebook", "lms_user_id", "late_marker", "status", "reason"]

CANVAS = re.compile(r"^(?P<name>[A-Za-z0-9_\-]+?)_(?P<late>LATE_)?(?P<uid>\d{1,20})_(?P<sub>\d{1,20})_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<uid>\d{1,20})_assignsubmission_[a-z]+_?$")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}$")


class IntakeError(Exception):
    """The download or the arguments cannot be used at all (the message says why)."""


@dataclasses.dataclass
class Placement:
    """One file of the download and what became of it."""
    source: str                     # its name in the download (printable)
    student_id: str = ""
    notebook: str = ""
    lms_user_id: str = ""
    late_marker: bool = False
    status: str = ""                # placed | refused | unmatched | ambiguous | exists | skipped
    reason: str = ""
    staged: str = ""                # the private copy read for matching

    def row(self):
        return [self.source, self.student_id, self.notebook, self.lms_user_id, int(self.late_marker),
                self.status, self.reason]


def _printable(name):
    return name.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


def _unsafe_name(name):
    """Why an archive member's name is refused, or ''."""
    if "\x00" in name or "\\" in name:
        return "名字含反斜杠或空字符 / backslash or NUL in the name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "绝对路径 / an absolute path"
    if any(part == ".." for part in name.split("/")):
        return "路径含 .. / '..' in the path"
    if len(name) > 1024 or any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in name.split("/")):
        return "名字过长 / name too long"
    return ""


# ------------------------------------------------------------------ reading the download

def _stage_zip(path, staging):
    """Members of a zip -> [Placement] with safe members copied into `staging` (bounded reads)."""
    out = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise IntakeError(f"{path}: 不是可读的 zip / not a readable zip ({e})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise IntakeError(f"{path}: 成员过多 / more than {MAX_MEMBERS} members, refused")
        total = 0
        # a name twice: which one an unzip tool keeps is its choice, so neither is placed
        counts = collections.Counter(info.filename for info in infos)
        for i, info in enumerate(infos):
            name = info.filename
            p = Placement(_printable(name))
            mode = info.external_attr >> 16
            if info.is_dir():
                continue
            why = _unsafe_name(name)
            if not why and (stat.S_ISLNK(mode) or (mode and not stat.S_ISREG(mode))):
                why = "链接或设备 / a link or a device"
            if not why and counts[name] > 1:
                why = "重复的成员名，均未放入 / a member name twice in the zip: neither placed"
            if not why and info.file_size > MAX_MEMBER:
                why = f"过大 / larger than {MAX_MEMBER >> 20} MiB"
            if not why and info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
                why = f"压缩比过高（zip 炸弹？）/ inflates more than {MAX_RATIO}x (a zip bomb?)"
            if why:
                p.status, p.reason = "refused", why
                out.append(p)
                continue
            try:
                with zf.open(info) as f:
                    data = f.read(MAX_MEMBER + 1)         # the zip's claimed size is not trusted
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
                p.status, p.reason = "refused", f"无法解压 / cannot be read ({type(e).__name__})"
                out.append(p)
                continue
            total += len(data)
            if len(data) > MAX_MEMBER or total > MAX_TOTAL:
                p.status, p.reason = "refused", "解压后过大 / too large once inflated"
                out.append(p)
                continue
            staged = os.path.join(staging, f"{i:06d}.ipynb")
            with open(staged, "xb") as f:
                f.write(data)
            p.staged = staged
            out.append(p)
    return out


def _stage_folder(root, staging):
    """Files below a folder -> [Placement], by lstat only (never through a link)."""
    out, total, i = [], 0, 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                rel = os.path.relpath(os.path.join(dirpath, d), root)
                out.append(Placement(_printable(rel), status="refused", reason="链接，未跟随 / a link, not followed"))
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            p = Placement(_printable(rel))
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode):
                p.status, p.reason = "refused", "链接或设备，未跟随 / a link or a device, not followed"
            elif st.st_size > MAX_MEMBER:
                p.status, p.reason = "refused", f"过大 / larger than {MAX_MEMBER >> 20} MiB"
            else:
                fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f:
                    data = f.read(MAX_MEMBER + 1)
                total += len(data)
                if len(data) > MAX_MEMBER or total > MAX_TOTAL:
                    p.status, p.reason = "refused", "过大 / too large"
                else:
                    i += 1
                    p.staged = os.path.join(staging, f"{i:06d}.ipynb")
                    with open(p.staged, "xb") as g:
                        g.write(data)
            out.append(p)
    return out


# ------------------------------------------------------------------ who and which notebook

def read_roster(path, id_column):
    """{LMS user id: nbgrader id} from a Canvas gradebook export (its ``ID`` column)."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise IntakeError(f"--roster {str(path)!r}: {getattr(e, 'strerror', None) or e}") from None
    reader = csv.DictReader(text.splitlines())
    if "ID" not in (reader.fieldnames or []) or id_column not in (reader.fieldnames or []):
        raise IntakeError(f"--roster {str(path)!r}: 需要列 / needs the columns ID and {id_column!r}")
    out = {}
    for row in reader:
        uid, sid = (row.get("ID") or "").strip(), csv_uncell((row.get(id_column) or "").strip())
        if uid.isdigit() and sid:
            out[uid] = sid
    return out


def identify(p: Placement):
    """Fill the LMS user id, the late marker and the file's own name from the member's path; returns the
    file name the student gave (for matching by name), or None when the path says nobody."""
    parts = p.source.split("/")
    base = parts[-1]
    m = CANVAS.match(base)
    if m:
        p.lms_user_id, p.late_marker = m["uid"], bool(m["late"])
        return m["file"]
    for part in parts[:-1]:                            # Moodle: the student's folder
        m = MOODLE.match(part)
        if m:
            p.lms_user_id = m["uid"]
            return base
    if len(parts) >= 2 and SAFE_ID.match(parts[-2]):   # <id>/<file>: a folder per student id
        p.student_id = parts[-2]
        return base
    return None


def place_all(placements, known, roster=None, match=None):
    """Decide the student and notebook of each staged file (in place); ambiguous pairs place nothing."""
    if match is None:
        from autograder.pipeline.find_submissions import match_notebook as match
    for p in placements:
        if p.status:
            continue
        if os.path.basename(p.source).startswith(".") or "__MACOSX/" in p.source:
            p.status, p.reason = "skipped", "隐藏文件 / a hidden or system file"
            continue
        given = identify(p)
        if given is None:
            p.status, p.reason = "unmatched", "认不出是哪个学生 / cannot tell which student (no LMS name pattern)"
            continue
        if p.lms_user_id:
            if roster is not None:
                if p.lms_user_id not in roster:
                    p.status, p.reason = "unmatched", f"名单中没有 / not in the roster: LMS user id {p.lms_user_id}"
                    continue
                p.student_id = roster[p.lms_user_id]
            else:
                p.student_id = p.lms_user_id
        if not SAFE_ID.match(p.student_id):
            p.status, p.reason = "refused", "学号含不安全字符 / an unsafe student id"
            continue
        if not given.lower().endswith(".ipynb"):
            p.status, p.reason = "skipped", "不是 notebook / not a notebook"
            continue
        # match by the student's file name (a private copy under a tamed form of it), then by content
        named = tempfile.mkdtemp(dir=os.path.dirname(p.staged))
        probe = os.path.join(named, re.sub(r"[^A-Za-z0-9._() \-]", "_", given)[-120:].lstrip(".") or "x.ipynb")
        shutil.copyfile(p.staged, probe)
        try:
            nb = match(probe, known, named)
        finally:
            shutil.rmtree(named, ignore_errors=True)
        if nb is None:
            p.status, p.reason = "unmatched", "认不出是哪个练习 / cannot tell which notebook"
            continue
        p.notebook = nb
    groups = {}
    for p in placements:
        if not p.status:
            groups.setdefault((p.student_id, p.notebook), []).append(p)
    for (sid, nb), ps in groups.items():
        if len(ps) > 1:
            for p in ps:
                p.status = "ambiguous"
                p.reason = f"同一学生同一练习有 {len(ps)} 个文件 / {len(ps)} files for {sid} {nb}: none placed"


def write(placements, dest, assignment=ASSIGNMENT):
    """Copy placed files to ``dest/<student>/<assignment>/<notebook>.ipynb``; never overwrite."""
    for p in placements:
        if p.status:
            continue
        target = pathlib.Path(dest) / p.student_id / assignment / f"{p.notebook}.ipynb"
        if os.path.lexists(target):
            p.status, p.reason = "exists", "已有提交，未覆盖 / a submission is already there, not overwritten"
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, pathlib.Path(p.staged).read_bytes())
        p.status = "placed"


def intake(download, dest, roster_path=None, id_column="SIS Login ID", course_dir=None):
    """The whole intake -> [Placement]; writes ``dest`` and ``dest/intake.csv``."""
    from autograder.pipeline.source_tests import SourceTests
    download, dest = pathlib.Path(download), pathlib.Path(dest)
    if not os.path.lexists(download):
        raise IntakeError(f"找不到 / not found: {download}")
    if download.is_dir() and not download.is_symlink():
        if dest.resolve().is_relative_to(download.resolve()):
            raise IntakeError("--to 不能在下载文件夹里 / --to must not be inside the download (it is never modified)")
    roster = read_roster(roster_path, id_column) if roster_path else None
    known = set(SourceTests(course_dir or default_course_dir()).notebooks())
    with tempfile.TemporaryDirectory(prefix="autograder-intake-") as staging:
        if download.is_dir() and not download.is_symlink():
            placements = _stage_folder(download, staging)
        elif download.is_file() and not download.is_symlink():
            placements = _stage_zip(download, staging)
        else:
            raise IntakeError(f"{download}: 不是 zip 或文件夹 / neither a zip nor a folder (a link?)")
        place_all(placements, known, roster)
        dest.mkdir(parents=True, exist_ok=True)
        write(placements, dest)
    atomic_write(dest / "intake.csv", csv_text(INTAKE_COLUMNS, (p.row() for p in placements)))
    return placements


def run(args):
    """The ``intake`` subcommand: exit 0 when every notebook found a place, 1 when some did not, 2 on bad input."""
    try:
        placements = intake(args.download, args.to, args.roster, args.id_column)
    except IntakeError as e:
        terminal.error(e)
        return 2
    placed = [p for p in placements if p.status == "placed"]
    left = [p for p in placements if p.status not in ("placed", "skipped")]
    terminal.say(f"放入 / placed {len(placed)} notebook(s) of {len({p.student_id for p in placed})} student(s) "
                 f"-> {args.to}; 记录 / record: {os.path.join(args.to, 'intake.csv')}")
    late = sorted({p.student_id for p in placed if p.late_marker})
    if late:
        terminal.say(f"LMS 标记迟交 / marked LATE by the LMS: {', '.join(late)}")
    if left:
        terminal.say(f"未放入的文件 / files not placed ({len(left)}):")
        for p in left:
            terminal.say(f"  {p.status:<10} {p.source}  {p.reason}")
    terminal.say(f"下一步 / next: autograder grade {args.to} --out OUT")
    return 1 if left else 0
