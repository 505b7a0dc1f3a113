"""Places: names, governorates, the gazetteer, geocoding, boundaries and spatial tests.

``schema`` declares the curated place tables (pandera), ``gazetteer`` reads them and joins
GeoNames and OCHA units, ``governorates`` maps any governorate name to its ISO code,
``geocoding`` turns names into points, ``boundaries`` loads the admin polygons and
``spatial`` measures and assigns. The names below are loaded on first use
(``iraq_atlas.places.to_iso``), so importing the package loads no geometry library.
The gazetteer itself is :func:`iraq_atlas.gazetteer` (here ``gazetteer`` is its module).
"""

from __future__ import annotations

import lazy_loader

# each public name and the module that holds it
_HOMES = {
    **dict.fromkeys(("TABLES", "PLACE_COLUMNS", "GOVERNORATE_COLUMNS", "table_schema"), "schema"),
    **dict.fromkeys(("COLUMNS", "EXTRA_COLUMNS", "load_places", "load_geonames", "foreign_names", "outlines",
                     "place", "admin_polygon", "approximate_point_note", "governorate_place_id",
                     "expand_aliases"), "gazetteer"),
    **dict.fromkeys(("iso_codes", "load_governorates", "to_iso", "governorate_names", "ADMIN1_RULES",
                     "TILE_GRID"), "governorates"),
    **dict.fromkeys(("Geocoder", "geocode"), "geocoding"),
    **dict.fromkeys(("Boundaries", "load_boundaries", "tile_grid_boundaries", "embedded_path", "LEVELS",
                     "OCHA_ATTRIBUTION"), "boundaries"),
    **dict.fromkeys(("in_iraq", "in_green_zone", "distance_m", "distance_to_outline_m", "assign_governorate",
                     "outline"), "spatial"),
    **dict.fromkeys(("normalise", "loose_key", "is_arabic"), "names"),
    **dict.fromkeys(("load_rivers", "RIVERS_ATTRIBUTION"), "rivers"),
}
_MODULES = ("schema", "gazetteer", "governorates", "geocoding", "boundaries", "spatial", "names", "rivers",
            "answer_index")
# the names load from their modules on first use, so importing the package stays cheap
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__, submodules=_MODULES,
    submod_attrs={m: [n for n, home in _HOMES.items() if home == m] for m in set(_HOMES.values())})


__all__ = [
    "TABLES", "PLACE_COLUMNS", "GOVERNORATE_COLUMNS", "table_schema",
    "COLUMNS", "EXTRA_COLUMNS", "load_places", "load_geonames", "foreign_names", "outlines", "place",
    "admin_polygon", "approximate_point_note", "governorate_place_id", "expand_aliases",
    "iso_codes", "load_governorates", "to_iso", "governorate_names", "ADMIN1_RULES", "TILE_GRID",
    "Geocoder", "geocode",
    "Boundaries", "load_boundaries", "tile_grid_boundaries", "embedded_path", "LEVELS", "OCHA_ATTRIBUTION",
    "in_iraq", "in_green_zone", "distance_m", "distance_to_outline_m", "assign_governorate", "outline",
    "normalise", "loose_key", "is_arabic",
    "load_rivers", "RIVERS_ATTRIBUTION",
]
