"""The routing-policy interface: two questions the engine asks, and a registry by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from sim.model.keys import closest

if TYPE_CHECKING:
    from sim.engine.agents import Agent
    from sim.engine.simulation import Simulation
    from sim.scenario.channels import Channel
    from sim.scenario.schema import Scenario

_REGISTRY: dict[str, type[Policy]] = {}


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Policy:
    """A routing policy: one small class, registered by its `name`.

    The engine calls it at its two decision points and then carries out the
    answer; a policy reads the simulation (`sim.now`, `sim.head(channel)`,
    `sim.waiting`, `sim.pools_for`, `sim.arrival`, ...) but never changes it.
    Options come from the scenario's `[policy]` table, validated by `Options`.
    """

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel) -> None:
        self.options = options

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.name] = cls

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> BaseModel:
        """The options as the policy's model; ValueError naming the known options."""
        try:
            return cls.Options(**options)
        except ValidationError as err:
            known = ", ".join(cls.Options.model_fields) or "none"
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = first["msg"]
            if first["type"] == "extra_forbidden":
                match = closest(where, cls.Options.model_fields)
                reason = "unknown option" + (f" (did you mean {match!r}?)" if match else "")
            raise ValueError(f"{where}: {reason} (options of {cls.name!r}: {known})") from None

    def select_agent(self, sim: Simulation, contact: int, channel: int) -> Agent | None:
        """A contact arrives: which free agent takes it (None: it waits in queue)."""
        raise NotImplementedError

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        """An agent has room and work may be waiting: which contact (None: stay free)."""
        raise NotImplementedError

    # ---- optional hooks; the defaults leave the scenario's own settings in charge ----------

    @classmethod
    def validate_for(cls, options: BaseModel, scenario: Scenario) -> None:
        """Check options against the scenario (e.g. channel names); ValueError with the
        option's key path, which the scenario check reports under `policy.`."""

    def may_redirect(self, spec: Channel) -> bool:
        """Whether contacts of a channel can be sent on after their first reply (the engine
        keeps a fast path for channels that cannot)."""
        return spec.redirect is not None

    def redirect(self, sim: Simulation, contact: int) -> tuple[int, float] | None:
        """A contact got its first reply: send the case on as (channel, delay), or keep it
        (None). The default follows the channel's `redirect` setting."""
        return sim.channel_redirect(contact)

    def handle_time(self, sim: Simulation, contact: int, channel: int, duration: float) -> float:
        """The duration of the exchange an agent starts now (default: as drawn). Only called
        when a policy overrides it."""
        return duration

    def on_queue(self, sim: Simulation, contact: int, channel: int) -> None:
        """A contact found no agent and joins the queue (e.g. to offer a callback with
        `sim.keep_place`). Only called when a policy overrides it."""

    def detect(self, sim: Simulation, contact: int) -> float | None:
        """A public mention that does not tag the brand arrives: after how long the brand
        finds it, or None if it never does (the default: nobody listens)."""
        return None

    def broadcast(self, sim: Simulation, contact: int) -> float | None:
        """When a public status post answers this public contact in the eyes of its audience
        (None: it does not). Only called when a policy overrides it."""
        return None

    def extra_self_service(self, scenario: Scenario, arrival: np.ndarray,
                           reason: np.ndarray) -> np.ndarray | None:
        """Per need (arrival times, reason codes), the share that a policy's own action (a
        status post) resolves before any contact, on top of the scenario's self-service."""
        return None


def policy_class(name: str) -> type[Policy]:
    """The registered policy called `name`; ValueError listing the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown policy {name!r} (known: {known})") from None


def make_policy(name: str, options: dict[str, Any]) -> Policy:
    cls = policy_class(name)
    return cls(cls.validate_options(options))
