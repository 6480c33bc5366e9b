"""``autograder intake``: submissions downloaded from an LMS, into nbgrader's layout.

::

    autograder intake DOWNLOAD --to SUBMISSIONS [--roster CANVAS_EXPORT.csv] [--id-column "SIS Login ID"]
                      [--times TIMES.csv [--times-zone ZONE]]

``DOWNLOAD`` is one of

* Canvas's *Download Submissions* zip (or its unpacked folder): files renamed
  ``<name>[_LATE]_<user id>_<submission id>_<file>``, e.g. ``doe_jane_12345_678901_01_basics-1.ipynb``;
* Moodle's *Download all submissions* (zip or folder): one folder per student,
  ``<Full Name>_<participant id>_assignsubmission_file_/<file>``;
* a folder (or zip) of loose notebooks in a folder per student id: ``<id>/<file>.ipynb``.

Each file is mapped to a student and a notebook and copied to
``SUBMISSIONS/<student>/<edition>/<notebook>.ipynb`` (``pooling`` or ``pooling_en``, below), the
layout ``autograder grade`` reads. The student is the LMS's user id, or with ``--roster`` (Canvas's gradebook export) the roster's
``--id-column`` of the row whose ``ID`` is that user id (the nbgrader / hub user name). The
notebook is matched by name (``01_basics (1).ipynb``, ``01_basics-2.ipynb``), then by content,
as the Gradescope bundle does (``find_submissions.match_notebook``).

Which edition. An LMS download does not say whether a student did ``pooling`` (Chinese) or
``pooling_en`` (English): each notebook's cells say it (``detect_edition``). A cell whose text is in
exactly one edition's release (or source) notebooks is that edition's evidence (the markdown, and the
English edition's ``course.use_language("en")`` cell; the graded code cells are the same in both and
count for neither); the edition with strictly more of its cells found unchanged is the notebook's. A
student did one edition, so all their notebooks go to one folder, ``SUBMISSIONS/<student>/<edition>/``:
the edition their recognised notebooks agree on (or the majority of them). When none of a
student's notebooks can be told (every such cell edited or deleted) or they are split evenly, the rule
is the default edition, ``pooling``, and ``intake.csv``'s ``edition_reason`` says so, for a person
to check. The submission itself is never changed.

Everything in a download is hostile. The input is never modified. A zip member is refused when
its name is absolute, has ``..``, a drive or a backslash, is a link or a device, is larger than
``MAX_MEMBER`` bytes (counted while reading, whatever the zip claims), inflates more than
``MAX_RATIO`` times, or when the archive holds more than ``MAX_MEMBERS`` members or
``MAX_TOTAL`` bytes. In a folder, links and devices are never followed. Two files for one
(student, notebook) place neither (ambiguous); an existing submission is never overwritten.
Every file that could not be placed is listed with the reason (``Placement``), and
``SUBMISSIONS/intake.csv`` records every decision. Canvas's ``LATE`` marker is recorded there.

Submission times. Neither LMS's download carries them; their spreadsheets do. ``--times CSV`` (or
the ``--roster`` file itself, when it has such a column) gives each student's time: a Canvas-style
CSV (``ID``, the Canvas user id, and ``Submitted At`` / ``submitted_at`` in ISO 8601, e.g.
``2027-03-01T15:59:00Z``), Moodle's *grading worksheet* (``Identifier`` ``Participant 4711`` and
``Last modified (submission)`` ``Monday, 1 March 2027, 11:59 PM``, in the Moodle site's time zone:
``--times-zone Asia/Shanghai``), or ``student_id`` and ``submission_time``. Each time is parsed
strictly (``parse_lms_time``): ASCII, a known layout, a real date, a weekday that matches it, a
zone (an offset, ``Z``/``UTC``, an IANA name, or ``--times-zone``; never an abbreviation like
``CST``, never a local time that a clock change makes ambiguous or skips), and within bounds (not
in the future, not before 2000). A student's good time is written as nbgrader's
``SUBMISSIONS/<student>/<edition>/timestamp.txt`` (``2027-03-01 15:59:00.000000 UTC``), atomically
and only where none is (a hard link of a finished file: never a half-written one, never over an
existing one), for a student with a notebook placed by this run; ``intake.csv`` says for every
placed notebook which time it got and where it came from (file, line, column), or why none.
"""
import collections
import csv
import dataclasses
import datetime
import os
import pathlib
import re
import secrets
import shutil
import stat
import tempfile
import zipfile

