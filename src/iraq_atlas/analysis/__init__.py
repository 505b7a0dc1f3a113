"""Analysis: incidents joined to places, elections and milestones; windows, summaries and bands.

``joins`` places incidents in governorates and districts, ``windows`` counts them around
milestones, ``summaries`` sets them beside the seats of each governorate, ``bands`` measures
Baghdad incidents against the Green Zone and the Prime Minister's residence; ``timeline``,
``hotspots`` and ``effects`` are imported as modules.
"""

from iraq_atlas.analysis.bands import (
    BAGHDAD_ISO,
    DEFAULT_BANDS_KM,
    baghdad_focus,
    band_labels,
    band_table,
    check_bands,
    distance_band,
    green_zone_table,
    outline_rings,
    rings,
)
from iraq_atlas.analysis.joins import FLAG_NAMES, join_incidents, load_districts
from iraq_atlas.analysis.summaries import (
    CAUSALITY_CAPTION,
    bloc_seats,
    change_years,
    event_type_column,
    governorate_summary,
    incident_table,
    summary_table,
    write_tables,
)
from iraq_atlas.analysis.windows import (
    baghdad_day,
    find_milestone,
    milestone_windows,
    possible_dates,
    window_counts,
    window_membership,
)

__all__ = [
    "FLAG_NAMES", "join_incidents", "load_districts",
    "baghdad_day", "possible_dates", "find_milestone", "milestone_windows", "window_membership", "window_counts",
    "CAUSALITY_CAPTION", "event_type_column", "change_years", "bloc_seats", "governorate_summary",
    "summary_table", "incident_table", "write_tables",
    "BAGHDAD_ISO", "DEFAULT_BANDS_KM", "check_bands", "band_labels", "distance_band", "baghdad_focus",
    "green_zone_table", "band_table", "rings", "outline_rings",
]
