"""Write a small contact log from an event loop that does not use `sim`.

`sim fit LOG` fits a scenario from a contact log, and the backtest runs the fitted scenario
and checks that it reproduces the log. For that check to mean something the log must come
from somewhere else: this script is a plain queueing simulation in Python, numpy and heapq,
and it imports nothing from `sim`.

Run from the repository root:

    .venv/bin/python examples/data/make_log.py            # seed 2015, 28 days
    .venv/bin/python examples/data/make_log.py --seed 7 --days 7 --out /tmp/log

It writes `contacts.csv` and `agents.csv` into `--out` (default: this script's folder,
examples/data/). Each file is first written to a temporary file in that folder and then
moved into place with os.replace, so a reader never sees half a file. The same seed and
days give byte-identical files.

The process
-----------

Time. The log starts on Monday 2026-06-01 at 00:00 and covers `days` whole days (default
28), split into 30-minute intervals (48 a day). Every time below is local clock time, with
no time zones and no daylight saving.

Channels. Three channels, each with its own pool of identical agents and its own FIFO queue
(first come, first served); the channels share nothing and are simulated one at a time.
An agent handles one contact at a time (no chat concurrency), and a contact is handled by
one agent, once: no transfers, retries, callbacks or repeat contacts.

- phone (realtime). Arrivals from 08:00 to 20:00 only (the rate is zero outside), 1,200
  calls expected on a day with weekday factor 1.0. Intraday weight of the 30-minute
  interval with midpoint h (hours after midnight), for 8 <= h < 20:
      w(h) = 0.25 + exp(-((h - 10.75) / 1.0)**2 / 2) + 0.55 * exp(-((h - 14.25) / 0.9)**2 / 2)
  (a late-morning peak at 10:30-11:00, a dip at lunch, a smaller peak at 14:00-14:30).
  Handle time lognormal with mean 300 s and coefficient of variation 0.9. Patience
  exponential with mean 240 s.
- chat (realtime). Arrivals from 08:00 to 22:00 only, 400 a day at factor 1.0, with
      w(h) = 0.4 + 0.8 * exp(-((h - 13) / 2.5)**2 / 2) + 0.5 * exp(-((h - 20) / 1.2)**2 / 2)
  for 8 <= h < 22 (a broad midday peak and an evening bump at 20:00). Handle time
  lognormal with mean 480 s and cv 0.7. Patience lognormal with median 90 s and sigma
  (of its logarithm) 1.0, so one channel has a patience that is not exponential.
- email (deferred). Arrivals around the clock, 500 a day at factor 1.0, with
      w(h) = 0.15 + exp(-((h - 12) / 3.5)**2 / 2)      for 0 <= h < 24
  (low at night, a smooth hump centred on noon). Nobody abandons. Handle time gamma with
  mean 420 s and cv 0.6 (shape 1 / 0.6**2). Agents work 08:00-18:00 only, so emails that
  arrive in the evening or at night wait for the morning.

Lognormal with mean m and cv c: sigma**2 = ln(1 + c**2), mu = ln(m) - sigma**2 / 2.
Handle times and patiences are independent of each other and of everything else.

Volume. The expected count in an interval is V * f[weekday] * w(h) / sum of w over the
day's intervals, where V is the channel's volume above and the weekday factors, for every
channel, are Mon..Sun 1.10, 1.05, 1.00, 1.00, 0.95, 0.55, 0.35 (a week of phone calls:
1,200 * 6.0 = 7,200 expected). Within each interval the rate is constant: the count is
Poisson with that mean and the arrival times are independent and uniform over the
interval. This is a non-homogeneous Poisson process with a piecewise-constant rate.

Staffing. Agents per channel per 30-minute interval, the same on every day of the week,
sized for the Mon-Fri average load (mean weekday factor 1.02), so weekends are
overstaffed (which is realistic and intended):
- phone and chat: square-root staffing, agents = ceil(a + 0.5 * sqrt(a)) with
  a = 1.02 * V * w(h) / sum(w) / 1800 s * mean handle (the offered load in Erlangs), at
  least 1 while the channel is open and 0 outside its hours;
- email: ceil(1.3 * 1.02 * 500 * 420 s / 36,000 s) = 8 agents in each interval from 08:00
  to 18:00 and 0 outside, enough to clear the overnight backlog in the 10 hours.
The staffing of every interval is in agents.csv.

Shift changes. At the start of each interval the pool's count is set to that interval's
agents. If it falls, idle agents leave at once and busy agents finish the contact in hand
and then leave; if it rises, departures still pending are cancelled first and then new
agents start at once and take waiting contacts. At any moment an idle agent takes the
contact at the head of the queue. A realtime contact that finds no idle agent waits, and
hangs up when its wait reaches its patience unless an agent took it first (also when the
channel has closed and there are no agents at all).

Event loop. Arrival times are drawn in advance and scheduled as events; every event
(arrival, interval start, end of service, hang-up) goes into one heap per channel keyed by
time, with ties broken by insertion order.

Warm-up and end. Each channel is simulated from 00:00 on the day before the start
(Sunday 2026-05-31, with Sunday's factor 0.35), so that the first Monday morning starts
with the queue it would really have (for email: the weekend's overnight backlog);
contacts that arrive before 2026-06-01 00:00 are then dropped. Nothing arrives after the
last day, but the simulation goes on (with the same daily staffing) until every contact
that arrived in the log's days has ended: a call still in service at midnight is kept,
and the last evening's emails are answered on the morning after the log (that day is not
in agents.csv).

Random numbers. numpy's default_rng, one independent stream per channel and purpose,
from np.random.SeedSequence(seed).spawn(3) (phone, chat, email, in that order), each
spawned again into 3: arrivals, handle times, patiences.

Output
------

contacts.csv, one row per contact, sorted by arrival (then channel):
    arrival, channel, answered, ended
Times are ISO 8601 text to the second (2026-06-01T08:00:03). Each time is floored to the
whole second; flooring keeps the order, so answered >= arrival and ended >= answered. A
contact that hung up has `answered` empty and `ended` = the moment it hung up. The wait is
answered - arrival (or ended - arrival for a hang-up), the handle time ended - answered.

agents.csv, one row per 30-minute interval of every day of the log, per channel (zeros
included), in time order, channels in the order phone, chat, email:
    interval_start, channel, agents

make_log() returns the same two tables as pandas DataFrames, with the times as
datetime64[s] columns (NaT for `answered` of a hang-up) instead of text.
"""

