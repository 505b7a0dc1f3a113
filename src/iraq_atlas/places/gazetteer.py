"""The gazetteer: curated sites, GeoNames populated places and OCHA admin units, with English and Arabic names.

Each place has an id, names and aliases, a kind, a point with its precision in
metres, an ACLED-style geo_precision, its governorate and a source URL. Rows come from:

* ``curated`` — ``geodata/places/places.csv`` (sites, neighbourhoods, capitals);
* ``geonames`` — ``geonames_iq.csv`` (kind ``city``, id ``gn_<geonameid>``); a GeoNames
  place that is a curated place (a shared spelling within 15 km) is folded into the curated
  row as aliases instead of becoming a second row;
* ``ocha`` — governorates (kind ``governorate``, id ``gov_iq_xx``, point at the capital),
  districts (kind ``district``) and sub-districts (kind ``subdistrict``) from the embedded
  COD-AB boundaries, id = p-code, point = a representative point inside the polygon
  (:func:`admin_polygon` gives the polygon).

A place without coordinates takes its parent's point (``parent_id`` may be a place id or
an OCHA p-code; neighbourhoods point at their sub-district) with the parent's precision;
``point_from`` names the parent then. Names outside Iraq are kept apart in
:func:`foreign_names` so that they never resolve to a point inside Iraq.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, shape

from iraq_atlas.files import data_path, read_table, record_read, split_list, validate_table
from iraq_atlas.places.governorates import load_governorates, to_iso
from iraq_atlas.places.names import is_arabic, loose_key, normalise
from iraq_atlas.places.schema import PLACE_COLUMNS, TABLES, table_schema
from iraq_atlas.vocab import CRS, IRAQ_BBOX, METRIC_CRS

#: Extra columns every gazetteer row carries besides :data:`COLUMNS`.
EXTRA_COLUMNS = ["source", "admin_pcode", "population", "point_from"]
#: The gazetteer's columns: those of the curated ``places.csv`` (:data:`~iraq_atlas.places.schema.PLACE_COLUMNS`).
COLUMNS = PLACE_COLUMNS


def in_iraq_bbox(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """True where a coordinate pair lies in Iraq's bounding box."""
    x0, y0, x1, y1 = IRAQ_BBOX
    return lat.between(y0, y1) & lon.between(x0, x1)


def load_places(path=None) -> gpd.GeoDataFrame:
    """The curated places as a GeoDataFrame (EPSG:4326), validated by their schema.

    The schema (:func:`iraq_atlas.places.schema.table_schema` ``("places")``) asks for
    unique ids, a kind of :data:`~iraq_atlas.vocab.PLACE_KINDS`, a point inside Iraq's
    bounding box (or no point: both lat and lon, or neither), a precision ≥ 0, an
    ACLED geo_precision 1–3, a known governorate code, a parent that exists and a
    source URL on every row.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``geodata/places/places.csv``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` and a point geometry (None for a place without coordinates).

    Raises
    ------
    DataError
        Every broken rule, each naming file, row and column.

    Examples
    --------
    >>> p = load_places().set_index("place_id")
    >>> p.loc["green_zone", ["kind", "governorate_iso"]].tolist(), int(p.loc["green_zone", "geo_precision"])
    (['zone', 'IQ-BG'], 2)
    """
    path = path or data_path("places", TABLES["places"])
    out = read_table(path, table_schema("places"))
    geom = [Point(x, y) if pd.notna(x) else None for x, y in zip(out.lon, out.lat)]
    return gpd.GeoDataFrame(out, geometry=geom, crs=CRS)


def _governorate_rows(places: gpd.GeoDataFrame) -> pd.DataFrame:
    govs = load_governorates()
    caps = places.set_index("place_id")
    rows = []
    for g in govs.itertuples():
        cap = caps.loc[g.capital_place_id] if g.capital_place_id in caps.index else None
        rows.append({
            "place_id": governorate_place_id(g.iso_3166_2), "name": g.name_en, "name_ar": g.name_ar,
            # the ISO code is an alias unless normalising it leaves only "iq" (IQ-AN, IQ-AR: articles)
            "aliases": "|".join(x for x in [g.ocha_name, g.geoboundaries_name, g.variants,
                                            g.iso_3166_2 if normalise(g.iso_3166_2) != "iq" else ""] if x),
            "kind": "governorate",
            "lat": cap.lat if cap is not None else float("nan"),
            "lon": cap.lon if cap is not None else float("nan"),
            "precision_m": 50_000.0, "geo_precision": 3, "governorate_iso": g.iso_3166_2,
            "parent_id": "", "source_url": g.source_url,
            "note": "point is the governorate capital" if cap is not None else "",
            "source": "ocha", "admin_pcode": g.ocha_pcode,
        })
    return pd.DataFrame(rows)


