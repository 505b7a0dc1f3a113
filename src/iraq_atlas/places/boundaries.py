"""Administrative boundaries ADM0–ADM3: a user file, ``$IRAQ_ATLAS_BOUNDARIES``, or the embedded default.

:func:`load_boundaries` tries, in order: a path given by the caller,
``$IRAQ_ATLAS_BOUNDARIES`` (file or folder), then the simplified OCHA COD-AB
files embedded in ``geodata/boundaries`` (so it works offline and from the
wheel). A geoBoundaries download happens only when asked for
(``download=True`` or ``source="geoboundaries"``); it is never a silent step,
and nothing is printed into a page. Governorates (ADM1) are keyed by ISO
3166-2:IQ (crosswalk from OCHA p-codes in ``governorates.csv``); districts
(ADM2) and sub-districts (ADM3) by OCHA p-codes, with English and Arabic names.
The tile-grid cartogram (:func:`tile_grid`) is a chart one asks for, never a
stand-in for polygons.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import requests
from shapely.geometry import box

from iraq_atlas import settings
from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import data_path, record_probe, record_read, write_atomic
from iraq_atlas.places.gazetteer import gazetteer
from iraq_atlas.places.governorates import TILE_GRID, governorate_names, load_governorates, to_iso
from iraq_atlas.vocab import CRS

GEOBOUNDARIES_API = "https://www.geoboundaries.org/api/current/gbOpen/IRQ/{level}/"
LEVELS = ("ADM0", "ADM1", "ADM2", "ADM3")
#: The credit line every map and chart showing these boundaries carries.
OCHA_ATTRIBUTION = "OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO"
ATTRIBUTION = {
    "ocha": f"Boundaries: {OCHA_ATTRIBUTION}",
    "geoboundaries": "Boundaries: geoBoundaries (Runfola et al. 2020, CC BY 4.0)",
    "fallback": "Tile-grid cartogram (one square per governorate; not a map)",
}
#: Columns by level, besides ``geometry`` (OCHA's own ADMk_* columns are kept as well).
LEVEL_COLUMNS = {
    "ADM0": ["iso", "name", "name_ar"],
    "ADM1": ["iso_3166_2", "name", "name_ar", "pcode"],
    "ADM2": ["iso_3166_2", "name", "pcode", "district", "district_ar", "district_pcode"],
    "ADM3": ["iso_3166_2", "name", "pcode", "district", "district_ar", "district_pcode",
             "subdistrict", "subdistrict_ar", "subdistrict_pcode"],
}


@dataclass
class Boundaries:
    """Polygons of one level, with where they came from and how to credit them.

    ``origin`` is ``"path"``, ``"env"``, ``"embedded"``, ``"cache"``, ``"download"`` or
    ``"tile-grid"`` (the latter only from :func:`tile_grid_boundaries`).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The polygons (EPSG:4326) with the columns of :data:`LEVEL_COLUMNS` for ``level``.
    level : {"ADM0", "ADM1", "ADM2", "ADM3"}
        The administrative level.
    origin : str
        Where the polygons came from (see above).
    source : str
        File path or URL they were read from.
    attribution : str
        The credit line to show with them.
    message : str
        A note on how they were found (for example why a download was skipped).

    Examples
    --------
    >>> b = load_boundaries("ADM1")
    >>> b.level, b.origin, len(b.gdf), b.id_column, b.is_fallback
    ('ADM1', 'embedded', 18, 'iso_3166_2', False)
    >>> b.attribution
    'Boundaries: OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO'
    """

    gdf: gpd.GeoDataFrame
    level: str
    origin: str
    source: str       # file path or URL
    attribution: str
    message: str = ""

    @property
    def is_fallback(self) -> bool:
        """True only for the tile-grid cartogram (never returned unless asked for).

        ``origin="fallback"`` is accepted as a synonym for ``"tile-grid"``.
        """
        return self.origin in ("tile-grid", "fallback")

    @property
    def id_column(self) -> str:
        """The key column of this level: iso_3166_2 (ADM1), district_pcode, subdistrict_pcode."""
        return {"ADM0": "iso", "ADM1": "iso_3166_2", "ADM2": "district_pcode",
                "ADM3": "subdistrict_pcode"}[self.level]


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
    """Read an OCHA COD-AB or geoBoundaries file onto the columns of :data:`LEVEL_COLUMNS`.

    Parameters
    ----------
    path : path-like
        A GeoJSON, GeoPackage or shapefile.
    level : {"ADM0", "ADM1", "ADM2", "ADM3"}
        The level the file holds.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, with ``attrs["schema"]`` set to ``"ocha"`` or ``"geoboundaries"``.

    Raises
    ------
    DataError
        Naming file, row and column when a governorate cannot be identified.

    Examples
    --------
    >>> from iraq_atlas.files import data_path
    >>> len(read_boundary_file(data_path("boundaries", "adm1.geojson"), "ADM1"))
    18
    """
    path = Path(path)
    level = level.upper()
    record_read(path)
    raw = gpd.read_file(path)
    if raw.crs is None:
        raw = raw.set_crs(CRS)
    raw = raw.to_crs(CRS)
    cols = set(raw.columns)
    problems: list[Problem] = []
    if level == "ADM0":
        name_ar = raw["ADM0_AR"].iloc[0] if "ADM0_AR" in cols else None
        gdf = gpd.GeoDataFrame({"iso": ["IQ"], "name": ["Iraq"], "name_ar": [name_ar]},
                               geometry=[raw.union_all()], crs=CRS)
        gdf.attrs["schema"] = "ocha" if "ADM0_PCODE" in cols else "geoboundaries"
        return gdf
    if "ADM1_PCODE" in cols:  # OCHA COD-AB
        schema, iso_col = "ocha", "ADM1_PCODE"
        iso = raw["ADM1_PCODE"].map(to_iso)
        out = pd.DataFrame({"iso_3166_2": iso, "name": raw.get("ADM1_EN"), "pcode": raw["ADM1_PCODE"]})
        if level == "ADM1":
            out["name_ar"] = raw.get("ADM1_AR")
        if level in ("ADM2", "ADM3"):
            out["district"] = raw.get("ADM2_EN")
            out["district_ar"] = raw.get("ADM2_AR")
            out["district_pcode"] = raw.get("ADM2_PCODE")
        if level == "ADM3":
            out["subdistrict"] = raw.get("ADM3_EN")
            out["subdistrict_ar"] = raw.get("ADM3_AR")
            out["subdistrict_pcode"] = raw.get("ADM3_PCODE")
        for c in sorted(c for c in cols if c[:3] == "ADM" and c[3:4].isdigit() and int(c[3]) <= int(level[-1])):
            out[c] = raw[c]
    elif "shapeName" in cols:  # geoBoundaries
        schema = "geoboundaries"
        if level in ("ADM2", "ADM3"):
            key = "district" if level == "ADM2" else "subdistrict"
            out = pd.DataFrame({"iso_3166_2": None, "name": None, "pcode": None,
                                key: raw["shapeName"], f"{key}_pcode": raw.get("shapeID")})
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
    return write_atomic(dest, resp.content)


def tile_grid() -> gpd.GeoDataFrame:
    """A tile-grid cartogram: one square per governorate, neighbours kept next to each other.

    A chart to ask for (equal-area tiles for governorate totals), not a map: it is never
    used in place of polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns iso_3166_2, name, pcode, row, col, geometry (EPSG:4326 squares).

    Examples
    --------
    >>> len(tile_grid())
    18
    """
    names = governorate_names()
    rows, geoms = [], []
    for iso, (r, c) in TILE_GRID.items():
        x0, y0 = 39.4 + c * 1.9, 36.4 - r * 1.45
        geoms.append(box(x0, y0, x0 + 1.75, y0 + 1.3))
        rows.append({"iso_3166_2": iso, "name": names.get(iso, iso), "pcode": None,
                     "row": r, "col": c})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def tile_grid_boundaries() -> Boundaries:
    """The tile grid wrapped as :class:`Boundaries` (``origin="tile-grid"``), for charts that ask for it.

    Returns
    -------
    Boundaries
        One square per governorate (:data:`~iraq_atlas.places.governorates.TILE_GRID`), ``is_fallback`` True.

    Examples
    --------
    >>> tile_grid_boundaries().is_fallback
    True
    """
    return Boundaries(tile_grid(), "ADM1", "tile-grid", "tile-grid", ATTRIBUTION["fallback"])


def capital_points() -> gpd.GeoDataFrame:
    """Governorate capitals as points keyed by ISO code.

    Examples
    --------
    >>> len(capital_points())
    18
    """
    g = gazetteer()
    govs = load_governorates()
    caps = g.set_index("place_id")
    rows = []
    for r in govs.itertuples():
        if r.capital_place_id in caps.index and caps.loc[r.capital_place_id].geometry is not None:
            rows.append({"iso_3166_2": r.iso_3166_2, "capital": caps.loc[r.capital_place_id, "name"],
                         "geometry": caps.loc[r.capital_place_id].geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def embedded_path(level: str) -> Path:
    """The embedded simplified OCHA COD-AB file of a level (works from the wheel too).

    Parameters
    ----------
    level : str
        ``"ADM1"`` (governorates), ``"ADM2"`` (districts) or ``"ADM3"`` (sub-districts).

    Returns
    -------
    pathlib.Path
        The GeoJSON file of that level.

    Examples
    --------
    >>> embedded_path("ADM3").name
    'adm3.geojson'
    """
    return data_path("boundaries", f"{level.lower()}.geojson")


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float, level: str) -> gpd.GeoDataFrame:
    return read_boundary_file(path, level)


def _read(path: Path, level: str) -> gpd.GeoDataFrame:
    gdf = _read_cached(str(path), path.stat().st_mtime, level)
    out = gdf.copy()
    out.attrs = dict(gdf.attrs)
    return out


def load_boundaries(level: str = "ADM1", path: str | os.PathLike | None = None, *,
                    download: bool = False, source: str | None = None, api_url: str | None = None,
                    timeout: float = 30.0) -> Boundaries:
    """Boundaries of one level: the given path, else ``$IRAQ_ATLAS_BOUNDARIES``, else the embedded files.

    Parameters
    ----------
    level : {"ADM0", "ADM1", "ADM2", "ADM3"}
        Country, governorates, districts or sub-districts.
    path : path-like, optional
        A boundary file, or a folder holding one per level (OCHA or geoBoundaries names).
        A path that is given but missing is an error.
    download : bool, default False
        Fetch geoBoundaries (cached) instead of the embedded OCHA files. Same as
        ``source="geoboundaries"``. Refused when ``$IRAQ_ATLAS_OFFLINE`` is set.
    source : {"ocha", "geoboundaries"}, optional
        Which boundaries to use when no path and no environment variable are given.
    api_url, timeout
        geoBoundaries API address and network timeout (for a download).

    Returns
    -------
    Boundaries
        ``origin`` says which step supplied them; ``attribution`` is the credit line to show.

    Examples
    --------
    >>> b = load_boundaries("ADM2")
    >>> b.origin, len(b.gdf), b.attribution
    ('embedded', 101, 'Boundaries: OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO')
    """
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if source not in (None, "ocha", "geoboundaries"):
        raise ValueError(f"source must be 'ocha' or 'geoboundaries', not {source!r}")
    want_download = download or source == "geoboundaries"
    for origin, candidate in (("path", path), ("env", None if want_download else settings.boundaries_path())):
        if not candidate:
            continue
        p = Path(candidate)
        record_probe(p)
        if p.is_dir():
            found = _find_in_folder(p, level)
            if found is None:
                raise FileNotFoundError(f"{p} (from {'the argument' if origin == 'path' else settings.ENV_BOUNDARIES})"
                                        f": no {level} boundary file in this folder")
            p = found
        if not p.exists():
            raise FileNotFoundError(f"boundary file {p} (from {origin}) does not exist")
        gdf = _read(p, level)
        return Boundaries(gdf, level, origin, str(p), ATTRIBUTION[gdf.attrs.get("schema", "ocha")])
    if want_download:
        cached = cache_dir() / f"geoBoundaries-IRQ-{level}.geojson"
        record_probe(cached)
        if cached.exists():
            return Boundaries(_read(cached, level), level, "cache", str(cached), ATTRIBUTION["geoboundaries"])
        if settings.offline():
            raise RuntimeError(f"a geoBoundaries download was asked for, but {settings.ENV_OFFLINE} is set")
        f = download_boundaries(level, api_url=api_url, dest=cached, timeout=timeout)
        return Boundaries(_read(f, level), level, "download", api_url or GEOBOUNDARIES_API.format(level=level),
                          ATTRIBUTION["geoboundaries"])
    p = embedded_path(level)
    return Boundaries(_read(p, level), level, "embedded", f"geodata/boundaries/{p.name}", ATTRIBUTION["ocha"])


__all__ = ["Boundaries", "load_boundaries", "embedded_path", "tile_grid_boundaries", "OCHA_ATTRIBUTION", "LEVELS", "read_boundary_file", "download_boundaries", "tile_grid", "capital_points", "cache_dir"]
