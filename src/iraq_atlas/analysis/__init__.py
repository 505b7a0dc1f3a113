"""Analysis: incidents joined to places, elections and milestones; windows, summaries and bands.

``joins`` places incidents in governorates and districts, ``windows`` counts them around
milestones, ``summaries`` sets them beside the seats of each governorate, ``bands`` measures
Baghdad incidents against the Green Zone and the Prime Minister's residence; ``timeline``
(milestones and date windows), ``hotspots`` (emerging hot spots) and ``effects`` (rates
before and after a milestone) offer their main functions here too, and the rest as modules.

The names below are imported from their modules on first use, so that importing one
module of the package (a worker process that imports only ``permutations``, say)
does not import geopandas and the rest.
"""

import lazy_loader

_MODULES = {
    "bands": ("BAGHDAD_ISO", "DEFAULT_BANDS_KM", "baghdad_focus", "band_labels", "band_table", "check_bands",
              "distance_band", "green_zone_table", "outline_rings", "rings"),
    "joins": ("FLAG_NAMES", "join_incidents", "load_districts"),
    "summaries": ("CAUSALITY_CAPTION", "bloc_seats", "change_years", "event_type_column", "governorate_summary",
                  "incident_table", "summary_table", "write_tables"),
    "windows": ("baghdad_day", "find_milestone", "milestone_windows", "possible_dates", "window_counts",
                "window_membership"),
    "timeline": ("load_milestones", "key_incidents", "select_window", "lines_for_chart"),
    "hotspots": ("parse_cell", "parse_step", "hotspot_analysis", "emerging_hotspots", "hotspot_table"),
    "effects": ("milestone_effects", "effect_table"),
}
_API = {name: module for module, names in _MODULES.items() for name in names}

__all__ = list(_API)
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)
