"""Drawing: charts (matplotlib), timelines, tables and maps (folium). Nothing here computes data.

The names below are loaded on first use (``iraq_atlas.viz.base_map``), so importing the
package loads neither matplotlib nor folium until a drawing is asked for.
"""

from __future__ import annotations

import lazy_loader

# each public name and the module that holds it
_HOMES = {
    **dict.fromkeys(("save_figure", "hemicycle_layout", "hemicycle", "seat_change_chart", "seats_map",
                     "turnout_chart", "places_overview", "small_multiples", "scatter_iran_change", "per_seat_map",
                     "mention_timeline"), "charts"),
    **dict.fromkeys(("CATEGORY_COLORS", "category_map", "top_cells", "category_counts", "trend_small_multiples",
                     "forest_plot"), "hotspots"),
    **dict.fromkeys(("base_map", "add_legend", "add_points", "add_places", "finish", "incident_map",
                     "seats_folium_map", "baghdad_map", "save_map", "show"), "maps"),
    **dict.fromkeys(("static_map", "print_image_html"), "static_maps"),
    **dict.fromkeys(("reader_header", "safe_link", "table_html", "show_table", "show_note"), "tables"),
    "timeline_chart": "timeline",
}
_MODULES = ("charts", "hotspots", "maps", "static_maps", "tables", "timeline", "bigpoints")
# the names load from their modules on first use, so importing the package stays cheap
__getattr__, __dir__, _ = lazy_loader.attach(
    __name__, submodules=_MODULES,
    submod_attrs={m: [n for n, home in _HOMES.items() if home == m] for m in set(_HOMES.values())})


__all__ = [
    "save_figure", "hemicycle_layout", "hemicycle", "seat_change_chart", "seats_map", "turnout_chart",
    "places_overview", "small_multiples", "scatter_iran_change", "per_seat_map", "mention_timeline",
    "CATEGORY_COLORS", "category_map", "top_cells", "category_counts", "trend_small_multiples", "forest_plot",
    "base_map", "add_legend", "add_points", "add_places", "finish", "incident_map", "seats_folium_map",
    "baghdad_map", "save_map", "show", "static_map", "print_image_html",
    "reader_header", "safe_link", "table_html", "show_table", "show_note",
    "timeline_chart",
]
