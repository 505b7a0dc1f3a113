"""Incidents: the curated set, users' ACLED / UCDP exports and their own tables, validated row by row.

The names below are loaded on first use (``iraq_atlas.incidents.load_incidents``),
so that reading the list of formats (:mod:`iraq_atlas.incidents.sources`) does not
load the geometry libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

_FROM_LOAD = (
    "ACCEPTED_SCHEMA",
    "ACLED_COLUMNS",
    "COUNT_COLUMNS",
    "CURATED_COLUMNS",
    "EXCLUDED_COLUMNS",
    "FORMATS",
    "IRAQ_ACLED_ISO",
    "IRAQ_GW_CODE",
    "IRAQ_NAMES",
    "REJECTED_COLUMNS",
    "SCHEMA",
    "TEXT_COLUMNS",
    "UCDP_COLUMNS",
    "UCDP_DATE_PREC",
    "UCDP_VIOLENCE",
    "UCDP_WHERE_PREC",
    "IncidentSet",
    "as_table",
    "casualties",
    "density_grid",
    "detect_format",
    "load_curated",
    "load_incidents",
    "parse_dates",
    "read_acled",
    "read_ucdp",
    "select",
    "validate",
)
_FROM_DEDUPE = ("link_duplicates", "Linked")


def __getattr__(name: str) -> Any:
    if name in _FROM_LOAD:
        return getattr(importlib.import_module("iraq_atlas.incidents.load"), name)
    if name in _FROM_DEDUPE:
        return getattr(importlib.import_module("iraq_atlas.incidents.dedupe"), name)
    if name in ("load", "dedupe", "sources"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TEXT_COLUMNS",
    "COUNT_COLUMNS",
    "SCHEMA",
    "CURATED_COLUMNS",
    "ACLED_COLUMNS",
    "UCDP_COLUMNS",
    "FORMATS",
    "UCDP_WHERE_PREC",
    "UCDP_DATE_PREC",
    "UCDP_VIOLENCE",
    "IRAQ_NAMES",
    "IRAQ_ACLED_ISO",
    "IRAQ_GW_CODE",
    "REJECTED_COLUMNS",
    "EXCLUDED_COLUMNS",
    "IncidentSet",
    "detect_format",
    "parse_dates",
    "validate",
    "ACCEPTED_SCHEMA",
    "load_incidents",
    "read_acled",
    "read_ucdp",
    "load_curated",
    "select",
    "as_table",
    "casualties",
    "density_grid",
    "link_duplicates",
    "Linked",
]
