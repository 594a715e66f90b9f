"""`--scheduler` that is not a working dask scheduler ends the command with exit 2 and one line,
within the bound (CONNECT_TIMEOUT, 10 s), however the server misbehaves: it accepts and never
answers, answers garbage, or dies in the middle of the run. And the local cluster a run starts
serves no HTTP.

The quick tests lower the bound to 1 s and run in this process; the slow ones run `sim` as a
user does, with the real bound.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

import sim.runner.executors as executors
from sim.runner.executors import CONNECT_TIMEOUT, dask_client
from tests.reliability.helpers import SCENARIOS, run_main
from tests.reliability.processes import started

ERLANG_C = SCENARIOS / "erlang-c.toml"
RUN = ("run", ERLANG_C, "-n", 2, "-q")
SWEEP = ("sweep", ERLANG_C, "--set", "pools.phone.agents=46:50:2", "-n", 2, "-q")
STARTUP = 10  # seconds a `sim` process may take beyond the bound (imports, a loaded machine)
GARBAGE = b"HTTP/1.1 200 OK\r\n\r\n" + bytes(range(256)) * 64


@contextlib.contextmanager
def server(reply: bytes = b"") -> Iterator[str]:
    """A TCP server on the loopback that accepts, sends `reply` (nothing: it never answers)
    and keeps the connection open; its address as tcp://HOST:PORT."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):  # the listener closed: the test is over
            while True:
                connection, _ = listener.accept()
                held.append(connection)
                connection.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def assert_refused(code: int, out: str, err: str, address: str, reason: str) -> None:
    assert code == 2, f"exit {code}:\n{err}"
    assert out == ""
    assert err.splitlines() == [f"error: --scheduler {address}: {reason}"], err


@pytest.mark.parametrize("command", [RUN, SWEEP], ids=["run", "sweep"])
def test_a_server_that_never_answers_is_given_up_at_the_bound(tmp_path, monkeypatch, command):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    with server() as address:
        start = time.monotonic()
        code, out, err = run_main(*command, "--out", tmp_path / "out", "--scheduler", address)
    assert time.monotonic() - start < 1 + 5
    assert_refused(code, out, err, address, "cannot connect: no answer within 1 s")


@pytest.mark.parametrize("command", [RUN, SWEEP], ids=["run", "sweep"])
def test_a_server_that_answers_garbage_is_not_a_scheduler(tmp_path, command):
    with server(GARBAGE) as address:
        start = time.monotonic()
        code, out, err = run_main(*command, "--out", tmp_path / "out", "--scheduler", address)
    assert time.monotonic() - start < CONNECT_TIMEOUT
    assert_refused(code, out, err, address,
                   "cannot connect: the server there does not answer as a dask scheduler")


@pytest.mark.slow
@pytest.mark.parametrize("command", [RUN, SWEEP], ids=["run", "sweep"])
def test_sim_gives_up_on_a_silent_server_within_the_bound(tmp_path, command):
    with server() as address, started("-m", "sim", *command, "--out", tmp_path / "out",
                                      "--scheduler", address,
                                      stderr=tmp_path / "stderr.txt") as program:
        code = program.process.wait(timeout=CONNECT_TIMEOUT + STARTUP)
    assert_refused(code, "", program.stderr(), address,
                   f"cannot connect: no answer within {CONNECT_TIMEOUT:g} s")


@pytest.mark.slow
def test_sim_gives_up_on_a_web_server_within_the_bound(tmp_path):
    """`python -m http.server`: it waits for a request line that dask's handshake never ends."""
    with started("-m", "http.server", "--bind", "127.0.0.1", "0",
                 stderr=tmp_path / "http.txt") as web:
        web.wait_until(lambda p: listening(p.pid))
        address = f"tcp://127.0.0.1:{listening(web.pid)[0]}"
        with started("-m", "sim", *RUN, "--out", tmp_path / "out", "--scheduler", address,
                     stderr=tmp_path / "stderr.txt") as program:
            code = program.process.wait(timeout=CONNECT_TIMEOUT + STARTUP)
    assert_refused(code, "", program.stderr(), address,
                   f"cannot connect: no answer within {CONNECT_TIMEOUT:g} s")


def test_a_scheduler_that_dies_mid_run_ends_the_run_with_one_line(tmp_path):
    file = tmp_path / "scheduler.json"
    with started("-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", 0,
                 "--no-dashboard", "--scheduler-file", file,
                 stderr=tmp_path / "scheduler.txt") as scheduler, \
         started("-m", "distributed.cli.dask_worker", "--scheduler-file", file,
                 "--nthreads", 1, "--no-dashboard", stderr=tmp_path / "worker.txt"):
        scheduler.wait_until(lambda _: file.exists() and "Register worker" in
                             (tmp_path / "scheduler.txt").read_text())
        address = json.loads(file.read_text())["address"]
        port = int(address.rsplit(":", 1)[1])
        with started("-m", "sim", "run", SCENARIOS / "baseline-2015.toml", "-n", 400, "-q",
                     "--out", tmp_path / "out", "--scheduler", address,
                     stderr=tmp_path / "stderr.txt") as program:
            program.wait_until(lambda p: connected(p.pid, port))
            scheduler.wait_until(lambda _: "Receive client connection" in
                                 (tmp_path / "scheduler.txt").read_text())
            time.sleep(2)  # replications under way
            scheduler.process.send_signal(signal.SIGKILL)
            code = program.process.wait(timeout=CONNECT_TIMEOUT + STARTUP)
    assert_refused(code, "", program.stderr(), address, "lost during the run")
    assert not (tmp_path / "out").exists()


def test_a_local_cluster_serves_no_http():
    """Every port the cluster's processes listen on is dask's: its server speaks first (its
    handshake), where a web server waits for a request."""
    with dask_client(None, 2) as client:
        client.wait_for_workers(2)
        pids = [psutil.Process().pid, *(p.pid for p in psutil.Process().children(True))]
        ports = [port for pid in pids for port in listening(pid)]
        assert len(ports) >= 5, ports  # the scheduler, and a nanny and a worker each
        assert 8787 not in ports
        silent = [port for port in ports if not speaks_first(port)]
    assert silent == [], f"ports that wait for a request, as HTTP does: {silent}"


def listening(pid: int) -> list[int]:
    """The TCP ports the process listens on."""
    return sorted(c.laddr.port for c in psutil.Process(pid).net_connections("tcp")
                  if c.status == psutil.CONN_LISTEN)


def connected(pid: int, port: int) -> bool:
    """The process has a TCP connection to `port`."""
    return any(c.raddr and c.raddr.port == port
               for c in psutil.Process(pid).net_connections("tcp"))


def speaks_first(port: int, wait: float = 3) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        try:
            return bool(connection.recv(1))
        except TimeoutError:
            return False
