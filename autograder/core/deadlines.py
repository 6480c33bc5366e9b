"""Deadlines, extensions and late work: the one definition both grading paths use.

::

    policy = parse_policy("10%/day,cap=50%,grace=15m")      # or "none", "zero", "zero,grace=1h", "5%/hour"
    policy.percent(seconds_late) -> 0..100                     # the share of the score taken off
    policy.penalty(score, seconds_late) -> points              # never more than the score
    read_timestamp(submission_folder) -> Stamp                 # nbgrader's timestamp.txt, read as hostile
    read_extensions(path) -> {student_id: Extension}           # extensions.csv
    assess(root, student_ids, settings) -> [Lateness]          # one row of late.csv per student
    load_settings(course_dir, due=..., policy=..., extensions=..., gradebook=...) -> Settings

Why a *percentage* of the score: nbgrader assigns its late penalty per notebook
(``AssignLatePenalties`` calls its plugin once per notebook with that notebook's score), while
the kit applies a penalty once, to a student's total. A share of the score is the one rule that
gives the same points both ways (the shares of the notebooks add up to the share of the total),
and it never takes a student below 0. ``zero`` is 100 % past the grace period; ``none`` is 0 %.
Each started hour (or day) past the due date and its grace period counts as a whole one.

Where the settings come from (the first that says, in this order): the command line (``--due``,
``--late-policy``, ``--extensions``), the course directory's ``deadlines.toml``, nbgrader's
gradebook (the assignment's ``duedate``). ``deadlines.toml``::

    due = "2027-03-01T23:59:00+08:00"   # with an offset; a date without one is in `timezone`
    timezone = "Asia/Shanghai"          # for dates and timestamps written without an offset (default UTC)
    late_policy = "10%/day,cap=50%,grace=15m"
    extensions = "extensions.csv"       # relative to the course directory

``extensions.csv``: columns ``student_id`` and either ``due`` (a new due date) or
``extra_hours``; an optional ``assignment`` column (rows for other assignments are ignored).

The two editions (``pooling``, ``pooling_en``) are one piece of work in two languages: ``--due`` and
``deadlines.toml`` hold for both, an extension holds whichever edition the student handed in (a row
may name either), and the gradebook's due date is the edition's own, else the other edition's
(an instructor who set it on one assignment only meant it for both).

The submission time is nbgrader's ``timestamp.txt`` beside the notebooks
(``submitted/<student>/pooling/timestamp.txt``). It is the student's own file in nbgrader's
exchange, so it is read as hostile: at most ``MAX_STAMP_BYTES``, never through a link, only a
regular file, only the formats nbgrader writes (or ISO 8601), and never trusted beyond bounds
(not later than the grading time plus ``FUTURE_SKEW``, not before ``EARLIEST``). A missing or
untrusted timestamp costs the student nothing: the row says ``missing`` or ``invalid`` and why,
for a person to decide. (A student who can write the exchange can also backdate it: nbgrader's
timestamps are as honest as the exchange; an LMS's submission times are the LMS's.)

Messages are Chinese with English beside. The standard library only.
"""
import csv
import dataclasses
import datetime
import math
import os
import pathlib
import re
import stat
import zoneinfo
from typing import Mapping

from autograder.core.course_dir import ASSIGNMENT, EDITIONS
from autograder.core.csv_cells import csv_uncell, read_table

UTC = datetime.timezone.utc
MAX_STAMP_BYTES = 256                         # nbgrader writes ~30 bytes
FUTURE_SKEW = datetime.timedelta(days=1)      # clocks of the exchange's machines may differ a little
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=UTC)
MAX_EXTENSION_HOURS = 24 * 366
SETTINGS_FILE = "deadlines.toml"
LATE_COLUMNS = ["student_id", "status", "submitted_at", "due", "extended", "seconds_late", "hours_late",
                "penalty_percent", "note"]
# The student's lateness on each of their rows of grades.csv (and in the export's generic CSV): the
# status, the hours late and the penalty as a share of the total. Not points: the penalty applies once,
# to the final total (autograded + a person's points, ``penalty_points``), which grades.csv does not hold.
GRADES_LATE_COLUMNS = ("late_status", "hours_late", "late_penalty_percent")