import argparse
import heapq
import math
import os
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

START = np.datetime64("2026-06-01T00:00:00", "s")  # a Monday
DAY = 86_400.0
INTERVAL = 1_800.0
PER_DAY = 48
WEEKDAY_FACTORS = (1.10, 1.05, 1.00, 1.00, 0.95, 0.55, 0.35)  # Mon..Sun
STAFFING_FACTOR = sum(WEEKDAY_FACTORS[:5]) / 5  # the Mon-Fri average, 1.02
SQRT_BETA = 0.5
EMAIL_SAFETY = 1.3
EMAIL_OPEN_SECONDS = 36_000.0  # 08:00-18:00


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-(((h - centre) / width) ** 2) / 2)


def _phone_shape(h: np.ndarray) -> np.ndarray:
    return 0.25 + _bump(h, 10.75, 1.0) + 0.55 * _bump(h, 14.25, 0.9)


def _chat_shape(h: np.ndarray) -> np.ndarray:
    return 0.4 + 0.8 * _bump(h, 13.0, 2.5) + 0.5 * _bump(h, 20.0, 1.2)


def _email_shape(h: np.ndarray) -> np.ndarray:
    return 0.15 + _bump(h, 12.0, 3.5)


@dataclass(frozen=True)
class Channel:
    name: str
    volume: float  # expected contacts on a day with weekday factor 1.0
    open_hours: tuple[float, float]  # arrivals (realtime: and agents) in [open, close)
    shape: Callable[[np.ndarray], np.ndarray]  # w(h), h = interval midpoint in hours
    handle: tuple[str, float, float]  # (family, mean s, cv)
    # ("exponential", mean, 0) or ("lognormal", median, sigma); None: nobody abandons
    patience: tuple[str, float, float] | None
    agent_hours: tuple[float, float]

    def weights(self) -> np.ndarray:
        """The intraday shape over the 48 intervals, zero outside the arrival hours, sum 1."""
        start = np.arange(PER_DAY) * 0.5
        w = np.asarray(self.shape(start + 0.25), dtype=float)
        w[(start < self.open_hours[0]) | (start >= self.open_hours[1])] = 0.0
        return w / w.sum()

    def staffing(self) -> np.ndarray:
        """Agents in each of the 48 intervals, the same every day."""
        start = np.arange(PER_DAY) * 0.5
        open_ = (start >= self.agent_hours[0]) & (start < self.agent_hours[1])
        mean_handle = self.handle[1]
        if self.patience is None:  # deferred: clear the day's work in the agents' hours
            n = math.ceil(
                EMAIL_SAFETY * STAFFING_FACTOR * self.volume * mean_handle / EMAIL_OPEN_SECONDS
            )
            return np.where(open_, n, 0).astype(np.int64)
        load = STAFFING_FACTOR * self.volume * self.weights() / INTERVAL * mean_handle
        n = np.ceil(load + SQRT_BETA * np.sqrt(load)).astype(np.int64)
        return np.where(open_, np.maximum(n, 1), 0).astype(np.int64)


