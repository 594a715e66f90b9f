"""Routing policies, registered by name. Importing this package registers every policy."""

from sim.policies.base import Policy, make_policy, policy_class
from sim.policies.blended_reserve import BlendedReserve
from sim.policies.callback import Callback
from sim.policies.fifo import Fifo
from sim.policies.front_door import FrontDoor
from sim.policies.outage_broadcast import OutageBroadcast
from sim.policies.priority import Priority
from sim.policies.proactive_listening import ProactiveListening
from sim.policies.sla_weighted import SlaWeighted

__all__ = ["BlendedReserve", "Callback", "Fifo", "FrontDoor", "OutageBroadcast", "Policy",
           "Priority", "ProactiveListening", "SlaWeighted", "make_policy", "policy_class"]
