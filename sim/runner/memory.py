"""How a long run gives memory back to the system (glibc; elsewhere these do nothing).

glibc serves a large block (over its mmap threshold) straight from the system and returns
it when freed, but it raises that threshold after each such free, up to 32 MiB: the
temporaries of a long replication's metrics and record files then stay in the heap, so the
run's peak becomes its records plus every temporary it ever had.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from contextlib import suppress

LARGE = 1 << 20  # bytes: blocks from this size on come from the system and go back to it
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def return_large_blocks() -> None:
    """Fix the mmap threshold at LARGE (which also stops glibc raising it), and trim the
    heap's top from 4 x LARGE free."""
    with suppress(OSError, AttributeError):  # not glibc
        libc = _libc()
        libc.mallopt(_M_MMAP_THRESHOLD, LARGE)
        libc.mallopt(_M_TRIM_THRESHOLD, 4 * LARGE)


def release_memory() -> None:
    """Give the memory the simulation freed back to the system before the outputs are drawn
    (the heap's free pages, wherever they are)."""
    with suppress(OSError, AttributeError):  # not glibc
        _libc().malloc_trim(0)
