"""The curated gazetteer: Baghdad and Iraq places with English and Arabic names.

Each place has an id, names and aliases, a kind, a point with its precision in
metres, an ACLED-style geo_precision, its governorate and a source URL.
Governorates themselves are added as places of kind ``governorate`` (point at
their capital, geo_precision 3) so one lookup resolves both.
"""

from __future__ import annotations

import json
from functools import lru_cache

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, shape

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import data_path, read_csv, record_read, split_list, to_number
from iraq_atlas.places.governorates import iso_codes, load_governorates
from iraq_atlas.vocab import CRS, IRAQ_BBOX, PLACE_KINDS

COLUMNS = ["place_id", "name", "name_ar", "aliases", "kind", "lat", "lon", "precision_m",
           "geo_precision", "governorate_iso", "parent_id", "source_url", "note"]


def in_iraq_bbox(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """True where a coordinate pair lies in Iraq's bounding box."""
    x0, y0, x1, y1 = IRAQ_BBOX
    return lat.between(y0, y1) & lon.between(x0, x1)


def load_places(path=None) -> gpd.GeoDataFrame:
    """The curated places as a GeoDataFrame (EPSG:4326), validated cell by cell."""
    path = path or data_path("places", "places.csv")
    df = read_csv(path, required=COLUMNS)
    name = getattr(path, "name", str(path))
    problems: list[Problem] = []
    lat = to_number(df, "lat", name, problems=problems, minimum=-90, maximum=90)
    lon = to_number(df, "lon", name, problems=problems, minimum=-180, maximum=180)
    prec = to_number(df, "precision_m", name, problems=problems, minimum=0)
    geo = to_number(df, "geo_precision", name, integer=True, required=True, minimum=1,
                    maximum=3, problems=problems)
    known_iso = iso_codes()
    ids = set(df.place_id)
    for i, r in df.iterrows():
        if not r.place_id:
            problems.append(Problem(name, r._row, "place_id", "value is missing"))
        if r.kind not in PLACE_KINDS:
            problems.append(Problem(name, r._row, "kind", f"unknown kind {r.kind!r}; use one of {sorted(PLACE_KINDS)}"))
        if r.governorate_iso not in known_iso:
            problems.append(Problem(name, r._row, "governorate_iso", f"unknown ISO 3166-2:IQ code {r.governorate_iso!r}"))
        if r.parent_id and r.parent_id not in ids:
            problems.append(Problem(name, r._row, "parent_id", f"no place with id {r.parent_id!r}"))
        if not r.source_url.startswith(("http://", "https://")):
            problems.append(Problem(name, r._row, "source_url", "every row needs a source URL"))
        if pd.isna(lat[i]) != pd.isna(lon[i]):
            problems.append(Problem(name, r._row, "lat" if pd.isna(lat[i]) else "lon",
                                    "give both lat and lon, or neither"))
        elif pd.notna(lat[i]) and not in_iraq_bbox(pd.Series([lat[i]]), pd.Series([lon[i]])).iloc[0]:
            swapped = in_iraq_bbox(pd.Series([lon[i]]), pd.Series([lat[i]])).iloc[0]
            hint = " (lat and lon look swapped)" if swapped else ""
            problems.append(Problem(name, r._row, "lat", f"point {lat[i]}, {lon[i]} is outside Iraq{hint}"))
    for _, r in df[df.place_id.duplicated(keep=False)].iterrows():
        problems.append(Problem(name, r._row, "place_id", f"duplicate id {r.place_id!r}"))
    if problems:
        raise DataError(problems)
    out = df.drop(columns="_row").assign(lat=lat, lon=lon, precision_m=prec,
                                         geo_precision=geo.astype("Int64"))
    geom = [Point(x, y) if pd.notna(x) else None for x, y in zip(out.lon, out.lat)]
    return gpd.GeoDataFrame(out, geometry=geom, crs=CRS)


@lru_cache(maxsize=1)
def gazetteer() -> gpd.GeoDataFrame:
    """Places plus one row per governorate (kind ``governorate``), cached for the process."""
    places = load_places()
    govs = load_governorates()
    caps = places.set_index("place_id")
    rows = []
    for g in govs.itertuples():
        cap = caps.loc[g.capital_place_id] if g.capital_place_id in caps.index else None
        rows.append({
            "place_id": governorate_place_id(g.iso_3166_2), "name": g.name_en, "name_ar": g.name_ar,
            "aliases": "|".join(x for x in [g.ocha_name, g.geoboundaries_name, g.variants, g.iso_3166_2] if x),
            "kind": "governorate",
            "lat": cap.lat if cap is not None else float("nan"),
            "lon": cap.lon if cap is not None else float("nan"),
            "precision_m": 50_000.0, "geo_precision": 3, "governorate_iso": g.iso_3166_2,
            "parent_id": "", "source_url": g.source_url,
            "note": "point is the governorate capital" if cap is not None else "",
        })
    gov = pd.DataFrame(rows)
    gov["geo_precision"] = gov["geo_precision"].astype("Int64")
    gov_gdf = gpd.GeoDataFrame(gov, geometry=[Point(x, y) if pd.notna(x) else None
                                              for x, y in zip(gov.lon, gov.lat)], crs=CRS)
    return gpd.GeoDataFrame(pd.concat([places, gov_gdf], ignore_index=True), crs=CRS)


def governorate_place_id(iso: str) -> str:
    """Gazetteer id of a governorate, e.g. IQ-BG → gov_iq_bg."""
    return "gov_" + iso.lower().replace("-", "_")


@lru_cache(maxsize=1)
def outlines() -> gpd.GeoDataFrame:
    """Curated outline polygons (the Green Zone), keyed by place_id."""
    path = data_path("places", "outlines.geojson")
    record_read(path)
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    rows, problems = [], []
    for i, feat in enumerate(fc.get("features", []), start=1):
        props = feat.get("properties", {})
        geom = shape(feat["geometry"])
        if not geom.is_valid:
            problems.append(Problem(path.name, i, "geometry", "polygon is not valid"))
        if not str(props.get("source_url", "")).startswith("http"):
            problems.append(Problem(path.name, i, "source_url", "every outline needs a source URL"))
        rows.append({**props, "geometry": geom})
    if problems:
        raise DataError(problems)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def place(place_id: str) -> pd.Series:
    """One gazetteer row by id; KeyError naming the id if there is none."""
    g = gazetteer()
    hit = g[g.place_id == place_id]
    if hit.empty:
        raise KeyError(f"no place with id {place_id!r} in the gazetteer")
    return hit.iloc[0]


def expand_aliases(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (place_id, spelling, how): name, Arabic name and each alias."""
    recs = []
    for r in df.itertuples():
        recs.append((r.place_id, r.name, "name"))
        if r.name_ar:
            recs.append((r.place_id, r.name_ar, "name_ar"))
        for a in split_list(r.aliases):
            recs.append((r.place_id, a, "alias"))
    return pd.DataFrame(recs, columns=["place_id", "spelling", "how"])
