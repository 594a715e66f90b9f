"""Write files atomically: a temporary file in the same folder, then a rename.

A temporary is named `.<final name>.<pid>.<random>.tmp`: hidden, and never taken for an
output. A process killed while writing (SIGKILL, power loss) leaves it behind; the next write
of the same file removes the temporaries of processes that are gone.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path to write to; renamed to `final` only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(final)
    tmp_path = None
    # a stop (sim.cli.signals raises it where the main thread is) held back until the
    # temporary has a name here: raised between making it and `try`, it left the file behind
    held = _hold(STOPS)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=final.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        _hold(held, signal.SIG_SETMASK)
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp_path, final)
    finally:
        _hold(held, signal.SIG_SETMASK)
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)


STOPS = {signal.SIGINT, signal.SIGTERM}


def _hold(signals: set, how: int = signal.SIG_BLOCK) -> set:
    """Block `signals` in this thread (or set the mask with SIG_SETMASK); the mask before.
    Where there is no pthread_sigmask, nothing."""
    if not hasattr(signal, "pthread_sigmask"):
        return set()
    return signal.pthread_sigmask(how, signals)


def write_atomic(final: Path, writer: Callable[[Path], object]) -> Path:
    """Call `writer(tmp_path)`, then move the result into place."""
    with atomic_path(final) as tmp:
        writer(tmp)
    return final


def write_text_atomic(final: Path, text: str) -> Path:
    return write_atomic(final, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _remove_orphans(final: Path) -> None:
    """Delete the temporaries of `final` whose writing process no longer runs."""
    name = re.compile(rf"\.{re.escape(final.name)}\.(\d+)\.[^.]+\.tmp")
    for tmp in final.parent.iterdir():
        match = name.fullmatch(tmp.name)
        if match and not running(int(match.group(1))):
            tmp.unlink(missing_ok=True)


def running(pid: int) -> bool:
    """Whether process `pid` still runs (a process of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or not a pid: leave its file alone
    return True


def umask() -> int:
    """This process's umask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
