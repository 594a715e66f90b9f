"""An output folder that holds one run: the run's files are built in a hidden sibling
folder, and the whole set replaces the folder when the run succeeds.

Two runs into one folder at once each build their own set, and the folder ends with the one
that finished last, whole. A run that fails (a full disk, a signal, a bug) leaves the earlier
results as they were; one killed outright leaves its sibling behind, which the next run into
that folder removes. A folder is replaced only if it is empty or an earlier output (it holds
MARKER; or, from a version before MARKER, a run.json or only a sweep's points), so that
`--out ~` cannot wipe a home.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.files.atomic import running, umask

MARKER = ".frontdoor.json"  # in every output folder: the next run may replace it
_MARKED = '{"about": "written by Frontdoor (sim); the next run into this folder replaces it"}\n'
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


class FolderError(ValueError):
    """An output folder that holds something other than an earlier output."""


class WriteError(OSError):
    """A run's files could not be written to `out` (a full disk, say): the earlier results
    there are as they were. `reason` is the system's."""

    def __init__(self, out: Path, err: OSError) -> None:
        self.out, self.reason = out, err.strerror or str(err)
        super().__init__(err.errno, self.reason, str(out))


def foreign(out: Path) -> str | None:
    """Why `out` may not be replaced by a run's files (None if it may: it does not exist, is
    empty, or is an earlier output)."""
    if out.is_symlink() and not out.exists():
        return "a symbolic link to nothing"
    if not out.exists():
        return None
    if not out.is_dir():
        return "not a folder"
    if (out / MARKER).exists() or (out / "run.json").is_file() or _points_only(out):
        return None
    return ("a folder of other files, not an earlier output: choose a new or empty folder "
            "(a run replaces its whole output folder)")


def _points_only(folder: Path) -> bool:
    """Empty, or nothing but a sweep's stored points (one of a version before MARKER, stopped
    before its end)."""
    return all(path.name == "points" and path.is_dir()
               and all(p.suffix == ".parquet" for p in path.iterdir())
               for path in folder.iterdir())


def claim(out: Path) -> Path:
    """`out` made (with its parents) and marked as an output folder, for a command that keeps
    state there as it goes (a sweep's finished points). FolderError if it is `foreign`."""
    out = out.resolve()
    why = foreign(out)
    if why is not None:
        raise FolderError(f"{out}: {why}")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(_MARKED)
    return out


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new empty folder beside `out` to write a run's files into; when the block ends
    without an error, it takes `out`'s place (the earlier contents go), else it is removed.
    FolderError, before anything is made, if `out` is `foreign`; WriteError for a file that
    could not be written (not only in the staged folder: its cause says where)."""
    out = out.resolve()  # through a symbolic link: the folder it names is replaced
    why = foreign(out)
    if why is not None:
        raise FolderError(f"{out}: {why}")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".run",
                                  dir=out.parent))
    try:
        os.chmod(stage, 0o777 & ~umask())  # mkdtemp makes 0700; give a folder's usual mode
        (stage / MARKER).write_text(_MARKED)
        yield stage
        _swap(stage, out)
    except ConnectionError:  # an OSError, but not of the files: a scheduler's
        raise
    except OSError as err:
        raise WriteError(out, err) from err
    finally:  # after a swap, `stage` names the earlier results
        shutil.rmtree(stage, ignore_errors=True)


def _swap(stage: Path, out: Path) -> None:
    """Put `stage` at `out`; the earlier `out`, if any, ends at `stage`. One atomic exchange
    where the system has it (Linux); else two renames, between which `out` is missing."""
    try:
        os.rename(stage, out)  # no earlier folder, or an empty one
        return
    except OSError:
        pass
    if _exchange(stage, out):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".run",
                                dir=out.parent))
    os.replace(out, old)  # an empty folder is replaced
    os.rename(stage, out)
    os.rename(old, stage)  # removed with the stage


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (renameat2 RENAME_EXCHANGE); False where not supported."""
    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_orphans(out: Path) -> None:
    """Remove the staging folders of `out` left by processes that no longer run."""
    name = re.compile(rf"\.{re.escape(out.name)}\.(\d+)\.[^.]+\.run")
    for path in out.parent.iterdir():
        match = name.fullmatch(path.name)
        if match and not running(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