def _admin_rows(level: str) -> pd.DataFrame:
    """Districts (ADM2) or sub-districts (ADM3) of the embedded COD-AB files as places."""
    from iraq_atlas.places.boundaries import embedded_path

    path = embedded_path(level)
    record_read(path)
    raw = gpd.read_file(path)
    k = level[-1]
    metric = raw.geometry.to_crs(METRIC_CRS)
    reps = raw.geometry.representative_point()
    radius = (metric.area / 3.141592653589793) ** 0.5
    rows = []
    for i, r in raw.iterrows():
        en, ar = r[f"ADM{k}_EN"], r[f"ADM{k}_AR"]
        aliases = []
        # "Markaz X" / "مركز X" is the centre sub-district of X: X is an alias
        bare_en = __import__("re").sub(r"^Markaz\s+", "", en)
        bare_ar = __import__("re").sub(r"^مركز\s+(?:قضاء\s+)?", "", ar or "")
        if bare_en != en:
            aliases += [bare_en, f"{bare_en} centre"]
        if bare_ar and bare_ar != ar:
            aliases.append(bare_ar)
        kind = "district" if level == "ADM2" else "subdistrict"
        aliases += [f"{bare_en} {'district' if level == 'ADM2' else 'sub-district'}"]
        rows.append({
            "place_id": r[f"ADM{k}_PCODE"], "name": en, "name_ar": ar or "", "aliases": "|".join(aliases),
            "kind": kind, "lat": round(reps.iloc[i].y, 5), "lon": round(reps.iloc[i].x, 5),
            "precision_m": float(round(radius.iloc[i], -3)), "geo_precision": 2,
            "governorate_iso": to_iso(r["ADM1_PCODE"]),
            "parent_id": r["ADM2_PCODE"] if level == "ADM3" else governorate_place_id(to_iso(r["ADM1_PCODE"])),
            "source_url": "https://data.humdata.org/dataset/cod-ab-irq",
            "note": f"OCHA COD-AB {level} {r[f'ADM{k}_PCODE']}; point is a representative point inside the polygon",
            "source": "ocha", "admin_pcode": r[f"ADM{k}_PCODE"],
        })
    return pd.DataFrame(rows)


_LATIN_OR_ARABIC = __import__("re").compile(r"^[\s\w'’‘ʿʾ`.\-()]+$")


def _keep_alternate(name: str) -> bool:
    """GeoNames alternate names worth matching: Latin or Arabic script, not machine transliterations."""
    if len(name) < 3 or not _LATIN_OR_ARABIC.match(name):
        return False
    if is_arabic(name):
        return all(("\u0600" <= ch <= "\u06ff") or not ch.isalpha() for ch in name)
    if name.isascii() and (name == name.lower() or (name.isupper() and len(name) <= 4)):
        return False  # lower-case ASCII: automatic transliteration; short capitals: airport codes
    return all(ch.isascii() or "\u00c0" <= ch <= "\u02ff" or "\u1e00" <= ch <= "\u1eff" or not ch.isalpha()
               for ch in name)


