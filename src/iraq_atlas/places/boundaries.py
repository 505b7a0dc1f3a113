"""Governorate (ADM1) and district (ADM2) boundaries: user file, cache, download, or offline fallback.

The project ships no polygons. :func:`load_boundaries` tries, in order: a path
given by the caller, ``$IRAQ_ATLAS_BOUNDARIES`` (file or folder), the local
cache, a download from the geoBoundaries API, and finally a tile-grid
cartogram that needs no polygons at all. OCHA COD-AB (ADM1_PCODE …) and
geoBoundaries (shapeISO, shapeName) schemas both come out keyed by ISO 3166-2:IQ.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import requests
from shapely.geometry import box

from iraq_atlas import settings
from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import record_probe, record_read
from iraq_atlas.places.gazetteer import gazetteer
from iraq_atlas.places.governorates import TILE_GRID, governorate_names, load_governorates, to_iso
from iraq_atlas.vocab import CRS

GEOBOUNDARIES_API = "https://www.geoboundaries.org/api/current/gbOpen/IRQ/{level}/"
LEVELS = ("ADM0", "ADM1", "ADM2")
ATTRIBUTION = {
    "ocha": "Boundaries: OCHA, CSO, ITOS (COD-AB Iraq, CC BY-IGO)",
    "geoboundaries": "Boundaries: geoBoundaries (Runfola et al. 2020, CC BY 4.0)",
    "fallback": "Tile-grid cartogram (no real boundaries loaded)",
}
HOW_TO_GET = ("No governorate polygons were found, so a tile-grid cartogram is used. "
              "For real boundaries, download the OCHA COD-AB Iraq GeoJSON from "
              "https://data.humdata.org/dataset/cod-ab-irq (or let the suite fetch "
              "geoBoundaries when online) and point $IRAQ_ATLAS_BOUNDARIES at the file or folder.")


@dataclass
class Boundaries:
    """Polygons keyed by ISO code, with where they came from and how to credit them."""

    gdf: gpd.GeoDataFrame
    level: str
    origin: str       # "path", "env", "cache", "download" or "fallback"
    source: str       # file path or URL
    attribution: str
    message: str = ""

    @property
    def is_fallback(self) -> bool:
        return self.origin == "fallback"


def cache_dir() -> Path:
    """Where downloads are kept: $IRAQ_ATLAS_CACHE or ~/.cache/iraq-atlas."""
    return settings.cache_dir()


def _find_in_folder(folder: Path, level: str) -> Path | None:
    lv = level.lower()
    cands = [p for p in sorted(folder.iterdir())
             if p.suffix.lower() in {".geojson", ".json", ".gpkg", ".shp"}
             and (f"{lv}_" in p.name.lower() or f"-{lv}" in p.name.lower() or p.stem.lower() == lv)]
    return cands[0] if cands else None


def read_boundary_file(path: str | os.PathLike, level: str = "ADM1") -> gpd.GeoDataFrame:
    """Read an OCHA or geoBoundaries file onto columns iso_3166_2, name, pcode (+ district), geometry."""
    path = Path(path)
    record_read(path)
    raw = gpd.read_file(path)
    if raw.crs is None:
        raw = raw.set_crs(CRS)
    raw = raw.to_crs(CRS)
    cols = set(raw.columns)
    problems: list[Problem] = []
    if level == "ADM0":
        return gpd.GeoDataFrame({"name": ["Iraq"]}, geometry=[raw.union_all()], crs=CRS)
    if "ADM1_PCODE" in cols:  # OCHA COD-AB
        schema, iso_col = "ocha", "ADM1_PCODE"
        iso = raw["ADM1_PCODE"].map(to_iso)
        out = pd.DataFrame({"iso_3166_2": iso, "name": raw.get("ADM1_EN"), "pcode": raw["ADM1_PCODE"]})
        if level == "ADM2":
            out["district"] = raw.get("ADM2_EN")
            out["district_pcode"] = raw.get("ADM2_PCODE")
    elif "shapeName" in cols:  # geoBoundaries
        schema = "geoboundaries"
        if level == "ADM2":
            out = pd.DataFrame({"iso_3166_2": None, "name": None, "pcode": None,
                                "district": raw["shapeName"], "district_pcode": raw.get("shapeID")})
            iso_col = None
        else:
            # shapeISO when it is filled and known, else the name; errors point at the name
            iso = raw["shapeISO"].map(to_iso) if "shapeISO" in cols else pd.Series(None, index=raw.index)
            iso = iso.fillna(raw["shapeName"].map(to_iso))
            iso_col = "shapeName"
            out = pd.DataFrame({"iso_3166_2": iso, "name": raw["shapeName"], "pcode": raw.get("shapeID")})
    else:
        raise DataError([Problem(path.name, None, None,
                                 "neither OCHA (ADM1_PCODE) nor geoBoundaries (shapeName) columns found")])
    if iso_col:
        for i in out.index[out.iso_3166_2.isna()]:
            problems.append(Problem(path.name, int(i) + 1, iso_col,
                                    f"no governorate matches {raw.loc[i, iso_col]!r}"))
    if problems:
        raise DataError(problems)
    gdf = gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=CRS)
    if level == "ADM1":
        gdf["name"] = gdf.iso_3166_2.map(governorate_names()).fillna(gdf["name"])
    gdf.attrs["schema"] = schema
    return gdf


def download_boundaries(level: str = "ADM1", *, api_url: str | None = None, dest: Path | None = None,
                        timeout: float = 30.0) -> Path:
    """Fetch one level from the geoBoundaries API into the cache (atomic write); returns the file."""
    api_url = api_url or GEOBOUNDARIES_API.format(level=level)
    meta = requests.get(api_url, timeout=timeout)
    meta.raise_for_status()
    info = meta.json()
    if isinstance(info, list):
        info = info[0]
    url = info.get("simplifiedGeometryGeoJSON") or info.get("gjDownloadURL")
    if not url:
        raise ValueError(f"{api_url}: answer has no gjDownloadURL or simplifiedGeometryGeoJSON")
    resp = requests.get(url, timeout=timeout)
    resp.raise_for_status()
    json.loads(resp.content)  # refuse to cache something that is not JSON
    dest = dest or cache_dir() / f"geoBoundaries-IRQ-{level}.geojson"
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(resp.content)
    os.replace(tmp, dest)
    return dest


def tile_grid() -> gpd.GeoDataFrame:
    """The offline fallback: one square per governorate on a grid laid over Iraq's extent."""
    names = governorate_names()
    rows, geoms = [], []
    for iso, (r, c) in TILE_GRID.items():
        x0, y0 = 39.4 + c * 1.9, 36.4 - r * 1.45
        geoms.append(box(x0, y0, x0 + 1.75, y0 + 1.3))
        rows.append({"iso_3166_2": iso, "name": names.get(iso, iso), "pcode": None,
                     "row": r, "col": c})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def capital_points() -> gpd.GeoDataFrame:
    """Governorate capitals as points keyed by ISO code (used when no polygons exist)."""
    g = gazetteer()
    govs = load_governorates()
    caps = g.set_index("place_id")
    rows = []
    for r in govs.itertuples():
        if r.capital_place_id in caps.index and caps.loc[r.capital_place_id].geometry is not None:
            rows.append({"iso_3166_2": r.iso_3166_2, "capital": caps.loc[r.capital_place_id, "name"],
                         "geometry": caps.loc[r.capital_place_id].geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def load_boundaries(level: str = "ADM1", path: str | os.PathLike | None = None, *,
                    download: bool | None = None, api_url: str | None = None,
                    timeout: float = 30.0) -> Boundaries:
    """Best boundaries available, never failing for lack of them (see module docstring).

    download=None means: try the geoBoundaries API unless $IRAQ_ATLAS_OFFLINE is set.
    A path that is given but unreadable is an error, not a silent fallback.
    """
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    for origin, candidate in (("path", path), ("env", settings.boundaries_path())):
        if not candidate:
            continue
        p = Path(candidate)
        record_probe(p)
        if p.is_dir():
            found = _find_in_folder(p, level)
            if found is None:
                if origin == "path":
                    raise FileNotFoundError(f"{p}: no {level} boundary file in this folder")
                continue
            p = found
        if not p.exists():
            raise FileNotFoundError(f"boundary file {p} (from {origin}) does not exist")
        gdf = read_boundary_file(p, level)
        return Boundaries(gdf, level, origin, str(p), ATTRIBUTION[gdf.attrs.get("schema", "ocha")])
    cached = cache_dir() / f"geoBoundaries-IRQ-{level}.geojson"
    record_probe(cached)
    if cached.exists():
        gdf = read_boundary_file(cached, level)
        return Boundaries(gdf, level, "cache", str(cached), ATTRIBUTION["geoboundaries"])
    if download is None:
        download = not settings.offline()
    if download:
        try:
            f = download_boundaries(level, api_url=api_url, dest=cached, timeout=timeout)
            gdf = read_boundary_file(f, level)
            return Boundaries(gdf, level, "download", api_url or GEOBOUNDARIES_API.format(level=level),
                              ATTRIBUTION["geoboundaries"])
        except (requests.RequestException, ValueError, DataError) as exc:
            warnings.warn(f"boundary download failed ({exc}); using the offline tile grid", stacklevel=2)
    return Boundaries(tile_grid(), level, "fallback", "tile-grid", ATTRIBUTION["fallback"], HOW_TO_GET)


__all__ = ["Boundaries", "load_boundaries", "read_boundary_file", "download_boundaries", "tile_grid", "capital_points", "cache_dir"]
