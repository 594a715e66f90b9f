"""Routing policies, registered by name. Importing this package registers every policy."""

from sim.policies.base import Policy, make_policy, policy_class
from sim.policies.fifo import Fifo
from sim.policies.front_door import FrontDoor

__all__ = ["Fifo", "FrontDoor", "Policy", "make_policy", "policy_class"]