def load_geonames(path=None) -> pd.DataFrame:
    """GeoNames populated places (``geonames_iq.csv``) as gazetteer rows (kind ``city``).

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``geodata/places/geonames_iq.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` plus ``source``, ``population``; one row per GeoNames id.

    Examples
    --------
    >>> gn = load_geonames()
    >>> gn.loc[gn.name == "Hīt", ["place_id", "governorate_iso"]].values.tolist()
    [['gn_95788', 'IQ-AN']]
    """
    path = path or data_path("places", TABLES["geonames"])
    df = read_table(path, table_schema("geonames"))
    lat, lon, pop = df["lat"], df["lon"], df["population"]
    gov_keys = set(_governorate_keys())
    rows = []
    for i, r in df.iterrows():
        own = [r["name"], r.asciiname]
        alts = [a for a in split_list(r.alternatenames) if _keep_alternate(a) and a not in own
                and normalise(a) not in gov_keys]
        p = float(pop[i]) if pd.notna(pop[i]) else 0.0
        rows.append({
            "place_id": f"gn_{r.geonameid}", "name": r["name"], "name_ar": r.name_ar,
            "aliases": "|".join(dict.fromkeys([r.asciiname] + alts)), "kind": "city",
            "lat": float(lat[i]), "lon": float(lon[i]),
            "precision_m": 5000.0 if p >= 100_000 else 2000.0, "geo_precision": 1,
            "governorate_iso": r.governorate_iso, "parent_id": "", "source_url": r.source_url,
            "note": "GeoNames populated place (CC BY 4.0); point is GeoNames'", "source": "geonames",
            "admin_pcode": "", "population": p,
        })
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def _governorate_keys() -> dict[str, str]:
    from iraq_atlas.places.governorates import _lookup

    return dict(_lookup())


