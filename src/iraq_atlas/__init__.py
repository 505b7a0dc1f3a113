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

from importlib import import_module

_API = {
    # places
    "Boundaries": "iraq_atlas.places.boundaries", "load_boundaries": "iraq_atlas.places.boundaries",
    "gazetteer": "iraq_atlas.places.gazetteer", "place": "iraq_atlas.places.gazetteer",
    "Geocoder": "iraq_atlas.places.geocoding", "geocode": "iraq_atlas.places.geocoding",
    "to_iso": "iraq_atlas.places.governorates",
    "in_iraq": "iraq_atlas.places.spatial", "in_green_zone": "iraq_atlas.places.spatial",
    "distance_m": "iraq_atlas.places.spatial", "assign_governorate": "iraq_atlas.places.spatial",
    # elections
    "load_elections": "iraq_atlas.elections.load", "seats_table": "iraq_atlas.elections.aggregate",
    "bloc_change_table": "iraq_atlas.elections.aggregate", "sainte_lague": "iraq_atlas.elections.seats",
    # incidents
    "load_incidents": "iraq_atlas.incidents.load", "select": "iraq_atlas.incidents.selection",
    "link_duplicates": "iraq_atlas.incidents.dedupe", "diff_events": "iraq_atlas.incidents.diff",
    # analysis
    "join_incidents": "iraq_atlas.analysis.joins", "governorate_summary": "iraq_atlas.analysis.summaries",
    "milestone_windows": "iraq_atlas.analysis.windows", "window_counts": "iraq_atlas.analysis.windows",
    "baghdad_focus": "iraq_atlas.analysis.bands", "load_milestones": "iraq_atlas.analysis.timeline",
    "hotspot_analysis": "iraq_atlas.analysis.hotspots", "emerging_hotspots": "iraq_atlas.analysis.hotspots",
    "milestone_effects": "iraq_atlas.analysis.effects",
    # geoparse
    "parse_text": "iraq_atlas.geoparse", "draft_incidents": "iraq_atlas.geoparse",
    "evaluate_corpus": "iraq_atlas.geoparse",
    # errors
    "IraqAtlasError": "iraq_atlas.errors", "DataError": "iraq_atlas.errors", "Problem": "iraq_atlas.errors",
    "ParameterError": "iraq_atlas.errors", "ServiceError": "iraq_atlas.errors",
}

__all__ = ["__version__", *_API]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iraq-atlas")
    except PackageNotFoundError:  # running from a source tree without install
        return "0.0.0"


def __getattr__(name: str):
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'iraq_atlas' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