from autograder.core import deadlines, terminal
from autograder.core import course_dir as course_dirs
from autograder.core.course_dir import ASSIGNMENT, default_course_dir
from autograder.core.editions import detect_edition, edition_prints, leader as _leader
from autograder.run.write import atomic_write, csv_text, csv_uncell
from course.language import say as _w     # the command's words in its language (--language, $COURSE_LANGUAGE)

MAX_MEMBER = 32 << 20              # a notebook with its outputs; a student's notebook is ~100 kB
MAX_TOTAL = 2 << 30
MAX_MEMBERS = 20000
MAX_RATIO = 200                    # deflate of JSON reaches ~20; a bomb reaches 1000s
INTAKE_COLUMNS = ["source", "student_id", "notebook", "lms_user_id", "late_marker", "status", "reason",
                  "submitted_at", "time_source", "edition", "edition_reason"]
MAX_TIMES_BYTES = 16 << 20         # a class's spreadsheet is kilobytes
MAX_TIME_CHARS = 64
# The columns of a times file: who (the LMS user id, or the student id) and when.
TIME_ID_COLUMNS = {"ID": "lms", "Identifier": "lms", "student_id": "student"}
TIME_COLUMNS = ("Submitted At", "submitted_at", "Last modified (submission)", "submission_time")

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
    submitted_at: str = ""          # the LMS's submission time (UTC, ISO 8601), when known
    time_source: str = ""           # where it came from, what became of timestamp.txt, or why no time
    edition: str = ""               # the folder it goes to: pooling | pooling_en (detect_edition)
    edition_reason: str = ""        # how the edition was decided
    edition_check: bool = False     # a person should look (the reason ends in "check")
    edition_votes: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def row(self):
        return [self.source, self.student_id, self.notebook, self.lms_user_id, int(self.late_marker),
                self.status, self.reason, self.submitted_at, self.time_source, self.edition, self.edition_reason]


def _printable(name):
    return name.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


def _unsafe_name(name):
    """Why an archive member's name is refused, or ''."""
    if "\x00" in name or "\\" in name:
        return _w("名字含反斜杠或空字符", "backslash or NUL in the name")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return _w("绝对路径", "an absolute path")
    if any(part == ".." for part in name.split("/")):
        return _w("路径含 ..", "'..' in the path")
    if len(name) > 1024 or any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in name.split("/")):
        return _w("名字过长", "name too long")
    return ""


# ------------------------------------------------------------------ reading the download

