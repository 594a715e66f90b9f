"""What customers do between contacts: exchanges, redirects, resolution, retries, complaints.

A mixin of `Simulation`: the engine's state is its state. A need's contacts
are linked by `parent`; a need ends resolved (first resolution wins), or
gives up when its last open contact ends without a follow-up.
"""

from __future__ import annotations

from math import inf, isnan, nan

import numpy as np

from sim.engine.population import choice_matrix
from sim.engine.records import (
    AFTER_CLOSED,
    ANSWERED,
    CLOSED,
    COMPLAINT,
    ESCALATED,
    GAVE_UP,
    OPEN,
    REDIRECT,
    RESOLVED,
    RETRY,
    WAITING,
)
from sim.engine.streams import Draws, stream
from sim.model.distributions import Distribution
from sim.scenario.channels import MAX_EXCHANGES, ByReason, NextStep


class Journeys:
    """Mixed into `Simulation`; uses its contact and need columns."""

    def _set_up_journeys(self, seed: np.random.SeedSequence) -> None:
        sc = self.scenario
        code = {name: k for k, name in enumerate(self.channels)}
        reasons = list(sc.needs.reasons)
        specs = self.channel_specs
        self._plain = tuple(s.messages is None and not self.policy.may_redirect(s)
                            and _always(s.fcr) for s in specs)
        self._fcr = tuple(tuple(_by_reason(s.fcr, r) for r in reasons) for s in specs)
        self._redirect_share = tuple(
            None if s.redirect is None else tuple(_by_reason(s.redirect.share, r) for r in reasons)
            for s in specs)
        self._escalate_to = tuple(-1 if s.escalate_to is None else code[s.escalate_to]
                                  for s in specs)
        self._public = code.get(sc.public_channel, -1) if sc.public_channel else -1
        self._choice = choice_matrix(sc).tolist()
        self._regions = len(sc.needs.regions)
        self._closed_action = tuple(s.closed_action if s.hours is not None else "queue"
                                    for s in specs)
        self._coin = Draws(stream(seed, "journeys"))
        self._untagged_coin = Draws(stream(seed, "untagged"))
        self._draws: dict[str, Draws] = {}

    def _draw(self, name: str, dist: Distribution | None) -> float:
        """The next value of `dist` from the stream called `name` (0 when dist is None)."""
        if dist is None:
            return 0.0
        draws = self._draws.get(name)
        if draws is None:
            draws = self._draws[name] = Draws(stream(self._seed, name), dist.ppf)
        return draws()

    def _u_messages(self, ch: int, n: int) -> np.ndarray:
        return stream(self._seed, f"messages:{self.channels[ch]}").random(n)

    def _set_exchanges(self, contacts: np.ndarray, values: np.ndarray) -> None:
        for i, v in zip(contacts.tolist(), values.tolist(), strict=True):
            self._exchanges_left[i] = exchanges(v)

    # ---- a contact's end -------------------------------------------------------------------

    def _resolve(self, need: int, now: float) -> None:
        if self._outcome[need] == OPEN:
            self._outcome[need] = RESOLVED
            self._resolved[need] = now

    def _contact_ended(self, i: int) -> None:
        need = self.need_of[i]
        self._open_contacts[need] -= 1
        if self._open_contacts[need] == 0 and self._outcome[need] == OPEN:
            self._outcome[need] = GAVE_UP

    def _exchange_done(self, i: int, ch: int, now: float) -> None:
        """An exchange of a case ended: redirect, next message, or the case's end."""
        spec = self.channel_specs[ch]
        need = self.need_of[i]
        first = isnan(self._replied[i])
        if first:
            self._replied[i] = now
        else:
            self._exchange_end[self._exchange_row.pop(i)] = now
        move = self.policy.redirect(self, i) if first else None
        if move is not None:
            self._status[i] = ANSWERED
            self._ended[i] = now
            if self._outcome[need] == OPEN:
                self._follow_up(i, move[0], REDIRECT, move[1])
            self._contact_ended(i)
            return
        left = self._exchanges_left[i]
        if left > 1:  # the customer answers after a gap; the case comes back to the queue
            self._exchanges_left[i] = left - 1
            self._handle[i] = self._draw(f"handle:{self.channels[ch]}:more", spec.handle_time)
            gap = self._draw(f"reply_gap:{self.channels[ch]}", spec.reply_gap)
            self.env.call_at(now + gap, self._on_continue, i)
            return
        self._status[i] = ANSWERED
        self._ended[i] = now
        if self._coin() < self._fcr[ch][self.need_reason[need]]:
            self._resolve(need, now)
        elif self._outcome[need] == OPEN:
            if self._escalate_to[ch] >= 0:
                self._follow_up(i, self._escalate_to[ch], ESCALATED, 0.0)
            else:
                self._next_step(i, self.scenario.journeys.on_unresolved)
        self._contact_ended(i)

    def _on_continue(self, i: int) -> None:
        self._status[i] = WAITING
        self._offer(i, self.channel_of[i], self.env._now)

    def _on_late(self, i: int) -> None:
        """Patience ran out before any agent took a deferred or public contact; it stays
        in queue, and the customer may try elsewhere too."""
        if self._status[i] == WAITING and isnan(self._answered[i]):
            self._next_step(i, self.channel_specs[self.channel_of[i]].on_late)

    # ---- the next contact -----------------------------------------------------------------

    def _next_step(self, i: int, step: NextStep) -> bool:
        """After a bad experience: retry on another channel, complain in public, or not."""
        need = self.need_of[i]
        if self._outcome[need] != OPEN or step.retry + step.public == 0:
            return False
        u = self._coin()
        delay = self.scenario.journeys.retry_delay
        if u < step.retry:
            ch = self._retry_channel(need)
            return ch >= 0 and self._follow_up(i, ch, RETRY, self._draw("retry_delay", delay))
        public = self._public
        if (u < step.retry + step.public and self.need_twitter[need] and public >= 0
                and self.channel_of[i] != public):
            return self._follow_up(i, public, COMPLAINT, self._draw("retry_delay", delay))
        return False

    def _closed_door(self, i: int, ch: int) -> None:
        """Contact i met its channel closed: the customer switches to an open channel of
        their table (else comes back at the opening), comes back when it opens, or gives
        up, as `when_closed` says."""
        now = self.env._now
        self._status[i] = CLOSED
        self._ended[i] = now
        need = self.need_of[i]
        action = self._closed_action[ch]
        if self._outcome[need] == OPEN and action != "give_up":
            to = self._open_channel(need, ch) if action == "switch" else -1
            if to >= 0:
                self._follow_up(i, to, AFTER_CLOSED, 0.0)
            else:
                spec = self.channel_specs[ch]
                delay = spec.hours.next_open(now) - now + self._draw(
                    f"return_delay:{self.channels[ch]}", spec.return_delay)
                self._follow_up(i, ch, AFTER_CLOSED, delay)
        self._contact_ended(i)

    def _open_channel(self, need: int, closed: int) -> int:
        """A channel of the need's table that takes contacts now; -1 if none does."""
        row = self._choice[self._group(need)]
        return self._pick([w if ch != closed and (self.open[ch] or action == "queue") else 0.0
                           for ch, (w, action) in enumerate(zip(row, self._closed_action,
                                                                strict=True))])

    def _retry_channel(self, need: int) -> int:
        """A channel not yet tried, from the need's own choice table; -1 if none is left."""
        row = self._choice[self._group(need)]
        tried = self._tried.get(need, 1 << int(self._first_channel[need]))
        return self._pick([0.0 if tried >> ch & 1 else w for ch, w in enumerate(row)])

    def _group(self, need: int) -> int:
        """The need's row of the choice tables (`population.group_of`, for one need)."""
        reason, region = int(self.need_reason[need]), int(self.need_region[need])
        return (reason * self._regions + region) * 2 + int(self.need_twitter[need])

    def _pick(self, weights: list[float]) -> int:
        """A channel drawn in proportion to `weights` with the journeys stream; -1 if all
        are 0."""
        total = sum(weights)
        if total <= 0:
            return -1
        u = self._coin() * total
        for ch, w in enumerate(weights):
            u -= w
            if u < 0 and w > 0:
                return ch
        return max(ch for ch, w in enumerate(weights) if w > 0)

    def channel_redirect(self, i: int) -> tuple[int, float] | None:
        """The channel's own `redirect` setting: (target, delay) for a share of its contacts
        by reason, else None."""
        ch = self.channel_of[i]
        shares = self._redirect_share[ch]
        if shares is None or self._coin() >= shares[self.need_reason[self.need_of[i]]]:
            return None
        spec = self.channel_specs[ch]
        delay = self._draw(f"redirect_delay:{self.channels[ch]}", spec.redirect.delay)
        return self.pick_channel(spec.redirect.to), delay

    def pick_channel(self, shares: dict[str, float]) -> int:
        """A channel code drawn from {name: share}, with the journeys stream."""
        u = self._coin() * sum(shares.values())
        for name, share in shares.items():
            u -= share
            if u < 0:
                return self.channels.index(name)
        return self.channels.index(next(reversed(shares)))

    def _follow_up(self, parent: int, ch: int, cause: int, delay: float) -> bool:
        """A new contact of the same need on channel ch, arriving after `delay`."""
        need = self.need_of[parent]
        if self._contacts[need] >= self.scenario.journeys.max_contacts:
            return False
        now = self.env._now
        spec = self.channel_specs[ch]
        name = self.channels[ch]
        j = len(self.arrival)
        self.arrival.append(now + delay)
        self.channel_of.append(ch)
        self.need_of.append(need)
        self._handle.append(self._draw(f"handle:{name}:follow-up", spec.handle_time))
        if self._patience is not None:  # else no channel has patience
            self._patience.append(self._draw(f"patience:{name}:follow-up", spec.patience)
                                  if spec.patience is not None else inf)
        messages = self._draw(f"messages:{name}:follow-up", spec.messages)
        self._exchanges_left.append(exchanges(messages))
        self._parent.append(parent)
        self._cause.append(cause)
        self._answered.append(nan)
        self._ended.append(nan)
        if self._replied is not None:
            self._replied.append(nan)
        self._served_by.append(-1)
        self._status.append(WAITING)
        self._contacts[need] += 1
        if ch != self.channel_of[parent]:
            self._changes[need] += 1
        self._tried[need] = self._tried.get(need, 1 << int(self._first_channel[need])) | (
            1 << ch)
        self._open_contacts[need] += 1
        self.env.call_at(now + delay, self._on_arrival, j)
        return True


def exchanges(drawn: float) -> int:
    """A case's exchanges from its `messages` draw: rounded, at least 1 and at most
    MAX_EXCHANGES, the most its int16 counter holds."""
    return round(min(drawn, MAX_EXCHANGES)) if drawn >= 1 else 1


def _by_reason(value: ByReason, reason: str) -> float:
    if isinstance(value, float):
        return value
    return value.get(reason, value.get("default", 1.0))


def _always(value: ByReason) -> bool:
    return value == 1.0 if isinstance(value, float) else all(v == 1.0 for v in value.values())