CHANNELS = (
    Channel("phone", 1200.0, (8.0, 20.0), _phone_shape, ("lognormal", 300.0, 0.9),
            ("exponential", 240.0, 0.0), (8.0, 20.0)),
    Channel("chat", 400.0, (8.0, 22.0), _chat_shape, ("lognormal", 480.0, 0.7),
            ("lognormal", 90.0, 1.0), (8.0, 22.0)),
    Channel("email", 500.0, (0.0, 24.0), _email_shape, ("gamma", 420.0, 0.6),
            None, (8.0, 18.0)),
)


def _draw_handle(rng: np.random.Generator, spec: tuple[str, float, float], n: int) -> np.ndarray:
    family, mean, cv = spec
    if family == "lognormal":
        sigma2 = math.log1p(cv * cv)
        return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)
    if family == "gamma":
        shape = 1.0 / (cv * cv)
        return rng.gamma(shape, mean / shape, n)
    raise ValueError(family)


def _draw_patience(
    rng: np.random.Generator, spec: tuple[str, float, float] | None, n: int
) -> np.ndarray:
    if spec is None:
        return np.full(n, np.inf)
    family, a, b = spec
    if family == "exponential":
        return rng.exponential(a, n)
    if family == "lognormal":
        return rng.lognormal(math.log(a), b, n)
    raise ValueError(family)


def _arrivals(rng: np.random.Generator, channel: Channel, days: int) -> np.ndarray:
    """Sorted arrival times (seconds from START) from the day before START to the end."""
    first = -1  # the warm-up day
    day_index = np.arange(first, days)
    factors = np.asarray(WEEKDAY_FACTORS)[day_index % 7]
    means = (channel.volume * factors[:, None] * channel.weights()[None, :]).ravel()
    counts = rng.poisson(means)
    starts = first * DAY + np.arange(means.size) * INTERVAL
    times = np.repeat(starts, counts) + rng.uniform(0.0, INTERVAL, int(counts.sum()))
    return np.sort(times, kind="stable")


_SHIFT, _ARRIVE, _DONE, _HANGUP = 0, 1, 2, 3


