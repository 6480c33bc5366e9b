"""Step 1a: open a submitted file -- never through a link, never a special file, never outside.

The one way the grader reads a submission (``autograder grade``, the Dask
client, discovery, ``nbgrader autograde`` and ``generate_feedback``):

* every component below the submissions root is ``lstat``-ed and opened with
  ``O_NOFOLLOW`` relative to its parent's fd (``dir_fd``), and the fd's
  ``fstat`` must be the inode just ``lstat``-ed: a path swapped for a link
  between the check and the open is refused, not followed;
* a symbolic link anywhere (student folder, assignment folder, notebook) and a
  regular file with more than one name (a hard link, possibly to a file
  outside the submission) are refused;
* only regular files are opened for reading, and with ``O_NONBLOCK``: a FIFO,
  socket or device is refused before it is opened, so nothing can hang;
* the bytes come from that one validated fd (no second open by name).

The root itself (the folder the instructor names) may be reached through a
link: it is the instructor's choice, not the student's.
"""
import errno
import os
import stat

from course.safe_text import visible

LINK = "link"                     # integrity flags, as written in grades.csv
SPECIAL = "special_file"

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_KINDS = [(stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "directory")]


class RefusedPath(Exception):
    """A path the grader will not read; ``str(e)`` is a short zh / en reason, ``flag`` a keyword or ''."""

    def __init__(self, message: str, flag: str = ""):
        super().__init__(message)
        self.flag = flag


def printable(text: object) -> str:
    """A submitted name as it may be shown: control, invisible and bidi characters and stray
    bytes escaped, CJK kept (``course.safe_text.visible``, the kit's one escaping function)."""
    return visible(text)


def link_message(shown: str) -> str:
    return f"提交中含有链接 / the submission contains a link: {printable(shown)}"


def hard_link_message(shown: str, n: int) -> str:
    return f"提交中含有硬链接 / the submission contains a hard link: {printable(shown)} ({n} names)"


def special_message(shown: str, kind: str) -> str:
    return f"不是普通文件 / not a regular file ({kind}): {printable(shown)}"


def kind_of(mode: int) -> str:
    """'FIFO', 'socket', ... for a mode that is not a regular file."""
    return next((name for test, name in _KINDS if test(mode)), "special file")


def components(path: str, root: str) -> list[str]:
    """The names from `root` down to `path`; refuses a path that leaves the root."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    parts = rel.split(os.sep)
    if rel in (".", "") or os.path.isabs(rel) or ".." in parts:
        raise RefusedPath(f"不在提交目录内 / outside the submissions folder: {printable(os.path.basename(path))}")
    return parts


def _lstat(dfd, name):
    return os.lstat(name, dir_fd=dfd)


def _check_same(fd, before, shown):
    """The fd must be the inode that was lstat-ed (else the path changed under us) -> its fstat."""
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        raise RefusedPath(link_message(shown), LINK)
    return after


def under(path: str, root: str) -> bool:
    """Whether `path` lies strictly below the folder `root` (by their absolute names)."""
    return os.path.abspath(path).startswith(os.path.abspath(root) + os.sep)


def step_dir(dfd: int, name: str, shown: str) -> int:
    """Open directory `name` under `dfd` without following a link -> fd."""
    st = _lstat(dfd, name)
    if stat.S_ISLNK(st.st_mode):
        raise RefusedPath(link_message(shown), LINK)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), shown)
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dfd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):      # became a link since the lstat
            raise RefusedPath(link_message(shown), LINK) from None
        raise
    try:
        _check_same(fd, st, shown)
    except RefusedPath:
        os.close(fd)
        raise
    return fd


def check_regular(st: os.stat_result, shown: str) -> None:
    """Refuse a link, a special file or a hard-linked file, from its lstat."""
    if stat.S_ISLNK(st.st_mode):
        raise RefusedPath(link_message(shown), LINK)
    if not stat.S_ISREG(st.st_mode):
        kind = kind_of(st.st_mode)
        raise RefusedPath(special_message(shown, kind), "" if kind == "directory" else SPECIAL)
    if st.st_nlink > 1:
        raise RefusedPath(hard_link_message(shown, st.st_nlink), LINK)


def step_file(dfd: int, name: str, shown: str) -> int:
    """Open regular file `name` under `dfd` for reading, refusing links and special files -> fd."""
    st = _lstat(dfd, name)
    check_regular(st, shown)
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dfd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise RefusedPath(link_message(shown), LINK) from None
        raise
    try:
        check_regular(_check_same(fd, st, shown), shown)
    except RefusedPath:
        os.close(fd)
        raise
    return fd


def open_dir(path: str, root: str) -> int:
    """An fd of directory `path`, every component below `root` checked (the root itself may be a link)."""
    parts = components(path, root) if os.path.abspath(path) != os.path.abspath(root) else []
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, name in enumerate(parts):
            nxt = step_dir(fd, name, "/".join(parts[:i + 1]))
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_file(path: str, root: str | None = None) -> int:
    """A read-only fd of regular file `path` under `root` (default: its own folder), checked all the way."""
    root = os.path.dirname(os.path.abspath(path)) if root is None else root
    parts = components(path, root)
    dfd = open_dir(os.path.join(os.path.abspath(root), *parts[:-1]), root)
    try:
        return step_file(dfd, parts[-1], "/".join(parts))
    finally:
        os.close(dfd)


def read_fd(fd: int, limit: int | None = None) -> bytes:
    """Up to `limit` + 1 bytes from `fd` (all of it when `limit` is None); closes nothing."""
    chunks, size = [], 0
    while limit is None or size <= limit:
        want = 1 << 20 if limit is None else min(1 << 20, limit + 1 - size)
        b = os.read(fd, want)
        if not b:
            break
        chunks.append(b)
        size += len(b)
    return b"".join(chunks)


def read_bytes(path: str, root: str | None = None, limit: int | None = None) -> bytes:
    """The bytes of a submitted regular file (at most `limit` + 1), through one validated fd.

    Raises ``RefusedPath`` for a link, hard link, special file or a path
    outside `root`, and ``OSError`` when the file cannot be opened.
    """
    fd = open_file(path, root)
    try:
        return read_fd(fd, limit)
    finally:
        os.close(fd)
