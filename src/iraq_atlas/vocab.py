"""Shared vocabularies and constants: one home for each.

Blocs, ACLED's event vocabulary, place kinds, colours, coordinate reference
systems, Iraq's bounding box and time zone.
"""

from __future__ import annotations

# -- coordinates and time --------------------------------------------------------------
CRS = "EPSG:4326"
#: UTM zone 38N: metres, for buffers and distances around Baghdad and most of Iraq.
METRIC_CRS = "EPSG:32638"
TIME_ZONE = "Asia/Baghdad"
#: Generous box around Iraq (lon/lat min, then max) for quick sanity checks.
IRAQ_BBOX = (38.7, 29.0, 48.7, 37.5)

# -- elections -------------------------------------------------------------------------
#: Blocs in display order, with their colours (see docs/elections.md for the rule).
BLOC_COLORS = {
    "sadrist": "#2e7d32",
    "iran_aligned": "#c62828",
    "shia_other": "#f9a825",
    "sunni": "#1565c0",
    "kurdish": "#ef6c00",
    "protest": "#6a1b9a",
    "minority_quota": "#00838f",
    "independent": "#9e9e9e",
    "other": "#5d4037",
}
BLOC_LABELS = {
    "sadrist": "Sadrist", "iran_aligned": "Iran-aligned (Fatah & allies)", "shia_other": "Other Shia lists",
    "sunni": "Sunni lists", "kurdish": "Kurdish lists", "protest": "Protest movement",
    "minority_quota": "Minority quota", "independent": "Independents", "other": "Other",
}
BLOC_ORDER = list(BLOC_COLORS)

# -- incidents -------------------------------------------------------------------------
#: ACLED's event types and the sub-event types allowed under each.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Air/drone strike", "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Suicide bomb", "Grenade"),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": ("Arrests", "Agreement", "Change to group/activity", "Disrupted weapons use",
                               "Headquarters or base established", "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}
EVENT_TYPES = tuple(VOCABULARY)
EVENT_COLORS = {
    "Explosions/Remote violence": "#d62728",
    "Battles": "#9467bd",
    "Violence against civilians": "#8c564b",
    "Protests": "#1f77b4",
    "Riots": "#ff7f0e",
    "Strategic developments": "#2ca02c",
}
DEFAULT_COLOR = "#555555"

# -- places ----------------------------------------------------------------------------
PLACE_KINDS = frozenset({"zone", "residence", "embassy", "government", "palace", "square", "bridge",
                         "airport", "base", "district", "city", "building", "gate", "governorate"})
KIND_COLORS = {
    "zone": "#2e7d32", "residence": "#c62828", "embassy": "#1565c0", "government": "#6a1b9a",
    "palace": "#8e24aa", "square": "#ef6c00", "bridge": "#546e7a", "airport": "#00838f",
    "base": "#37474f", "district": "#9e9d24", "city": "#283593", "building": "#795548",
    "gate": "#d84315", "governorate": "#757575",
}

# -- tables for readers ------------------------------------------------------------------
# Words a reader header spells differently from its snake_case column name.
READER_WORDS = {
    "id": "ID", "iso": "ISO", "url": "URL", "pm": "PM", "acled": "ACLED", "ucdp": "UCDP", "gi": "Gi*",
    "h3": "H3", "adm1": "ADM1", "adm2": "ADM2", "adm3": "ADM3", "cnty": "country", "pcode": "P-code",
    "lat": "latitude", "lon": "longitude",
}
# A column name ending in one of these words carries that unit; the header shows it in brackets.
READER_UNITS = {"km": "km", "m": "m", "s": "s", "pct": "%", "km2": "km²", "days": "days"}
