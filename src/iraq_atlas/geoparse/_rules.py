"""Rule data (word lists, event phrases, month names) read once from ``rules/*.yaml``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).with_name("rules")


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The parsed YAML file ``rules/<name>.yaml`` (cached: each file is read once).

    Examples
    --------
    >>> sorted(load("calendar"))
    ['months', 'weekdays']
    """
    with open(RULES_DIR / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def alternation(words: list[str], *, escape: bool = False) -> str:
    """``(?:w1|w2|…)`` with the longest alternatives first so the regex prefers them."""
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    if escape:
        items = [re.escape(w).replace(r"\ ", r"\s+") for w in items]
    return "(?:" + "|".join(items) + ")"
