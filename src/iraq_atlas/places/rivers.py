"""River lines for maps: the Tigris, the Euphrates and the Shatt al-Arab inside Iraq.

The lines are embedded in ``geodata/rivers`` (built by ``scripts/build_rivers.py`` from
Natural Earth's 1:50m rivers, public domain, clipped to Iraq and simplified; the input's
checksum and the settings are in ``metadata.json`` beside them). At that scale the lines
follow each river's valley, not every meander: good for orientation on a map of Iraq or
Baghdad, not for measuring distances to a river bank.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from iraq_atlas.files import data_path, record_probe
from iraq_atlas.vocab import CRS

#: The credit line a map showing the rivers carries.
RIVERS_ATTRIBUTION = "Rivers: Natural Earth (public domain)"
RIVER_COLUMNS = ["name", "name_ar", "ne_name", "names_source", "source_url"]


def rivers_path() -> Path:
    """The embedded river file (works from the wheel and with ``$IRAQ_ATLAS_GEODATA``).

    Returns
    -------
    pathlib.Path
        ``geodata/rivers/rivers.geojson`` of the curated inputs in use.

    Examples
    --------
    >>> rivers_path().name
    'rivers.geojson'
    """
    return data_path("rivers", "rivers.geojson")


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> gpd.GeoDataFrame:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    gdf = gpd.GeoDataFrame.from_features(data["features"], crs=CRS)
    return gdf[RIVER_COLUMNS + ["geometry"]]


def load_rivers() -> gpd.GeoDataFrame:
    """The embedded river lines, one row per river, in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``name_ar``, ``ne_name`` (Natural Earth's name), ``names_source``,
        ``source_url`` and a (multi)line ``geometry``; ``attrs["attribution"]`` is the
        credit line to show with them.

    Raises
    ------
    FileNotFoundError
        When the curated inputs in use (``$IRAQ_ATLAS_GEODATA``) have no river file.

    Examples
    --------
    >>> r = load_rivers()
    >>> sorted(r.name)
    ['Euphrates', 'Shatt al-Arab', 'Tigris']
    >>> r.attrs["attribution"]
    'Rivers: Natural Earth (public domain)'
    """
    path = rivers_path()
    record_probe(path)
    if not path.is_file():
        raise FileNotFoundError(f"river file {path} does not exist (build it with scripts/build_rivers.py)")
    out = _read(str(path), path.stat().st_mtime).copy()
    out.attrs = {"attribution": RIVERS_ATTRIBUTION, "path": str(path)}
    return out


__all__ = ["load_rivers", "rivers_path", "RIVERS_ATTRIBUTION"]