def _run_channel(
    arrival: np.ndarray, handle: np.ndarray, patience: np.ndarray, staffing: np.ndarray,
    t0: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The event loop of one channel. Returns (answered, ended), answered NaN if hung up."""
    n = arrival.size
    answered = np.full(n, np.nan)
    ended = np.full(n, np.nan)
    waiting = np.zeros(n, dtype=bool)
    queue: deque[int] = deque()
    seq = 0
    heap: list[tuple[float, int, int, int]] = []
    for i in range(n):  # arrivals are scheduled in advance
        heap.append((float(arrival[i]), seq, _ARRIVE, i))
        seq += 1
    heap.append((t0, seq, _SHIFT, 0))  # interval starts are chained one by one
    seq += 1
    heapq.heapify(heap)
    open_contacts = n  # not yet ended (including not yet arrived)
    target = busy = idle = 0

    def start(i: int, t: float) -> None:
        nonlocal idle, busy, seq
        idle -= 1
        busy += 1
        waiting[i] = False
        answered[i] = t
        ended[i] = t + handle[i]
        heapq.heappush(heap, (ended[i], seq, _DONE, i))
        seq += 1

    def serve(t: float) -> None:
        while idle > 0 and queue:
            i = queue.popleft()
            if waiting[i]:
                start(i, t)

    while heap:
        t, _, kind, i = heapq.heappop(heap)
        if kind == _ARRIVE:
            if idle > 0:
                start(i, t)
            else:
                waiting[i] = True
                queue.append(i)
                if np.isfinite(patience[i]):
                    heapq.heappush(heap, (t + patience[i], seq, _HANGUP, i))
                    seq += 1
        elif kind == _DONE:
            busy -= 1
            open_contacts -= 1
            if busy + idle < target:
                idle += 1
            serve(t)
        elif kind == _HANGUP:
            if waiting[i]:
                waiting[i] = False
                ended[i] = t
                open_contacts -= 1
        else:  # _SHIFT: interval number i from t0
            target = int(staffing[i % PER_DAY])
            idle = max(0, target - busy)  # a fall: idle leave, busy go when done
            serve(t)
            if open_contacts > 0:  # go on until every contact has ended
                heapq.heappush(heap, (t + INTERVAL, seq, _SHIFT, i + 1))
                seq += 1
    return answered, ended


def _seconds_to_times(seconds: np.ndarray) -> np.ndarray:
    """Seconds from START (NaN allowed) to datetime64[s], floored to the second."""
    out = np.full(seconds.size, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = np.isfinite(seconds)
    out[ok] = START + np.floor(seconds[ok]).astype(np.int64).astype("timedelta64[s]")
    return out


def make_log(
    seed: int = 2015, days: int = 28, *, channels: tuple[Channel, ...] = CHANNELS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the process in the module docstring; return (contacts, agents).

    contacts: arrival, channel, answered (NaT for a hang-up), ended, sorted by arrival;
    agents: interval_start, channel, agents, one row per channel per 30-minute interval.
    The times are datetime64[s], floored to the second.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    streams = np.random.SeedSequence(seed).spawn(len(channels))
    parts = []
    for channel, stream in zip(channels, streams, strict=True):
        arrival_ss, handle_ss, patience_ss = stream.spawn(3)
        arrival = _arrivals(np.random.default_rng(arrival_ss), channel, days)
        handle = _draw_handle(np.random.default_rng(handle_ss), channel.handle, arrival.size)
        patience = _draw_patience(
            np.random.default_rng(patience_ss), channel.patience, arrival.size
        )
        answered, ended = _run_channel(arrival, handle, patience, channel.staffing(), -DAY)
        keep = arrival >= 0.0  # drop the warm-up day's contacts
        parts.append(pd.DataFrame({
            "t": arrival[keep],
            "order": len(parts),
            "arrival": _seconds_to_times(arrival[keep]),
            "channel": channel.name,
            "answered": _seconds_to_times(answered[keep]),
            "ended": _seconds_to_times(ended[keep]),
        }))
    contacts = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["t", "order"], kind="stable")
        .drop(columns=["t", "order"])
        .reset_index(drop=True)
    )
    starts = START + (np.arange(days * PER_DAY) * int(INTERVAL)).astype("timedelta64[s]")
    agents = pd.DataFrame({
        "interval_start": np.repeat(starts, len(channels)),
        "channel": np.tile([c.name for c in channels], starts.size),
        "agents": np.concatenate(
            [np.tile(c.staffing(), days)[:, None] for c in channels], axis=1
        ).ravel(),
    })
    return contacts, agents


ISO = "%Y-%m-%dT%H:%M:%S"


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False, date_format=ISO, na_rep="", lineterminator="\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the log is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(
            "Simulate a contact centre (phone, chat, email) with an event loop independent "
            "of `sim` and write its log: contacts.csv (arrival, channel, answered, ended) "
            "and agents.csv (interval_start, channel, agents per 30-minute interval) into "
            "--out. The process is described in this script's docstring."
        )
    )
    parser.add_argument("--seed", type=int, default=2015, help="random seed (default 2015)")
    parser.add_argument("--days", type=int, default=28,
                        help="days from Monday 2026-06-01 (default 28)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write into (default: this script's folder)")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    contacts, agents = make_log(args.seed, args.days)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("contacts.csv", contacts), ("agents.csv", agents)):
        path = args.out / name
        _write_atomic(frame, path)
        print(f"wrote {path} ({len(frame):,} rows)")


if __name__ == "__main__":
    main()