def _stage_zip(path, staging):
    """Members of a zip -> [Placement] with safe members copied into `staging` (bounded reads)."""
    out = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise IntakeError(f"{path}: " + _w("不是可读的 zip", f"not a readable zip ({e})")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise IntakeError(f"{path}: " + _w("成员过多", f"more than {MAX_MEMBERS} members, refused"))
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
                why = _w("链接或设备", "a link or a device")
            if not why and counts[name] > 1:
                why = _w("重复的成员名，均未放入", "a member name twice in the zip: neither placed")
            if not why and info.file_size > MAX_MEMBER:
                why = _w("过大", f"larger than {MAX_MEMBER >> 20} MiB")
            if not why and info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
                why = _w("压缩比过高（zip 炸弹？）", f"inflates more than {MAX_RATIO}x (a zip bomb?)")
            if why:
                p.status, p.reason = "refused", why
                out.append(p)
                continue
            try:
                with zf.open(info) as f:
                    data = f.read(MAX_MEMBER + 1)         # the zip's claimed size is not trusted
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
                p.status, p.reason = "refused", _w("无法解压", "cannot be read") + f" ({type(e).__name__})"
                out.append(p)
                continue
            total += len(data)
            if len(data) > MAX_MEMBER or total > MAX_TOTAL:
                p.status, p.reason = "refused", _w("解压后过大", "too large once inflated")
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
                out.append(Placement(_printable(rel), status="refused", reason=_w("链接，未跟随", "a link, not followed")))
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            p = Placement(_printable(rel))
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode):
                p.status, p.reason = "refused", _w("链接或设备，未跟随", "a link or a device, not followed")
            elif st.st_size > MAX_MEMBER:
                p.status, p.reason = "refused", _w("过大", f"larger than {MAX_MEMBER >> 20} MiB")
            else:
                fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f:
                    data = f.read(MAX_MEMBER + 1)
                total += len(data)
                if len(data) > MAX_MEMBER or total > MAX_TOTAL:
                    p.status, p.reason = "refused", _w("过大", "too large")
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
        raise IntakeError(f"--roster {str(path)!r}: " + _w("需要列 ID 和", "needs the columns ID and") + f" {id_column!r}")
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
            p.status, p.reason = "skipped", _w("隐藏文件", "a hidden or system file")
            continue
        given = identify(p)
        if given is None:
            p.status, p.reason = "unmatched", _w("认不出是哪个学生", "cannot tell which student (no LMS name pattern)")
            continue
        if p.lms_user_id:
            if roster is not None:
                if p.lms_user_id not in roster:
                    p.status, p.reason = "unmatched", _w("名单中没有", "not in the roster") + f": LMS user id {p.lms_user_id}"
                    continue
                p.student_id = roster[p.lms_user_id]
            else:
                p.student_id = p.lms_user_id
        if not SAFE_ID.match(p.student_id):
            p.status, p.reason = "refused", _w("学号含不安全字符", "an unsafe student id")
            continue
        if not given.lower().endswith(".ipynb"):
            p.status, p.reason = "skipped", _w("不是 notebook", "not a notebook")
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
            p.status, p.reason = "unmatched", _w("认不出是哪个练习", "cannot tell which notebook")
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
                p.reason = _w(f"同一学生同一练习有 {len(ps)} 个文件，均未放入", f"{len(ps)} files for one student's notebook: none placed") + f" ({sid} {nb})"


# ------------------------------------------------------------------ which edition

def _check() -> str:
    """The end of a reason a person should look at, in the command's language (chosen at run time)."""
    return _w("请核对", "check")


def _tally(votes: collections.Counter) -> str:
    return ", ".join(f"{ed} {n}" for ed, n in sorted(votes.items()))


def assign_editions(placements, prints, default=ASSIGNMENT):
    """Give each file still to be placed its edition (in place): a student's notebooks all go to one
    edition's folder, the one their recognised notebooks agree on (module docstring); else `default`."""
    by_student: "dict[str, list[Placement]]" = {}
    for p in placements:
        if not p.status:
            p.edition_votes = detect_edition(pathlib.Path(p.staged).read_bytes(), prints)
            by_student.setdefault(p.student_id, []).append(p)
    for ps in by_student.values():
        own = {id(p): _leader(p.edition_votes) for p in ps}
        notebooks = collections.Counter(ed for ed in own.values() if ed)
        edition = _leader(notebooks)
        for p in ps:
            mine = own[id(p)]
            if edition is None:
                p.edition = default
                why = (_w("该学生的 notebook 版本各半", "the student's notebooks are split evenly") + f" ({_tally(notebooks)})"
                       if notebooks else _w("认不出版本（两个版本的单元格都没有原样出现）", "the edition cannot be told "
                                            "(no cell of either edition's notebooks is there unchanged)"))
                p.edition_reason = f"{why}: " + _w(f"放入默认版本 {default}", f"placed under the default edition "
                                                   f"{default}") + "; " + _check()
                p.edition_check = True
            elif mine == edition:
                p.edition = edition
                n = p.edition_votes[edition]
                p.edition_reason = _w(f"按内容：{n} 个单元格与 {edition} 相同", f"by its cells: {n} cells as in "
                                      f"{edition}'s notebooks")
                if len(notebooks) > 1:
                    p.edition_reason += "; " + _w("该学生的其他 notebook 不一", "the student's notebooks differ") + \
                        f" ({_tally(notebooks)})"
            else:
                p.edition = edition
                p.edition_reason = (_w("按该学生的其他 notebook", "by the student's other notebooks")
                                    + f" ({_tally(notebooks)})")
                if mine:
                    p.edition_reason += "; " + _w(f"本 notebook 像 {mine}", f"this one looks like {mine}") + ": " + _check()
                    p.edition_check = True
                else:
                    p.edition_reason += "; " + _w("本 notebook 认不出版本", "this one cannot be told")


