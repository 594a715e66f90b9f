"""Reading a small text file whose path comes from the user (or from another file) without
trusting it: only a regular file is opened, since opening a named pipe blocks and a device
such as /dev/zero never ends, and at most `limit` bytes are read, so a huge file is refused
without reading it all. The limits are in docs/limits.md."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MiB = 1 << 20
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class FileRefused(Exception):
    """A file not read; `str()` is the reason, without the file's name."""


def read_text(path: Path, limit: int) -> str:
    """The UTF-8 text of `path` (a byte-order mark, as some Windows editors write, is dropped);
    FileRefused if it is missing, not a regular file, over `limit` bytes or not UTF-8."""
    raw = _read_bytes(path, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - raw.rfind(b"\n", 0, err.start)
        raise FileRefused(f"not UTF-8 text: byte 0x{raw[err.start]:02x} at line {line}, "
                          f"column {column} ({err.reason})") from None


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        mode = os.stat(path).st_mode  # before opening: opening a named pipe waits for a writer
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a special file")
            raise FileRefused(f"cannot read: {kind}, not a regular file")
        with open(path, "rb") as file:
            raw = file.read(limit + 1)
    except FileNotFoundError:
        raise FileRefused("no such file") from None
    except (OSError, ValueError) as err:  # ValueError: a NUL in the path
        raise FileRefused(f"cannot read: {getattr(err, 'strerror', None) or err}") from None
    if len(raw) > limit:
        raise FileRefused(f"larger than {limit / MiB:g} MiB, the limit for this file "
                          "(docs/limits.md)")
    return raw
