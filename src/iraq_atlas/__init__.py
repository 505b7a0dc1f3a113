"""Iraq Atlas: places, elections and incidents for the political geography of Iraq.

The names below are the curated public API; each is imported from its module
on first use, and ``__version__`` is read from the installed metadata on first
use too, so ``import iraq_atlas`` stays instant (the command line relies on it). Sub-packages hold the rest: ``places``, ``elections``, ``incidents``,
``analysis``, ``geoparse``, ``viz`` and ``runner``.

Examples
--------
>>> import iraq_atlas
>>> iraq_atlas.to_iso("Nineveh")
'IQ-NI'
"""

import lazy_loader

_API = {
    # places
    "Boundaries": "places.boundaries", "load_boundaries": "places.boundaries",
    "gazetteer": "places.gazetteer", "place": "places.gazetteer",
    "Geocoder": "places.geocoding", "geocode": "places.geocoding",
    "to_iso": "places.governorates",
    "in_iraq": "places.spatial", "in_green_zone": "places.spatial",
    "distance_m": "places.spatial", "assign_governorate": "places.spatial",
    # elections
    "load_elections": "elections.load", "seats_table": "elections.aggregate",
    "bloc_change_table": "elections.aggregate", "sainte_lague": "elections.seats",
    # incidents
    "load_incidents": "incidents.load", "select": "incidents.selection",
    "link_duplicates": "incidents.dedupe", "diff_events": "incidents.diff",
    # analysis
    "join_incidents": "analysis.joins", "governorate_summary": "analysis.summaries",
    "milestone_windows": "analysis.windows", "window_counts": "analysis.windows",
    "baghdad_focus": "analysis.bands", "load_milestones": "analysis.timeline",
    "hotspot_analysis": "analysis.hotspots", "emerging_hotspots": "analysis.hotspots",
    "milestone_effects": "analysis.effects",
    # geoparse
    "parse_text": "geoparse", "draft_incidents": "geoparse",
    "evaluate_corpus": "geoparse",
    # errors
    "IraqAtlasError": "errors", "DataError": "errors", "Problem": "errors",
    "ParameterError": "errors", "ServiceError": "errors",
}

__all__ = ["__version__", *_API]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iraq-atlas")
    except PackageNotFoundError:  # running from a source tree without install
        return "0.0.0"


_lazy_getattr, _, _ = lazy_loader.attach(
    __name__, submod_attrs={m: [n for n, home in _API.items() if home == m] for m in set(_API.values())})


def __getattr__(name: str):
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    return _lazy_getattr(name)


def __dir__() -> list[str]:
    return sorted(__all__)