def note_other_editions(placements, dest):
    """A student placed under one edition who already has another edition's folder in `dest` (an
    earlier intake, or nbgrader's collect): ``autograder grade`` grades only one of them, so the
    record says so, for a person to decide (neither folder is touched)."""
    for p in placements:
        if p.status == "placed":
            others = [ed for ed in course_dirs.EDITIONS
                      if ed != p.edition and os.path.lexists(pathlib.Path(dest) / p.student_id / ed)]
            if others:
                p.edition_reason += "; " + _w(f"已有另一版本的文件夹 {', '.join(others)}/（autograder grade 只评一个版本）",
                                              f"{p.student_id} already has {', '.join(others)}/ (autograder grade "
                                              "grades one edition)") + ": " + _check()
                p.edition_check = True


def write(placements, dest, assignment=ASSIGNMENT):
    """Copy placed files to ``dest/<student>/<edition>/<notebook>.ipynb`` (the edition `assign_editions`
    gave, else `assignment`); never overwrite."""
    for p in placements:
        if p.status:
            continue
        target = pathlib.Path(dest) / p.student_id / (p.edition or assignment) / f"{p.notebook}.ipynb"
        if os.path.lexists(target):
            p.status, p.reason = "exists", _w("已有提交，未覆盖", "a submission is already there, not overwritten")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, pathlib.Path(p.staged).read_bytes())
        p.status = "placed"


# ------------------------------------------------------------------ submission times

_MONTHS = {m: i for i, m in enumerate(("January", "February", "March", "April", "May", "June", "July", "August",
                                       "September", "October", "November", "December"), 1)}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Moodle's dates ("strftimedaydatetime" / "strftimedatetime" in English): an optional weekday, then
# "1 March 2027, 11:59 PM" (or a 24-hour clock)
_MOODLE_TIME = re.compile(r"^(?:(?P<wd>[A-Z][a-z]{5,8}),\s+)?(?P<d>\d{1,2})\s+(?P<mon>[A-Z][a-z]{2,8})\s+(?P<y>\d{4}),"
                          r"\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?:\s*(?P<ampm>AM|PM))?$")


def _local(naive, zone_name):
    """`naive` in the IANA zone `zone_name`, in UTC; a time that a clock change skips or repeats is refused."""
    if not zone_name:
        raise deadlines.DeadlineError(_w("时间没有时区：请给出 --times-zone（LMS 站点的时区，例如 Asia/Shanghai）",
                                         "the time has no zone: give --times-zone (the LMS site's zone, e.g. Asia/Shanghai)"))
    tz = deadlines._zone(zone_name)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise deadlines.DeadlineError(_w(f"{naive:%Y-%m-%d %H:%M} 在 {zone_name} 因夏令时切换而不存在或有两个",
                                         f"{naive:%Y-%m-%d %H:%M} does not exist or happens twice in {zone_name} "
                                         "(a clock change)"))
    return first.astimezone(deadlines.UTC)


