"""Routing policies, registered by name. Importing this package registers every policy."""

from sim.policies.base import Policy, make_policy, policy_class
from sim.policies.callback import Callback
from sim.policies.fifo import Fifo
from sim.policies.front_door import FrontDoor
from sim.policies.outage_broadcast import OutageBroadcast
from sim.policies.proactive_listening import ProactiveListening

__all__ = ["Callback", "Fifo", "FrontDoor", "OutageBroadcast", "Policy", "ProactiveListening",
           "make_policy", "policy_class"]