_UNITS = {"hour": 3600, "day": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class DeadlineError(ValueError):
    """A setting (due date, policy, extensions file) that cannot be used: the message says why."""


# ------------------------------------------------------------------ the policy

@dataclasses.dataclass(frozen=True)
class LatePolicy:
    """``none``, ``zero`` (all points off once past the grace period), or ``rate`` percent per started
    ``unit`` (hour or day) past the grace period, at most ``cap`` percent."""
    kind: str = "none"                    # none | zero | percent
    rate: float = 0.0                     # percent per unit
    unit: str = "day"
    cap: float = 100.0                    # percent
    grace_seconds: float = 0.0

    def percent(self, seconds_late: float) -> float:
        """The share of the score taken off, in percent (0..100), for `seconds_late` past the due date."""
        if self.kind == "none" or not seconds_late or seconds_late <= self.grace_seconds:
            return 0.0
        if self.kind == "zero":
            return 100.0
        units = math.ceil((seconds_late - self.grace_seconds) / _UNITS[self.unit])
        return float(min(self.cap, 100.0, self.rate * units))

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points off `score` (never below 0 left, never negative)."""
        return penalty_points(score, self.percent(seconds_late))

    def describe(self) -> str:
        grace = f", grace {self.grace_seconds / 60:g} min" if self.grace_seconds else ""
        from course.language import say          # the words in the chosen language (course.language)
        if self.kind == "none":
            return say("不扣分", "no penalty")
        if self.kind == "zero":
            return say("逾期记零分", "zero when late") + grace
        unit = {"hour": say("每小时", "per hour"), "day": say("每天", "per day")}[self.unit]
        return f"{unit} {self.rate:g}%, {say('最多', 'at most')} {self.cap:g}%{grace}"


def penalty_points(score: float, percent: float, exact: bool = False) -> float:
    """`percent` of a (non-negative part of the) score: the points taken off, rounded to cents
    (unrounded with `exact`: nbgrader's per-notebook shares, which add up to the total's)."""
    points = max(0.0, float(score or 0.0)) * max(0.0, min(100.0, float(percent))) / 100.0
    return points if exact else round(points, 2)


def _duration(text: str) -> float:
    m = _DURATION.match(text)
    if not m:
        raise DeadlineError(f"时长无效 / not a duration: {text!r} (e.g. 15m, 2h, 1d)")
    return float(m.group(1)) * _DURATION_SECONDS[m.group(2)]


def _percent(text: str) -> float:
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$", text)
    if not m or not 0 <= float(m.group(1)) <= 100:
        raise DeadlineError(f"百分比无效 / not a percentage in 0..100: {text!r} (e.g. 10%)")
    return float(m.group(1))


def parse_policy(spec: str) -> LatePolicy:
    """``none`` | ``zero[,grace=D]`` | ``P%/hour`` or ``P%/day`` ``[,cap=P%][,grace=D]`` -> LatePolicy."""
    if not isinstance(spec, str) or len(spec) > 200:
        raise DeadlineError("迟交规则无效 / --late-policy must be a short text")
    head, *options = [p.strip() for p in spec.strip().lower().split(",")]
    opts = {}
    for o in options:
        key, sep, value = o.partition("=")
        if not sep or key.strip() not in ("cap", "grace") or key.strip() in opts:
            raise DeadlineError(f"迟交规则的选项无效 / unknown or repeated option {o!r} in {spec!r} "
                                "(cap=P%, grace=DURATION)")
        opts[key.strip()] = value.strip()
    grace = _duration(opts["grace"]) if "grace" in opts else 0.0
    if head == "none" and not opts:
        return LatePolicy()
    if head == "zero" and "cap" not in opts:
        return LatePolicy("zero", grace_seconds=grace)
    m = re.match(r"^(\d+(?:\.\d+)?)%/(hour|day)$", head.replace(" ", ""))
    if not m:
        raise DeadlineError(f"迟交规则无效 / unknown late policy {spec!r}: none, zero[,grace=1h], "
                            "10%/day[,cap=50%][,grace=15m] or 5%/hour[,cap=...]")
    rate = _percent(m.group(1) + "%")
    cap = _percent(opts["cap"]) if "cap" in opts else 100.0
    return LatePolicy("percent", rate, m.group(2), cap, grace)


# ------------------------------------------------------------------ times

def _zone(name: str):
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise DeadlineError(f"时区无效 / unknown time zone {name!r} ({type(e).__name__})") from None


# nbgrader's format ("%Y-%m-%d %H:%M:%S.%f %Z", e.g. 2027-03-01 12:00:00.123456 UTC), ISO 8601, a bare date.
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?"
                    r"\s*(Z|[+-]\d{2}:?\d{2}|[A-Za-z][A-Za-z0-9_+\-/]{0,40})?$")


def parse_time(text: str, default_zone=UTC, end_of_day=False) -> datetime.datetime:
    """An aware datetime (UTC) from `text`; a time without a zone is in `default_zone`. A bare date is
    its start (or, with `end_of_day`, its last second: a due date "2027-03-01" means the whole day)."""
    text = text.strip()
    m = _STAMP.match(text)
    if not m:
        raise DeadlineError(f"时间格式无效 / not a date and time: {text[:60]!r} "
                            "(e.g. 2027-03-01 23:59:00 UTC or 2027-03-01T23:59:00+08:00)")
    day, clock, zone = m.groups()
    if clock is None:
        clock = "23:59:59" if end_of_day else "00:00:00"
    try:
        naive = datetime.datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        raise DeadlineError(f"日期无效 / no such date or time: {text[:60]!r}") from None
    if zone is None:
        tz = default_zone
    elif zone == "Z" or zone[0] in "+-":
        try:
            return datetime.datetime.fromisoformat(f"{day}T{clock}{'+00:00' if zone == 'Z' else zone}").astimezone(UTC)
        except ValueError:
            raise DeadlineError(f"时区偏移无效 / bad UTC offset in {text[:60]!r}") from None
    else:
        tz = _zone(zone)     # an abbreviation like CST is ambiguous and refused (use UTC or an offset)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def iso(t) -> str:
    return "" if t is None else t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(frozen=True)
class Stamp:
    """A submission time as read: ``status`` ok | missing | invalid; ``when`` only when ok."""
    status: str
    when: datetime.datetime | None = None
    note: str = ""


def read_timestamp(folder, default_zone=UTC, now=None) -> Stamp:
    """nbgrader's ``timestamp.txt`` in `folder`, read as hostile (module docstring)."""
    path = os.path.join(folder, "timestamp.txt")
    now = now or datetime.datetime.now(UTC)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Stamp("missing", note="没有 timestamp.txt / no timestamp.txt")
    except OSError as e:
        return Stamp("invalid", note=f"timestamp.txt 无法读取 / unreadable ({e.strerror})")
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        return Stamp("invalid", note="timestamp.txt 不是普通文件（链接？）/ not a regular file (a link?), not followed")
    if st.st_size > MAX_STAMP_BYTES:
        return Stamp("invalid", note=f"timestamp.txt 过大 / too large ({st.st_size} bytes > {MAX_STAMP_BYTES})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return Stamp("invalid", note="timestamp.txt 不是普通文件 / not a regular file")
            raw = os.read(fd, MAX_STAMP_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as e:
        return Stamp("invalid", note=f"timestamp.txt 无法读取 / unreadable ({e.strerror})")
    if len(raw) > MAX_STAMP_BYTES:
        return Stamp("invalid", note="timestamp.txt 过大 / too large")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return Stamp("invalid", note="timestamp.txt 含非 ASCII 字符 / not ASCII text")
    try:
        when = parse_time(text, default_zone)
    except DeadlineError as e:
        return Stamp("invalid", note=f"timestamp.txt: {e}")
    if when > now + FUTURE_SKEW:
        return Stamp("invalid", note=f"timestamp.txt 在未来 / in the future ({iso(when)}), not trusted")
    if when < EARLIEST:
        return Stamp("invalid", note=f"timestamp.txt 早于 / before {iso(EARLIEST)}, not trusted")
    return Stamp("ok", when)


# ------------------------------------------------------------------ extensions

@dataclasses.dataclass(frozen=True)
class Extension:
    due: datetime.datetime | None = None          # a new due date, or
    extra_hours: float = 0.0               # hours added to the class's due date

    def applied(self, due):
        return self.due if self.due is not None else due + datetime.timedelta(hours=self.extra_hours)


def _same_work(a: str, b: str) -> bool:
    """One assignment, or two editions of it (module docstring)."""
    return a == b or (a in EDITIONS and b in EDITIONS)


def read_extensions(path, default_zone=UTC, assignment=ASSIGNMENT) -> dict:
    """``{student_id: Extension}`` from an extensions CSV (module docstring); DeadlineError on a bad row."""
    path = pathlib.Path(path)
    reader = read_table(path, "--extensions", DeadlineError)
    fields = set(reader.fieldnames or [])
    if "student_id" not in fields or not ({"due", "extra_hours"} & fields):
        raise DeadlineError(f"{path}: 需要列 / needs the columns student_id and due or extra_hours")
    out = {}
    for i, row in enumerate(reader, start=2):
        sid = (row.get("student_id") or "").strip()
        if not sid or not _same_work((row.get("assignment") or assignment).strip(), assignment):
            continue
        due, hours = (row.get("due") or "").strip(), (row.get("extra_hours") or "").strip()
        if bool(due) == bool(hours):
            raise DeadlineError(f"{path}:{i}: 每行只填 due 或 extra_hours 之一 / give either due or extra_hours")
        if sid in out:
            raise DeadlineError(f"{path}:{i}: 学生重复 / a second row for {sid!r}")
        if due:
            out[sid] = Extension(due=parse_time(due, default_zone, end_of_day=True))
        else:
            try:
                h = float(hours)
            except ValueError:
                h = float("nan")
            if not (math.isfinite(h) and 0 <= h <= MAX_EXTENSION_HOURS):
                raise DeadlineError(f"{path}:{i}: extra_hours 必须在 0..{MAX_EXTENSION_HOURS} / "
                                    f"must be hours in 0..{MAX_EXTENSION_HOURS}, got {hours[:20]!r}")
            out[sid] = Extension(extra_hours=h)
    return out


# ------------------------------------------------------------------ settings and assessment

@dataclasses.dataclass
class Settings:
    due: datetime.datetime | None = None
    policy: LatePolicy = LatePolicy()
    extensions: dict = dataclasses.field(default_factory=dict)
    zone: object = UTC
    source: str = ""                        # where the due date came from
    due_by_edition: dict = dataclasses.field(default_factory=dict)   # the gradebook's, per edition

    def due_for(self, student_id, edition=ASSIGNMENT):
        """(due date, extended?) for one student's hand-in of `edition`."""
        due = self.due_by_edition.get(edition, self.due)
        ext = self.extensions.get(student_id)
        return (ext.applied(due), True) if ext is not None and due is not None else (due, False)


def gradebook_duedate(url, assignment=ASSIGNMENT):
    """The assignment's due date in nbgrader's gradebook (UTC), or None."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(url) as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None
    return None if due is None else due.replace(tzinfo=UTC)    # nbgrader stores naive UTC


def load_settings(course_dir=None, due=None, policy=None, extensions=None, gradebook_url=None) -> Settings:
    """The settings for a course (module docstring: command line, then deadlines.toml, then the gradebook)."""
    import tomllib
    conf = {}
    base = pathlib.Path(course_dir) if course_dir is not None else None
    if base is not None and (base / SETTINGS_FILE).is_file():
        try:
            conf = tomllib.loads((base / SETTINGS_FILE).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise DeadlineError(f"{base / SETTINGS_FILE}: {e}") from None
        unknown = set(conf) - {"due", "timezone", "late_policy", "extensions"}
        if unknown:
            raise DeadlineError(f"{base / SETTINGS_FILE}: 未知设置 / unknown settings {sorted(unknown)}")
    zone = _zone(str(conf.get("timezone", "UTC")))
    s = Settings(zone=zone)
    if due:
        s.due, s.source = parse_time(due, zone, end_of_day=True), "--due"
    elif conf.get("due"):
        raw = conf["due"]
        if isinstance(raw, datetime.datetime):     # TOML's own date-time
            s.due = (raw if raw.tzinfo else raw.replace(tzinfo=zone)).astimezone(UTC)
        else:
            s.due = parse_time(str(raw), zone, end_of_day=True)
        s.source = SETTINGS_FILE
    elif gradebook_url:
        s.due_by_edition = {e: d for e in EDITIONS if (d := gradebook_duedate(gradebook_url, e)) is not None}
        # an edition without one takes the other's (module docstring); s.due: the first edition's that has one
        s.due = next(iter(s.due_by_edition.values()), None)
        s.source = "gradebook" if s.due else ""
    spec = policy if policy is not None else conf.get("late_policy", "none")
    s.policy = parse_policy(str(spec))
    ext = extensions if extensions is not None else conf.get("extensions")
    if ext:
        ext_path = pathlib.Path(ext)
        if extensions is None and base is not None and not ext_path.is_absolute():
            ext_path = base / ext_path
        s.extensions = read_extensions(ext_path, zone)
    return s


@dataclasses.dataclass
class Lateness:
    """One student's row of late.csv."""
    student_id: str
    status: str                 # on_time | late | missing | invalid | no_due_date
    submitted_at: datetime.datetime | None = None
    due: datetime.datetime | None = None
    extended: bool = False
    seconds_late: float = 0.0
    penalty_percent: float = 0.0
    note: str = ""

    @property
    def hours_late(self):
        return round(self.seconds_late / 3600.0, 2)

    def to_csv(self):
        return [self.student_id, self.status, iso(self.submitted_at), iso(self.due), int(self.extended),
                round(self.seconds_late), self.hours_late, round(self.penalty_percent, 4), self.note]

    @classmethod
    def from_csv(cls, cells):
        def when(text):
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        return cls(cells["student_id"], cells["status"], when(cells.get("submitted_at", "")),
                   when(cells.get("due", "")), cells.get("extended", "0") == "1",
                   float(cells.get("seconds_late") or 0), float(cells.get("penalty_percent") or 0),
                   cells.get("note", ""))

    def describe(self) -> str:
        """One line for a feedback page or the report."""
        from course.language import say          # a student reads it: the feedback page's language
        ext = say("（已延期）", " (extension)", both="（已延期 / extension）") if self.extended else ""
        when = say(f"（截止 {iso(self.due)}，提交于 {iso(self.submitted_at)}）",
                   f" (due {iso(self.due)}, submitted {iso(self.submitted_at)})",
                   both=f" (due {iso(self.due)}, submitted {iso(self.submitted_at)})")
        if self.status == "late":
            return (f"{say('迟交', 'late')}: {self.hours_late:g} h{ext}, {say('扣分', 'penalty')} "
                    f"{self.penalty_percent:g}%{when}")
        if self.status == "on_time":
            return f"{say('按时提交', 'on time')}{ext}{when}"
        if self.status in ("missing", "invalid"):
            return f"{say('提交时间未知，未扣分', 'submission time unknown, no penalty')}: {self.note}"
        return say("没有截止时间", "no due date")


def late_cells(late) -> list:
    """The ``GRADES_LATE_COLUMNS`` cells of one student (a Lateness, or None when nothing was assessed):
    empty without a due date; an unknown submission time has no hours and costs 0 %."""
    if late is None or late.status == "no_due_date":
        return ["", "", ""]
    if late.status in ("missing", "invalid"):
        return [late.status, "", 0]
    return [late.status, late.hours_late, round(late.penalty_percent, 4)]


def assess_one(student_id, stamp: Stamp, settings: Settings, edition: str = ASSIGNMENT) -> Lateness:
    due, extended = settings.due_for(student_id, edition)
    if due is None:
        return Lateness(student_id, "no_due_date")
    if stamp.status != "ok":
        return Lateness(student_id, stamp.status, due=due, extended=extended, note=stamp.note)
    seconds = max(0.0, (stamp.when - due).total_seconds())
    percent = settings.policy.percent(seconds)
    return Lateness(student_id, "late" if seconds > 0 else "on_time", stamp.when, due, extended, seconds, percent)


def assess(root, student_ids, settings: Settings, assignment: "str | Mapping[str, str]" = ASSIGNMENT,
           now=None) -> list:
    """[Lateness] of each student folder ``root/<student>/<assignment>/`` (its timestamp.txt);
    ``assignment``: one name, or each student's edition (``{student: "pooling_en"}``, default pooling)."""
    rows = []
    for sid in student_ids:
        edition = assignment if isinstance(assignment, str) else assignment.get(sid, ASSIGNMENT)
        folder = os.path.join(root, sid, edition)
        # a linked student or assignment folder is never looked through (find_submissions refuses it too)
        if os.path.islink(os.path.join(root, sid)) or os.path.islink(folder):
            stamp = Stamp("invalid", note="提交文件夹是链接 / the submission folder is a link, not followed")
        else:
            stamp = read_timestamp(folder, settings.zone, now)
        rows.append(assess_one(sid, stamp, settings, edition))
    return rows


def read_late_csv(path) -> dict:
    """``{student_id: Lateness}`` from a late.csv the kit wrote ({} when there is none)."""
    path = pathlib.Path(path)
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {r.student_id: r for r in (Lateness.from_csv({k: csv_uncell(v) for k, v in row.items()})
                                          for row in csv.DictReader(f))}
