"""Ctrl-C and SIGTERM (what systemd, CI time-outs and `kill` send) end a command as an
exception in the main thread, not a sudden death: every context manager on the way out runs,
so temporary files are removed and worker processes ended, and the user sees one line."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
AGAIN = 0.05  # seconds before a signal whose Stopped was dropped is sent again


class Stopped(KeyboardInterrupt):
    """A signal asked the command to stop. A KeyboardInterrupt, so that libraries that clean
    up on ^C (dask's client cancels what it waits for) do the same for SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signal.Signals(signum)


class _Handler:
    """The signal handler of one `stopping` block, and what it has done."""

    def __init__(self, unraisable: Callable[[Any], None]) -> None:
        self.raised = False
        self.active = True  # inside the block
        self.unraisable = unraisable  # the hook this one stands in front of

    def __call__(self, signum: int, _frame: object) -> None:
        if self.raised:  # a second signal (^C twice) must not cut short the clean-up
            return
        self.raised = True
        # From here on the command says one line: what libraries log as they are shut down
        # under running tasks (dask, each task its closing client could not fetch) is
        # expected, not news.
        logging.disable(logging.CRITICAL)
        raise Stopped(signum)

    def dropped(self, unraisable: Any) -> None:
        """sys.unraisablehook: Python drops an exception raised where nothing can catch it,
        as in a __del__ the garbage collector ran (dask's futures have one). Stopped raised
        there is raised again: the signal is sent again once this hook has returned (sent
        from here, it would be handled, and dropped, in here)."""
        if isinstance(unraisable.exc_value, Stopped):
            self.raised = False
            again = threading.Timer(AGAIN, self._again, (unraisable.exc_value.signal,))
            again.daemon = True
            again.start()
        else:
            self.unraisable(unraisable)

    def _again(self, signum: int) -> None:
        if self.active:
            signal.pthread_kill(threading.main_thread().ident, signum)


@contextmanager
def stopping() -> Iterator[None]:
    """SIGINT and SIGTERM raise Stopped in the main thread inside the block; the previous
    handlers are put back after (main() is also called in-process, by tests). Outside the main
    thread, where handlers cannot be set, Python's own ^C handling stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = _Handler(sys.unraisablehook)
    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
    sys.unraisablehook = handler.dropped
    muted = logging.root.manager.disable
    try:
        yield
    finally:
        handler.active = False
        for signum, before in previous.items():
            if before is not None:  # None: set outside Python, cannot be put back
                signal.signal(signum, before)
        sys.unraisablehook = handler.unraisable
        logging.disable(muted)


def signal_of(stop: KeyboardInterrupt) -> signal.Signals:
    """The signal that raised `stop` (a plain KeyboardInterrupt is Python's SIGINT)."""
    return stop.signal if isinstance(stop, Stopped) else signal.SIGINT
