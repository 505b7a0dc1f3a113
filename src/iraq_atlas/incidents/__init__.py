"""Incidents: the curated set, users' ACLED / UCDP exports and their own tables, validated row by row.

The names below are loaded on first use (``iraq_atlas.incidents.load_incidents``),
so that reading the list of formats (:mod:`iraq_atlas.incidents.sources`) does not
load the geometry libraries.
"""

from __future__ import annotations

import lazy_loader

# each public name and the module that holds it (one concept per module)
_HOMES = {
    **dict.fromkeys(("TEXT_COLUMNS", "COUNT_COLUMNS", "SCHEMA", "CURATED_COLUMNS", "REJECTED_COLUMNS",
                     "EXCLUDED_COLUMNS", "ACCEPTED_SCHEMA", "accepted_schema", "as_table"), "schema"),
    **dict.fromkeys(("IncidentSet", "validate", "parse_dates", "BORDER_TOLERANCE_M"), "validation"),
    **dict.fromkeys(("load_incidents", "read_acled", "read_ucdp", "load_curated"), "load"),
    "select": "selection",
    **dict.fromkeys(("casualties", "density_grid"), "aggregate"),
    **dict.fromkeys(("FORMATS", "SOURCES", "detect_format"), "sources"),
    **dict.fromkeys(("IRAQ_NAMES", "IRAQ_ACLED_ISO", "IRAQ_GW_CODE"), "sources._common"),
    "ACLED_COLUMNS": "sources.acled",
    **dict.fromkeys(("UCDP_COLUMNS", "UCDP_WHERE_PREC", "UCDP_DATE_PREC", "UCDP_VIOLENCE"), "sources.ucdp"),
    **dict.fromkeys(("link_duplicates", "Linked"), "dedupe"),
    "diff_events": "diff",
    "parse_mapping": "mappings",
}
# modules are named apart from the functions they hold (``validation.validate``,
# ``selection.select``): importing a sub-module binds its name on the package
_MODULES = ("schema", "schema_fastpath", "validation", "load", "selection", "aggregate", "dedupe", "diff", "sources",
            "mappings", "api")
# the names load from their modules on first use, so importing the package stays cheap
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__, submodules=_MODULES,
    submod_attrs={m: [n for n, home in _HOMES.items() if home == m] for m in set(_HOMES.values())})


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
    "accepted_schema",
    "BORDER_TOLERANCE_M",
    "SOURCES",
    "diff_events",
    "parse_mapping",
]
