"""Survey-based channel-choice presets: per reason, the share of needs that try each channel
first, over phone, email, chat and twitter (the public channel).

A scenario names a preset with `choice.preset`; tables it gives itself replace the preset's
for those reasons. Every table sums to 1 and is rounded to 3 decimals, with the rounding
remainder on its largest share. The figures come from ../shared/data/survey-facts.md; the
full derivation, with a "why" for every cell, is in docs/behaviour.md.

Each preset is built in the same three steps, so a reader can follow (and change) one step:

1. a base: relative weights of phone, email and chat, and a default Twitter share;
2. per reason, the Twitter share is the default times `TWITTER_BY_REASON` (assumption),
   and the base weights are adjusted by `WEIGHTS_BY_REASON` (assumption);
3. purchase_high_value and sensitive_account: email gets half its default share (assumption)
   and phone takes 76% of what is left for phone and chat (facts: "prefer a phone call over
   chat for a purchase above $500 / when giving sensitive data: 76%").
"""

from __future__ import annotations

CHANNELS = ("phone", "email", "chat", "twitter")
REASONS = ("quick_question", "complaint", "purchase_high_value", "sensitive_account",
           "outage", "compliment")

# facts (Forrester 2010): 76% prefer a phone call over chat for a purchase above $500, and
# when giving sensitive data.
PHONE_OVER_CHAT = 0.76
PHONE_FIRST = ("purchase_high_value", "sensitive_account")

# Twitter share of a reason relative to the preset's default (assumption, the same in every
# preset): complaints, outages and compliments are what people say in public; a short
# question fits 140 characters; nobody buys for $500 or gives account data in a tweet.
TWITTER_BY_REASON = {
    "default": 1.0, "quick_question": 1.25, "complaint": 2.5, "outage": 2.5,
    "compliment": 2.5, "purchase_high_value": 0.3, "sensitive_account": 0.15,
}

# Multipliers on the base weights of phone, email and chat (assumption, the same in every
# preset): a quick question suits chat, a complaint does not; an outage is phoned in; a
# compliment is written rather than phoned.
WEIGHTS_BY_REASON = {
    "quick_question": {"chat": 2.0},
    "complaint": {"chat": 0.5},
    "outage": {"phone": 2.0},
    "compliment": {"phone": 0.5},
}

# survey-2010: what US online adults used for service (facts, Forrester 2010: "FAQ 66%,
# email 61%, phone 50%, Twitter 1%"; email "the most popular online service channel").
# FAQ is self-service (needs.self_service), not a first channel. Chat is not in that list:
# 20 is an assumption, bounded by the facts (click-to-chat found about as useful as
# click-to-call, 90%/83% vs 94%/77%; and phone must take less of phone+chat for an ordinary
# need, 50/70 = 71%, than for the 76%-phone purchases and sensitive data). Twitter 1 of
# 61 + 50 + 20 + 1 = 0.8% of needs: under 1% (facts: "under 1%", Forrester).
BASE_2010 = {"phone": 50.0, "email": 61.0, "chat": 20.0}
TWITTER_2010 = 0.008

# survey-2015: contacts that reach an agent (facts, "A suggested 2015 baseline": phone 70%,
# email 20%, chat 6%, social 4%); Twitter carries 80% of social (facts: Socialbakers 2015),
# 3.2%; the other 0.8% of social (Facebook, not modelled) is spread over phone, email and
# chat in proportion. Nielsen 2012 (47% sought support on social media, 27% of those on
# Twitter: 12.7% of consumers) bounds the reasons that go public most (complaint, outage
# and compliment: 8%), and none exceeds the Twitter users of a 2015 scenario.
BASE_2015 = {"phone": 70.0, "email": 20.0, "chat": 6.0}
TWITTER_2015 = 0.032


def rounded(shares: dict[str, float]) -> dict[str, float]:
    """Shares rounded to 3 decimals, the remainder on the largest, so they sum to 1."""
    table = {ch: round(v, 3) for ch, v in shares.items()}
    largest = max(table, key=lambda ch: table[ch])
    table[largest] = round(1.0 - sum(v for ch, v in table.items() if ch != largest), 3)
    return table


def _spread(twitter: float, weights: dict[str, float]) -> dict[str, float]:
    """`twitter`, and what is left over phone, email and chat in proportion to `weights`."""
    total = sum(weights.values())
    return rounded({**{ch: (1.0 - twitter) * w / total for ch, w in weights.items()},
                    "twitter": twitter})


def _phone_first(twitter: float, email: float) -> dict[str, float]:
    """`twitter`, `email`, and phone 76% of what is left for phone and chat."""
    rest = 1.0 - twitter - email
    return rounded({"phone": PHONE_OVER_CHAT * rest, "email": email,
                    "chat": (1.0 - PHONE_OVER_CHAT) * rest, "twitter": twitter})


def build_preset(base: dict[str, float], twitter: float) -> dict[str, dict[str, float]]:
    """The tables of one preset from its base weights and its default Twitter share."""
    default = _spread(twitter, base)
    tables = {"default": default}
    for reason in REASONS:
        tw = round(twitter * TWITTER_BY_REASON[reason], 3)
        if reason in PHONE_FIRST:
            tables[reason] = _phone_first(tw, round(default["email"] / 2, 3))
        else:
            factors = WEIGHTS_BY_REASON.get(reason, {})
            tables[reason] = _spread(tw, {ch: w * factors.get(ch, 1.0) for ch, w in base.items()})
    return tables


PRESETS: dict[str, dict[str, dict[str, float]]] = {
    "survey-2010": build_preset(BASE_2010, TWITTER_2010),
    "survey-2015": build_preset(BASE_2015, TWITTER_2015),
}


def preset_tables(name: str) -> dict[str, dict[str, float]]:
    """The tables of preset `name`; ValueError listing the known presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(sorted(PRESETS))})") from None
