"""Routing policies, registered by name. Importing this package registers every policy."""

from sim.policies.base import Policy, make_policy, policy_class
from sim.policies.fifo import Fifo

__all__ = ["Fifo", "Policy", "make_policy", "policy_class"]