def _fold_geonames(places: pd.DataFrame, gn: pd.DataFrame, max_km: float = 15.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GeoNames rows that are a curated place (a shared loose spelling within ``max_km``) become its aliases."""
    keys: dict[str, list[int]] = {}
    for i, r in places.iterrows():
        for n in [r["name"], r.name_ar, *split_list(r.aliases)]:
            if n:
                keys.setdefault(loose_key(n), []).append(i)
    places = places.copy()
    drop = []
    for j, g in gn.iterrows():
        spell = [g["name"], g.name_ar, *split_list(g.aliases)]
        target = None
        for n in spell[:2] + spell[2:3]:  # its own name, Arabic name and ASCII name
            for i in keys.get(loose_key(n), []) if n else []:
                p = places.loc[i]
                if pd.notna(p.lat) and p.kind != "governorate" and \
                        _km(p.lat, p.lon, g.lat, g.lon) <= max_km:
                    target = i
                    break
            if target is not None:
                break
        if target is None:
            continue
        known = {normalise(x) for x in [places.at[target, "name"], places.at[target, "name_ar"],
                                        *split_list(places.at[target, "aliases"])]}
        extra = [x for x in spell if x and normalise(x) not in known]
        if extra:
            places.at[target, "aliases"] = "|".join([a for a in [places.at[target, "aliases"]] if a] +
                                                    list(dict.fromkeys(extra)))
        places.at[target, "population"] = g.population
        places.at[target, "note"] = (places.at[target, "note"] + " " if places.at[target, "note"] else "") + \
            f"Further spellings from GeoNames {g.source_url}."
        drop.append(j)
    return places, gn.drop(index=drop)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _fill_from_parents(df: pd.DataFrame) -> pd.DataFrame:
    """Rows without a point take their nearest ancestor's point and precision; ``point_from`` says whose."""
    df = df.copy()
    df["point_from"] = ""
    by_id = df.set_index("place_id")
    for i in df.index[df.lat.isna()]:
        pid, seen = df.at[i, "parent_id"], set()
        while pid and pid in by_id.index and pid not in seen:
            seen.add(pid)
            par = by_id.loc[pid]
            if pd.notna(par.lat):
                df.loc[i, ["lat", "lon"]] = [par.lat, par.lon]
                df.at[i, "precision_m"] = max(float(par.precision_m or 0), float(df.at[i, "precision_m"] or 0)
                                              if pd.notna(df.at[i, "precision_m"]) else 0.0)
                df.at[i, "geo_precision"] = max(int(par.geo_precision), 2)
                df.at[i, "point_from"] = pid
                break
            pid = par.parent_id
    return df


@lru_cache(maxsize=1)
def gazetteer() -> gpd.GeoDataFrame:
    """Every place: curated, GeoNames and OCHA units (see the module docstring), cached for the process.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` + :data:`EXTRA_COLUMNS`, EPSG:4326 points.

    Examples
    --------
    >>> g = gazetteer()
    >>> sorted(g.source.unique())
    ['curated', 'geonames', 'ocha']
    >>> g.set_index("place_id").loc["mansour", "point_from"]
    'IQG08Q03N03'
    """
    places = pd.DataFrame(load_places().drop(columns="geometry"))
    places["source"], places["admin_pcode"], places["population"] = "curated", "", float("nan")
    gn = load_geonames()
    places, gn = _fold_geonames(places, gn)
    parts = [places, gn, _governorate_rows(load_places()), _admin_rows("ADM2"), _admin_rows("ADM3")]
    df = pd.concat(parts, ignore_index=True)
    df["geo_precision"] = pd.to_numeric(df["geo_precision"]).astype("Int64")
    df["precision_m"] = pd.to_numeric(df["precision_m"]).astype(float)
    df["population"] = pd.to_numeric(df["population"]).astype(float)
    df = df.fillna({"aliases": "", "name_ar": "", "parent_id": "", "note": "", "admin_pcode": ""})
    df = _fill_from_parents(df)
    df.loc[df.point_from != "", "note"] = df.loc[df.point_from != "", "note"].str.cat(
        "point is that of " + df.loc[df.point_from != "", "point_from"] + " (no point of its own)", sep=" ")
    df["note"] = df["note"].str.strip()
    geom = [Point(x, y) if pd.notna(x) else None for x, y in zip(df.lon, df.lat)]
    return gpd.GeoDataFrame(df[COLUMNS + EXTRA_COLUMNS], geometry=geom, crs=CRS)


def admin_polygon(place_id: str):
    """The polygon of an OCHA place of the gazetteer (governorate, district or sub-district).

    Parameters
    ----------
    place_id : str
        ``gov_iq_xx`` or a district / sub-district p-code.

    Returns
    -------
    shapely geometry
        EPSG:4326 polygon from the boundaries :func:`~iraq_atlas.places.boundaries.load_boundaries` gives.

    Examples
    --------
    >>> round(admin_polygon("IQG08Q03N03").area, 3) > 0
    True
    """
    from iraq_atlas.places.boundaries import load_boundaries

    p = place(place_id)
    code = p.admin_pcode
    if not code:
        raise KeyError(f"place {place_id!r} is not an OCHA admin unit, so it has no polygon")
    level = {5: "ADM1", 8: "ADM2", 11: "ADM3"}[len(code)]
    b = load_boundaries(level)
    col = {"ADM1": "pcode", "ADM2": "district_pcode", "ADM3": "subdistrict_pcode"}[level]
    hit = b.gdf[b.gdf[col] == code]
    if hit.empty:
        raise KeyError(f"no {level} polygon with p-code {code!r} in {b.source}")
    return hit.geometry.iloc[0]


@lru_cache(maxsize=1)
def foreign_names(path=None) -> pd.DataFrame:
    """Names of places outside Iraq (``foreign_names.csv``): they must never get an Iraqi point.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``geodata/places/foreign_names.csv``).

    Returns
    -------
    pandas.DataFrame
        ``place_id`` (``foreign_<name>``) and the file's columns; every row has a source URL.

    Examples
    --------
    >>> "Deir ez-Zor" in set(foreign_names().name)
    True
    """
    df = read_table(path or data_path("places", TABLES["foreign_names"]), table_schema("foreign_names"))
    df.insert(0, "place_id", ["foreign_" + "_".join(normalise(n).split()) for n in df.name])
    return df


def governorate_place_id(iso: str) -> str:
    """Gazetteer id of a governorate, e.g. IQ-BG → gov_iq_bg.

    Parameters
    ----------
    iso : str
        An ISO 3166-2:IQ code.

    Returns
    -------
    str
        The id of the governorate's row in the gazetteer.

    Examples
    --------
    >>> governorate_place_id("IQ-BG")
    'gov_iq_bg'
    """
    return "gov_" + iso.lower().replace("-", "_")


@lru_cache(maxsize=1)
def outlines(path=None) -> gpd.GeoDataFrame:
    """Curated outline polygons (the Green Zone), keyed by place_id, each valid and with a source URL.

    Parameters
    ----------
    path : path-like, optional
        A GeoJSON FeatureCollection (default: the curated ``geodata/places/outlines.geojson``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature: its properties and its polygon (EPSG:4326).

    Raises
    ------
    DataError
        A polygon that is not valid or a feature without a source URL, naming file,
        feature number (as the row) and column.

    Examples
    --------
    >>> outlines().place_id.tolist()
    ['green_zone']
    """
    path = Path(path) if path else data_path("places", TABLES["outlines"])
    record_read(path)
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    rows = [{**feat.get("properties", {}), "geometry": shape(feat["geometry"])} for feat in fc.get("features", [])]
    names = [k for k in dict.fromkeys(k for r in rows for k in r) if k != "geometry"]
    raw = pd.DataFrame(rows, columns=[*names, *(["source_url"] if "source_url" not in names else []), "geometry"])
    raw["source_url"] = raw["source_url"].fillna("").astype(str).str.strip()  # a feature without one: ""
    raw.insert(0, "_row", range(1, len(raw) + 1))
    out = validate_table(raw, table_schema("outlines"), path.name)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def place(place_id: str) -> pd.Series:
    """One gazetteer row by id; KeyError naming the id if there is none.

    Parameters
    ----------
    place_id : str
        A gazetteer id such as ``"capital_basra"`` or ``"us_embassy_baghdad"``.

    Returns
    -------
    pandas.Series
        The row: ``name``, ``name_ar``, ``kind``, ``lat``, ``lon``, ``precision_m``,
        ``governorate_iso``, ``source_url`` and the other gazetteer columns.

    Raises
    ------
    KeyError
        Naming the id when the gazetteer has no such place.

    Examples
    --------
    >>> p = place("us_embassy_baghdad")
    >>> p["name"], float(p.lat), float(p.lon), p.governorate_iso, p.parent_id
    ('Embassy of the United States, Baghdad', 33.299, 44.396, 'IQ-BG', 'green_zone')
    >>> place("atlantis")
    Traceback (most recent call last):
    ...
    KeyError: "no place with id 'atlantis' in the gazetteer"
    """
    g = gazetteer()
    hit = g[g.place_id == place_id]
    if hit.empty:
        raise KeyError(f"no place with id {place_id!r} in the gazetteer")
    return hit.iloc[0]


def approximate_point_note(place_id: str) -> str | None:
    """What a table, ring or band measuring distance to a place says when the place's point is approximate.

    A point is approximate when its precision is 1 km or more, or its ACLED-style
    ``geo_precision`` is above 1. The note names the place, says whose point it is when it
    is its parent's (the PM residence has the Green Zone's reference point), gives the
    precision and the row's source.

    Parameters
    ----------
    place_id : str
        A gazetteer id.

    Returns
    -------
    str or None
        The note, or None for a point that is not approximate.

    Examples
    --------
    >>> print(approximate_point_note("pm_residence"))  # doctest: +ELLIPSIS
    Prime Minister's residence (al-Kadhimi home): approximate point (the Green Zone reference point), precision ±2.5 km; source: https://www.shafaq.com/...
    >>> approximate_point_note("us_embassy_baghdad") is None
    True
    """
    p = place(place_id)
    prec, geo = p.get("precision_m"), p.get("geo_precision")
    if not ((pd.notna(prec) and prec >= 1000) or (pd.notna(geo) and int(geo) > 1)):
        return None
    whose = ""
    parent_id = p.get("parent_id") or p.get("point_from") or ""
    if isinstance(parent_id, str) and parent_id:
        g = gazetteer()
        par = g[g.place_id == parent_id]
        if len(par) and par.iloc[0].lat == p.lat and par.iloc[0].lon == p.lon:
            whose = f" (the {par.iloc[0]['name']} reference point)"
    size = f", precision ±{prec / 1000:g} km" if pd.notna(prec) else ""
    return f"{p['name']}: approximate point{whose}{size}; source: {p['source_url']}"


def expand_aliases(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (place_id, spelling, how): name, Arabic name and each alias.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows with ``place_id``, ``name``, ``name_ar`` and (optionally) ``aliases`` (pipe-separated).

    Returns
    -------
    pandas.DataFrame
        Columns ``place_id``, ``spelling`` and ``how`` (``name``, ``name_ar`` or ``alias``).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"place_id": ["hit"], "name": ["Hit"], "name_ar": ["هيت"], "aliases": ["Heet|Hīt"]})
    >>> expand_aliases(rows).values.tolist()
    [['hit', 'Hit', 'name'], ['hit', 'هيت', 'name_ar'], ['hit', 'Heet', 'alias'], ['hit', 'Hīt', 'alias']]
    """
    recs = []
    if "aliases" not in df.columns:
        df = df.assign(aliases="")
    for r in df.itertuples():
        recs.append((r.place_id, r.name, "name"))
        if r.name_ar:
            recs.append((r.place_id, r.name_ar, "name_ar"))
        for a in split_list(r.aliases):
            recs.append((r.place_id, a, "alias"))
    return pd.DataFrame(recs, columns=["place_id", "spelling", "how"])