def parse_lms_time(text: str, zone_name: str = "") -> datetime.datetime:
    """A submission time from an LMS spreadsheet -> an aware UTC datetime (module docstring); raises
    ``deadlines.DeadlineError`` saying why not."""
    if not isinstance(text, str) or len(text) > MAX_TIME_CHARS or not text.isascii() or not text.isprintable():
        raise deadlines.DeadlineError(_w("时间无效（过长，或不是可打印的 ASCII）", "not a time (too long, or not printable ASCII)"))
    text = text.strip()
    m = _MOODLE_TIME.match(text)
    if m:
        if m["mon"] not in _MONTHS:
            raise deadlines.DeadlineError(_w("月份无效", "unknown month") + f" {m['mon']!r}")
        hour = int(m["h"])
        if m["ampm"]:
            if not 1 <= hour <= 12:
                raise deadlines.DeadlineError(_w("钟点无效", "no such hour") + f": {text!r}")
            hour = hour % 12 + (12 if m["ampm"] == "PM" else 0)
        try:
            naive = datetime.datetime(int(m["y"]), _MONTHS[m["mon"]], int(m["d"]), hour, int(m["mi"]))
        except ValueError:
            raise deadlines.DeadlineError(_w("日期无效", "no such date or time") + f": {text!r}") from None
        if m["wd"] and m["wd"] != _WEEKDAYS[naive.weekday()]:
            raise deadlines.DeadlineError(_w("星期与日期不符", "the weekday does not match the date") + f": {text!r}")
        return _local(naive, zone_name)
    m = deadlines._STAMP.match(text)
    if not m or m.group(2) is None:                   # a submission time needs a clock, not only a date
        raise deadlines.DeadlineError(_w("时间格式无效", "not a date and time") + f": {text!r} "
                                      "(e.g. 2027-03-01T15:59:00Z, or Moodle's 1 March 2027, 11:59 PM)")
    if m.group(3) is None:                            # no zone written: the --times-zone, strictly
        return _local(deadlines.parse_time(text, deadlines.UTC).replace(tzinfo=None), zone_name)
    return deadlines.parse_time(text)                 # an offset, Z/UTC or an IANA name; CST etc. refused


@dataclasses.dataclass(frozen=True)
class LmsTime:
    """One student's submission time from a times file: ``when`` (UTC), or ``problem`` saying why none."""
    when: datetime.datetime = None
    source: str = ""                # e.g. times.csv line 4 'Submitted At'
    problem: str = ""


