"""Frontdoor: a discrete-event simulator of omnichannel customer service."""

__version__ = "0.1.0"
