"""The scenario-file contract as pydantic models: every key, its type and its meaning.

Validated once, here; the engine trusts what it is given. Field names are
the TOML keys and the names used in output columns. Times of day (shift
starts, opening hours: "09:00", or a duration after midnight) count from
t=0, the end of the warm-up, which is midnight: daily patterns repeat every
24 h and the warm-up runs through the end of the previous day. The parts
live beside this file: channels, pools, demand (needs and events),
behaviour (journeys and visibility).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field, field_validator, model_validator

from sim.model.fields import Duration, PositiveDuration, Share
from sim.model.keys import hint
from sim.model.presets import preset_tables
from sim.model.retweets import expected_retweets
from sim.model.units import DAY, format_duration
from sim.policies import policy_class
from sim.scenario.base import Strict
from sim.scenario.behaviour import Journeys, Visibility
from sim.scenario.channels import Channel, Hours, NextStep, Redirect, Target
from sim.scenario.demand import Demand, Event, Needs
from sim.scenario.pools import Pool, Shift

__all__ = ["Channel", "Demand", "Event", "Hours", "Journeys", "Needs", "NextStep",
           "PolicySpec", "Pool", "Redirect", "Scenario", "Shift", "Target", "Visibility"]

SHARE_TOLERANCE = 1e-6
MAX_CHANNELS = 100  # channel codes are int8 in the records
MAX_CONTACTS = 50_000_000  # per replication: beyond this memory, not patience, runs out
MAX_INTERVALS = 100_000  # reporting intervals over warm-up and horizon (a year of 15 min: 35,040)
MAX_DAYS = 3660  # warm-up and horizon: daily patterns are laid out day by day
MAX_NAME = 100  # characters of `name`, which names folders and files with more around it


class PolicySpec(Strict):
    """A registered routing policy and its options."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Scenario(Strict):
    name: str  # also the default results folder
    horizon: PositiveDuration
    warmup: Duration = 0.0
    interval: PositiveDuration = 1800.0
    policy: PolicySpec = PolicySpec(name="fifo")
    demand: Demand
    needs: Needs = Needs()
    events: list[Event] = Field(default_factory=list)
    # "preset" names a survey preset; every other key is a table (a reason, or "default").
    # Optional with demand.channels, whose mix then chooses follow-ups' channels.
    choice: Annotated[dict[str, str | dict[str, Share]], Field(min_length=1)] | None = None
    channels: Annotated[dict[str, Channel], Field(min_length=1, max_length=MAX_CHANNELS)]
    pools: Annotated[dict[str, Pool], Field(min_length=1)]
    journeys: Journeys = Journeys()
    visibility: Visibility = Visibility()

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        if len(v) > MAX_NAME:
            raise ValueError(f"at most {MAX_NAME} characters, not {len(v):,} (it names a "
                             "folder, and sim sweep and sim staff add to it)")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v):
            raise ValueError("use letters, digits, '-', '_' and '.' only (it names a folder)")
        return v

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, v: object) -> object:
        return {"name": v} if isinstance(v, str) else v

    # ---- derived views the engine uses ----------------------------------------------------

    def choice_tables(self) -> dict[str, dict[str, float]]:
        """Tables by reason ("default" for the rest): the preset's, then the file's own;
        without `choice`, the channels' shares of `demand.channels` for every need."""
        if self.choice is None:
            rates = {ch: v.mean_rate for ch, v in self.demand.channels.items()}
            total = sum(rates.values())
            return {"default": {ch: rate / total for ch, rate in rates.items()}}
        preset = self.choice.get("preset")
        tables = dict(preset_tables(preset)) if isinstance(preset, str) else {}
        tables.update({k: v for k, v in self.choice.items() if k != "preset"})
        return tables

    def table_key(self, reason: str, region: str) -> str | None:
        """The table that applies to a need: the most specific of "<reason>/<region>",
        "<reason>", "default/<region>" and "default"."""
        tables = self.choice_tables()
        keys = (f"{reason}/{region}", reason, f"default/{region}", "default")
        return next((key for key in keys if key in tables), None)

    def table_for(self, reason: str, region: str) -> dict[str, float]:
        return self.choice_tables()[self.table_key(reason, region)]

    @property
    def public_channel(self) -> str | None:
        """Where public complaints go: `journeys.public_channel`, else the first public one."""
        if self.journeys.public_channel is not None:
            return self.journeys.public_channel
        return next((n for n, c in self.channels.items() if c.kind == "public"), None)

    # ---- cross-field rules, each error with its key path ------------------------------------

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        self._check_channel_names()
        self._check_needs()  # before the choice tables, which read needs per region
        self._check_choice()
        self._check_pools()
        self._check_demand()
        self._check_policy()
        return self

    def _check_channel_names(self) -> None:
        for table, names in (("channels", self.channels), ("pools", self.pools)):
            for name in names:  # the output tables' rows for every channel, and for pools
                if name == "all" or name.startswith("pool:"):
                    raise ValueError(f"{table}.{name}: the name 'all' and names starting "
                                     "with 'pool:' are reserved for the output tables")

        def check(path: str, name: str | None) -> None:
            if name is not None and name not in self.channels:
                raise ValueError(f"{path}: {name!r} names no channel"
                                 f"{hint(name, self.channels, 'channels')}")

        for ch, spec in self.channels.items():
            check(f"channels.{ch}.escalate_to", spec.escalate_to)
            if spec.redirect is not None:
                for target in spec.redirect.to:
                    check(f"channels.{ch}.redirect.to", target)
                _check_sum(f"channels.{ch}.redirect.to", spec.redirect.to)
        for name, pool in self.pools.items():
            for ch in pool.skills:
                check(f"pools.{name}.skills", ch)
        check("journeys.public_channel", self.journeys.public_channel)
        for ch in self.demand.channels or {}:
            check(f"demand.channels.{ch}", ch)

    def _check_choice(self) -> None:
        if self.choice is None:
            if self.demand.channels is None:
                raise ValueError("choice: the tables of first choices are needed unless "
                                 "demand.channels gives each channel's own volume")
            return  # the demand mix: follow-ups only, so Twitter use does not bound it
        reasons, regions = set(self.needs.reasons), set(self.needs.regions)
        for key, value in self.choice.items():
            if key == "preset":
                if not isinstance(value, str):
                    raise ValueError("choice.preset: the name of a preset")
                try:
                    preset_tables(value)
                except ValueError as err:
                    raise ValueError(f"choice.preset: {err}") from None
                continue
            if not isinstance(value, dict):
                raise ValueError(f"choice.{key}: a table of channel shares")
            reason, _, region = key.partition("/")
            bad_reason = reason != "default" and reason not in reasons
            if bad_reason or (region and region not in regions):
                raise ValueError(
                    f"choice.{key}: a table is 'default', a reason or '<reason>/<region>' "
                    f"(reasons: {', '.join(reasons)}; regions: {', '.join(regions)})")
        tables = self.choice_tables()
        preset = self.choice.get("preset")
        where = f"choice.preset {preset}" if preset else "choice"
        known = ", ".join(self.channels)
        for key, shares in tables.items():
            for ch in shares:
                if ch in self.channels:
                    continue
                if key in self.choice:
                    raise ValueError(f"choice.{key}.{ch}: names no channel"
                                     f"{hint(ch, self.channels, 'channels')}")
                raise ValueError(f"{where}: table {key!r} names channel {ch!r}, which the "
                                 f"scenario does not define (channels: {known})")
            _check_sum(f"choice.{key}", shares)
        twitter_only = [c.needs_twitter for c in self.channels.values()]
        for reason in self.needs.reasons:
            for region in self.needs.regions:
                key = self.table_key(reason, region)
                if key is None:
                    raise ValueError(f"choice: no table for reason {reason!r} in {region} and "
                                     "no 'default'")
                row = np.array([tables[key].get(ch, 0.0) for ch in self.channels])
                on_twitter = float(row[twitter_only].sum())
                users = self.needs.by_region("twitter_users", region)
                if on_twitter > users + SHARE_TOLERANCE:
                    raise ValueError(
                        f"choice.{key}: Twitter-only channels take {on_twitter:.1%} of needs, "
                        f"but only {users:.1%} of customers in {region} use Twitter "
                        "(needs.twitter_users)")

    def _check_needs(self) -> None:
        n = self.needs
        _check_sum("needs.reasons", n.reasons)
        _check_sum("needs.regions", n.regions)
        for field in ("twitter_users", "self_service"):
            value = getattr(n, field)
            if isinstance(value, dict) and set(value) != set(n.regions):
                raise ValueError(f"needs.{field}: give one value per region "
                                 f"({', '.join(n.regions)})")
        for k, event in enumerate(self.events):
            if event.reason not in n.reasons:
                raise ValueError(f"events.{k}.reason: {event.reason!r} names no reason"
                                 f"{hint(event.reason, n.reasons, 'needs.reasons')}")
        for ch, spec in self.channels.items():
            for field, value in (("fcr", spec.fcr),
                                 ("redirect.share", spec.redirect and spec.redirect.share)):
                if isinstance(value, dict):
                    for reason in value:
                        if reason != "default" and reason not in n.reasons:
                            raise ValueError(f"channels.{ch}.{field}.{reason}: names no reason"
                                             f"{hint(reason, n.reasons, 'needs.reasons')}")
                    if "default" not in value and set(n.reasons) - set(value):
                        raise ValueError(f"channels.{ch}.{field}: give 'default' or every "
                                         "reason")
        needs_public = any(spec.on_abandon.public or spec.on_late.public
                           for spec in self.channels.values()) or self.journeys.on_unresolved.public
        if needs_public and self.public_channel is None:
            raise ValueError("journeys.public_channel: public complaints need a public channel")

    def _check_pools(self) -> None:
        for name, pool in self.pools.items():
            if not isinstance(pool.agents, list):
                continue
            span = self.interval * len(pool.agents)  # the list repeats: a day, or whole days
            days = span / DAY
            if span > DAY and not math.isclose(days, round(days)):
                raise ValueError(
                    f"pools.{name}.agents: {len(pool.agents)} intervals of "
                    f"{format_duration(self.interval)} cover more than a day but not whole "
                    f"days ({days:.3g}): give one count per interval of a day, or of a week")

    def _check_demand(self) -> None:
        d = self.demand
        span = self.horizon + self.warmup
        if span > MAX_DAYS * DAY:
            raise ValueError(f"horizon: with the warm-up, more than {MAX_DAYS:,} days")
        if span / self.interval > MAX_INTERVALS:
            raise ValueError(
                f"interval: {span / self.interval:,.0f} reporting intervals of "
                f"{format_duration(self.interval)} over warm-up and horizon, more than "
                f"{MAX_INTERVALS:,} (lengthen the interval)")
        given = d.volume_keys() if d.channels is not None else []
        if given:
            key = given[0]
            raise ValueError(f"demand.{key}: with demand.channels each channel has its own "
                             f"volume; give demand.channels.NAME.{key} instead")
        volumes = d.volumes()
        paths = {ch: "demand" if ch is None else f"demand.channels.{ch}" for ch in volumes}
        expected = 0.0
        for ch, volume in volumes.items():
            expected += volume.mean_rate * span
            if expected > MAX_CONTACTS:
                key = "per_hour" if volume.per_hour else "daily"
                raise ValueError(
                    f"{paths[ch]}.{key}: about {expected:,.0f} needs per replication over "
                    f"warm-up and horizon, more than {MAX_CONTACTS:,} (shorten the horizon or "
                    "the rate)")
            if volume.profile is not None and not math.isclose(len(volume.profile)
                                                               * self.interval, DAY):
                raise ValueError(
                    f"{paths[ch]}.profile: {len(volume.profile)} weights of "
                    f"{format_duration(self.interval)} do not cover a day "
                    f"({DAY / self.interval:g} needed)")
        peak = sum(volume.peak_rate(self.interval) for volume in volumes.values())
        for k, event in enumerate(self.events):  # an outage's extra needs, at the peak rate
            overlap = min(event.start + event.length, self.horizon) - max(event.start,
                                                                          -self.warmup)
            if overlap > 0:
                expected += peak * self.needs.reasons.get(event.reason, 1.0) * (
                    event.multiplier - 1) * overlap
            if not expected <= MAX_CONTACTS:
                raise ValueError(f"events.{k}.multiplier: about {expected:,.0f} needs per "
                                 f"replication, more than {MAX_CONTACTS:,}")
        for name, channel in self.channels.items():
            expected += channel.backlog
            if expected > MAX_CONTACTS:
                raise ValueError(f"channels.{name}.backlog: with the demand, more than "
                                 f"{MAX_CONTACTS:,} needs per replication")
        self._check_retweets(expected)

    def _check_retweets(self, needs: float) -> None:
        """Retweets are drawn for every need up front when there is a public channel."""
        if not any(c.kind == "public" for c in self.channels.values()):
            return
        v = self.visibility
        per_need = expected_retweets(v.retweet_per_hour, v.half_life, v.retweet_window)
        if needs * per_need > MAX_CONTACTS:
            raise ValueError(f"visibility.retweet_per_hour: about {needs * per_need:,.0f} "
                             f"retweets per replication, more than {MAX_CONTACTS:,}")

    def _check_policy(self) -> None:
        try:
            policy = policy_class(self.policy.name)
        except ValueError as err:
            raise ValueError(f"policy: {err}") from None
        try:
            policy.validate_for(policy.validate_options(self.policy.options), self)
        except ValueError as err:
            raise ValueError(f"policy.{err}") from None


def _check_sum(path: str, shares: dict[str, float]) -> None:
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
        raise ValueError(f"{path}: shares sum to {total:g}, not 1")
