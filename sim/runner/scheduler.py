"""A client of a running dask scheduler (`--scheduler tcp://HOST:PORT`), connected within a
bound or not at all.

distributed's `Client(address, timeout=...)` bounds opening the TCP connection only: the
handshake that follows reads the server's first message with no limit, so a server that
accepts and never answers (a web server, a stuck process, a port forwarded to nothing) would
hang the command forever. `connect` bounds the client's whole start, handshake included,
with the `callback_timeout` that distributed's `sync` takes (Client.start passes its keywords
on to it), and closes what it opened when it gives up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Client


def connect(address: str, timeout: float) -> Client:
    """A client of the scheduler at `address`, started within `timeout` seconds; whatever
    went wrong is raised: TimeoutError if it did not answer in time, OSError if it could not
    be reached, ValueError or TypeError for a malformed address, anything else if the server
    there does not speak dask's protocol."""
    from distributed import Client

    class Bounded(Client):
        """A Client whose start (run by its constructor) ends within `timeout`."""

        def start(self, **kwargs) -> None:
            try:
                super().start(callback_timeout=timeout, **kwargs)
            except BaseException:
                self.close()
                raise

    return Bounded(address, timeout=timeout)


def describe(err: Exception, timeout: float) -> str:
    """Why `connect` failed, in words for the user."""
    if isinstance(err, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(err, (OSError, ValueError, TypeError)):
        return str(err) or type(err).__name__
    return "the server there does not answer as a dask scheduler"