def read_times(path, zone_name="", now=None) -> dict:
    """{("lms", user id) | ("student", student id): LmsTime} from a times file (module docstring).
    Raises IntakeError when the file cannot be used at all."""
    now = now or datetime.datetime.now(deadlines.UTC)
    path = pathlib.Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise IntakeError(f"--times {str(path)!r}: " + _w("不是普通文件", "not a regular file"))
            raw = f.read(MAX_TIMES_BYTES + 1)
    except OSError as e:
        raise IntakeError(f"--times {str(path)!r}: {e.strerror or e}") from None
    if len(raw) > MAX_TIMES_BYTES:
        raise IntakeError(f"--times {str(path)!r}: " + _w("过大", f"larger than {MAX_TIMES_BYTES >> 20} MiB"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IntakeError(f"--times {str(path)!r}: " + _w("不是 UTF-8", "not UTF-8 text")) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        raise IntakeError(f"--times {str(path)!r}: " + _w("CSV 无法解析", "not CSV") + f" ({e})") from None
    header = [h.strip() for h in rows[0]] if rows else []
    id_col = next((c for c in TIME_ID_COLUMNS if c in header), None)
    time_col = next((c for c in TIME_COLUMNS if c in header), None)
    if id_col is None or time_col is None:
        raise IntakeError(f"--times {str(path)!r}: " + _w("需要列", "needs an id column and a time column")
                          + f" ({', '.join(TIME_ID_COLUMNS)}; {', '.join(TIME_COLUMNS)})")
    i_id, i_time, kind = header.index(id_col), header.index(time_col), TIME_ID_COLUMNS[id_col]
    found = {}
    for line, row in enumerate(rows[1:], 2):
        if len(row) <= max(i_id, i_time):
            continue
        who, raw_time = csv_uncell(row[i_id].strip()), row[i_time].strip()
        if kind == "lms":
            m = re.match(r"^\D{0,40}?(\d{1,20})$", who)          # Canvas: 12345; Moodle: Participant 4711
            if not m:
                continue                                           # Points Possible, a test student, ...
            key = ("lms", m.group(1))
        elif SAFE_ID.match(who):
            key = ("student", who)
        else:
            continue
        if raw_time in ("", "-"):                                  # Moodle: "-" = nothing submitted
            continue
        source = f"{_printable(path.name)} line {line} {time_col!r}"
        try:
            when = parse_lms_time(raw_time, zone_name)
            if when > now + deadlines.FUTURE_SKEW or when < deadlines.EARLIEST:
                raise deadlines.DeadlineError(_w("时间超出范围：在将来或 2000 年之前", "out of bounds: in the future or before 2000")
                                              + f" ({deadlines.iso(when)})")
            got = LmsTime(when, source)
        except deadlines.DeadlineError as e:
            got = LmsTime(None, source, str(e))
        if key in found and found[key] != got and (found[key].when != got.when or got.problem or found[key].problem):
            got = LmsTime(None, f"{found[key].source}; {source}",
                          _w("同一学生有两个不同的时间，均未使用", "two different times for one student: none used"))
        found[key] = got
    return found


def _write_new(path, data: bytes) -> bool:
    """Write `path` only if nothing is there, atomically (a finished file hard-linked into place)."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)                     # fails if anything, even a dangling link, is at `path`
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)


def stamp_times(placements, dest, times, assignment=ASSIGNMENT):
    """Write ``timestamp.txt`` for each student with a notebook placed by this run, from `times`; fill
    each placed notebook's ``submitted_at`` and ``time_source``."""
    by_student = {}
    for p in placements:
        if p.status == "placed":
            by_student.setdefault(p.student_id, []).append(p)
    for sid, ps in sorted(by_student.items()):
        uids = {p.lms_user_id for p in ps}
        keys = [("lms", u) for u in uids if u] or [("student", sid)]
        got = [times[k] for k in keys if k in times]
        if not got:
            note, when = _w("时间表中没有提交时间", "no submission time in the times file"), None
        elif len(got) > 1:
            note, when = _w("一名学生有多个 LMS 账号，未使用时间", "several LMS accounts for one student: no time used"), None
        elif got[0].problem:
            note, when = f"{got[0].source}: {got[0].problem}", None
        else:
            when = got[0].when
            stamp = pathlib.Path(dest) / sid / (ps[0].edition or assignment) / "timestamp.txt"
            text = when.astimezone(deadlines.UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC\n")   # nbgrader's format
            if _write_new(stamp, text.encode("ascii")):
                note = f"{got[0].source} -> timestamp.txt"
            else:
                note = f"{got[0].source}; " + _w("已有 timestamp.txt，未覆盖", "timestamp.txt already there, kept")
        for p in ps:
            p.submitted_at, p.time_source = deadlines.iso(when), note


def intake(download, dest, roster_path=None, id_column="SIS Login ID", course_dir=None, times_path=None,
           times_zone=""):
    """The whole intake -> [Placement]; writes ``dest``, each student's ``timestamp.txt`` where `times_path`
    (or the roster, when it has a time column) gives a time, and ``dest/intake.csv``."""
    from autograder.pipeline.source_tests import SourceTests
    download, dest = pathlib.Path(download), pathlib.Path(dest)
    if not os.path.lexists(download):
        raise IntakeError(_w("找不到", "not found") + f": {download}")
    if download.is_dir() and not download.is_symlink():
        if dest.resolve().is_relative_to(download.resolve()):
            raise IntakeError(_w("--to 不能在下载文件夹里（下载从不修改）", "--to must not be inside the download (it is never modified)"))
    roster = read_roster(roster_path, id_column) if roster_path else None
    if times_zone:
        try:
            deadlines._zone(times_zone)
        except deadlines.DeadlineError as e:
            raise IntakeError(f"--times-zone: {e}") from None
    times = None
    if times_path:
        times = read_times(times_path, times_zone)
    elif roster_path:
        try:
            times = read_times(roster_path, times_zone)
        except IntakeError:
            times = None                       # a roster without a time column: no times, as before
    course = course_dir or default_course_dir()
    known = set(SourceTests(course).notebooks())
    prints = edition_prints(course)
    with tempfile.TemporaryDirectory(prefix="autograder-intake-") as staging:
        if download.is_dir() and not download.is_symlink():
            placements = _stage_folder(download, staging)
        elif download.is_file() and not download.is_symlink():
            placements = _stage_zip(download, staging)
        else:
            raise IntakeError(f"{download}: " + _w("不是 zip 或文件夹（链接？）", "neither a zip nor a folder (a link?)"))
        place_all(placements, known, roster)
        assign_editions(placements, prints)
        dest.mkdir(parents=True, exist_ok=True)
        write(placements, dest)
        note_other_editions(placements, dest)
        if times is not None:
            stamp_times(placements, dest, times)
    atomic_write(dest / "intake.csv", csv_text(INTAKE_COLUMNS, (p.row() for p in placements)))
    return placements


def _say_summary(args, placed, left):
    """The lines after an intake, in the command's language (``--language``, ``$COURSE_LANGUAGE``)."""
    students = len({p.student_id for p in placed})
    terminal.say(_w(f"放入 {len(placed)} 个 notebook，{students} 名学生", f"placed {len(placed)} notebook(s) of "
                    f"{students} student(s)") + f" -> {args.to}; " + _w("记录", "record") + f": "
                 f"{os.path.join(args.to, 'intake.csv')}")
    timed = {p.student_id for p in placed if p.submitted_at}
    untimed = sorted({p.student_id for p in placed if p.time_source and not p.submitted_at})
    if timed:
        terminal.say(_w(f"{len(timed)} 名学生有提交时间（timestamp.txt）",
                        f"submission times (timestamp.txt) for {len(timed)} student(s)"))
    if untimed:
        terminal.say(_w("没有可用的提交时间", "no usable submission time") + f": {', '.join(untimed)} "
                     "(intake.csv: time_source)")
    _say_editions(placed)
    late = sorted({p.student_id for p in placed if p.late_marker})
    if late:
        terminal.say(_w("LMS 标记迟交", "marked LATE by the LMS") + f": {', '.join(late)}")
    if left:
        terminal.say(_w("未放入的文件", "files not placed") + f" ({len(left)}):")
        for p in left:
            terminal.say(f"  {p.status:<10} {p.source}  {p.reason}")
    terminal.say(_w("下一步", "next") + f": autograder grade {args.to} --out OUT")


def _say_editions(placed):
    """The editions the placed students went to, and who needs a look (intake.csv: edition_reason)."""
    students = {p.student_id: p.edition for p in placed}
    count = collections.Counter(students.values())
    if count:
        terminal.say(_w("各版本学生数", "students per edition") + ": " + _tally(count))
    check = sorted({p.student_id for p in placed if p.edition_check})
    if check:
        terminal.say(_w("版本需核对", "edition to check") + f": {', '.join(check)} (intake.csv: edition_reason)")


def run(args):
    """The ``intake`` subcommand: exit 0 when every notebook found a place, 1 when some did not, 2 on bad input."""
    try:
        placements = intake(args.download, args.to, args.roster, args.id_column,
                            times_path=getattr(args, "times", None), times_zone=getattr(args, "times_zone", "") or "")
    except IntakeError as e:
        terminal.error(e)
        return 2
    placed = [p for p in placements if p.status == "placed"]
    left = [p for p in placements if p.status not in ("placed", "skipped")]
    _say_summary(args, placed, left)
    return 1 if left else 0
