"""Choosing accepted incidents: by ACLED event type and by governorate."""

from __future__ import annotations

import pandas as pd

from iraq_atlas.incidents.validation import _governorate_codes
from iraq_atlas.vocab import EVENT_TYPES, VOCABULARY


def select(incidents: pd.DataFrame, event_types: list[str] | None = None,
           governorates: list[str] | None = None) -> pd.DataFrame:
    """Rows of the given ACLED event types and governorates (names or ISO codes); empty list = all.

    Unknown values raise ValueError naming the parameter, so a typo never yields an empty map.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Accepted incidents (``event_type``, ``admin1`` as ISO codes).
    event_types : list of str, optional
        ACLED event types.
    governorates : list of str, optional
        Governorate names in any spelling, or ISO codes.

    Returns
    -------
    pandas.DataFrame
        The matching rows.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_curated
    >>> set(select(load_curated().accepted, ["Protests"], ["Baghdad"]).admin1)
    {'IQ-BG'}
    """
    out = incidents
    if event_types:
        unknown = [t for t in event_types if t not in VOCABULARY]
        if unknown:
            raise ValueError(f"event_types: unknown {unknown}; use any of {list(EVENT_TYPES)}")
        out = out[out["event_type"].isin(event_types)]
    if governorates:
        codes = dict(zip(governorates, _governorate_codes(pd.Series(governorates, dtype=str))))
        unknown = [g for g, c in codes.items() if not isinstance(c, str)]
        if unknown:
            raise ValueError(f"governorates: unknown governorate(s) {unknown}")
        out = out[out["admin1"].isin(set(codes.values()))]
    return out
