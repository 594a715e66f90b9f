"""Survey-based channel-choice presets: per reason, the share of needs that try each channel
first. See docs/behaviour.md for the derivation of every number."""

from __future__ import annotations

PRESETS: dict[str, dict[str, dict[str, float]]] = {
    "survey-2010": {
        "default": {"phone": 0.40, "email": 0.45, "chat": 0.145, "twitter": 0.005},
    },
    "survey-2015": {
        "default": {"phone": 0.70, "email": 0.20, "chat": 0.06, "twitter": 0.04},
    },
}


def preset_tables(name: str) -> dict[str, dict[str, float]]:
    """The tables of preset `name`; ValueError listing the known presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(sorted(PRESETS))})") from None
