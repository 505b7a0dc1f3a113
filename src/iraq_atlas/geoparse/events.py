"""Event phrases ("drone attack", "clashes", "funeral march", "تفجير") typed as incidents.

The phrases and the type each gives are in ``rules/events.yaml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from iraq_atlas.geoparse import _rules

__all__ = ["event_mentions", "event_rules"]


@lru_cache(maxsize=1)
def event_rules() -> list[tuple[str, str, str, re.Pattern]]:
    """(name, event_type, sub_event_type, compiled pattern) for each rule of ``rules/events.yaml``.

    Examples
    --------
    >>> event_rules()[0][:3]
    ('drone', 'Explosions/Remote violence', 'Air/drone strike')
    """
    return [(r["name"], r["event_type"], r["sub_event_type"], re.compile("|".join(r["patterns"]), re.IGNORECASE))
            for r in _rules.load("events")]


def event_mentions(text: str) -> list[dict]:
    """Event phrases of a clean text (one scan: the leftmost phrase, then the earlier rule, wins).

    Parameters
    ----------
    text : str
        A clean text.

    Returns
    -------
    list of dict
        One per phrase: ``kind``, ``start``, ``end``, ``event_type``,
        ``sub_event_type`` (ACLED's names), ``confidence`` and ``rule``.

    Examples
    --------
    >>> [m["sub_event_type"] for m in event_mentions("A drone attack hit the base.")]
    ['Air/drone strike']
    >>> [(m["start"], m["end"], m["event_type"]) for m in event_mentions("A drone attack hit the base; clashes followed.")]
    [(2, 14, 'Explosions/Remote violence'), (29, 36, 'Battles')]
    """
    rules = event_rules()
    out = []
    for i, m in _rules.windowed(_combined(), _trigger(), text, back=40, fwd=40):
        name, etype, sub, _ = rules[i]
        out.append(dict(kind="event", start=m.start(), end=m.end(), event_type=etype, sub_event_type=sub,
                        confidence=0.7, rule=f"event:{name}"))
    return out


@lru_cache(maxsize=1)
def _trigger() -> _rules.Trigger:
    return _rules.trigger([w for r in _rules.load("events") for w in r["triggers"]])


@lru_cache(maxsize=1)
def _combined() -> _rules.RuleSet:
    return _rules.RuleSet([(name, p.pattern, re.IGNORECASE) for name, _, _, p in event_rules()])
