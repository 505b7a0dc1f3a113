#!/usr/bin/env python3
"""Build the embedded river lines (Tigris, Euphrates, Shatt al-Arab) from Natural Earth.

Input: Natural Earth's 1:50m "Rivers + lake centerlines" layer
(``ne_50m_rivers_lake_centerlines``, public domain), as GeoJSON or any format geopandas
reads. The rivers kept are named in :data:`RIVERS`; a feature is one of them when its
``name`` property says so or, for copies of the file that carry no properties, when its
first vertex is the one recorded for that river from Natural Earth's own file. Each river
is clipped to Iraq (the embedded OCHA country outline, widened by ``--margin-m`` so that
the Shatt al-Arab, which is the border with Iran, is kept whole), simplified in a metric CRS
with ``--tolerance-m`` and rounded to ``--decimals`` decimals.

Usage (from the repository root):

    python scripts/build_rivers.py --input ne_50m_rivers_lake_centerlines.geojson
    python scripts/build_rivers.py --input FILE --tolerance-m 200 --out geodata/rivers

The output (``rivers.geojson`` and ``metadata.json`` recording the input's name, size and
SHA-256, the licence, the settings and library versions) depends only on the input, the
options and the library versions: re-running with the same ones writes identical files.

At 1:50m the lines are a small-scale depiction: vertices lie several kilometres apart, so
a river drawn from them follows the valley, not every meander (in Baghdad it does not trace
the Karrada or Adhamiya bends).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shlex
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "geodata" / "rivers"
COUNTRY = REPO / "geodata" / "boundaries" / "adm0.geojson"
DEFAULT_TOLERANCE_M = 200.0
DEFAULT_MARGIN_M = 3000.0
DEFAULT_DECIMALS = 5
METRIC_CRS = "EPSG:32638"  # UTM zone 38N, as for the boundaries
VERTEX_MATCH_DEG = 1e-5

DATASET = {
    "name": "Natural Earth 1:50m Rivers + lake centerlines (ne_50m_rivers_lake_centerlines)",
    "url": "https://www.naturalearthdata.com/downloads/50m-physical-vectors/50m-rivers-lake-centerlines/",
    "repository_file": "https://github.com/nvkelso/natural-earth-vector/blob/"
                       "cd9ac7db4c66d803f3e9332ef63484c20d1f1fd6/geojson/ne_50m_rivers_lake_centerlines.geojson",
    "licence": "public domain",
    "licence_url": "https://www.naturalearthdata.com/about/terms-of-use/",
    "attribution": "Rivers: Natural Earth (public domain)",
}

#: The rivers kept: Natural Earth's name → (English name shown, Arabic name, first vertex in
#: Natural Earth's file at the commit in DATASET["repository_file"], source of the names).
RIVERS = {
    "Tigris": ("Tigris", "دجلة", (42.376566196550016, 37.062492580846367),
               "https://en.wikipedia.org/wiki/Tigris"),
    "Euphrates": ("Euphrates", "الفرات", (45.463096144730343, 31.305195420785594),
                  "https://en.wikipedia.org/wiki/Euphrates"),
    "Shatt al Arab": ("Shatt al-Arab", "شط العرب", (47.468451775652738, 30.96847178818183),
                      "https://en.wikipedia.org/wiki/Shatt_al-Arab"),
}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def first_vertex(geom) -> tuple[float, float]:
    line = geom.geoms[0] if geom.geom_type == "MultiLineString" else geom
    x, y = line.coords[0][:2]
    return float(x), float(y)


def pick(src: gpd.GeoDataFrame) -> dict[str, object]:
    """Natural Earth name → geometry for each river of :data:`RIVERS` (an error names any missing)."""
    found: dict[str, object] = {}
    names = src["name"] if "name" in src.columns else [None] * len(src)
    for name, geom in zip(names, src.geometry):
        if geom is None or geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString"):
            continue
        named = isinstance(name, str) and name != ""
        for key, (_, _, vertex, _) in RIVERS.items():
            by_vertex = np.allclose(first_vertex(geom), vertex, rtol=0, atol=VERTEX_MATCH_DEG)
            if name == key or (not named and by_vertex):
                if key in found:
                    raise SystemExit(f"two features match {key!r}: the input is not the expected layer")
                found[key] = geom
    missing = sorted(set(RIVERS) - set(found))
    if missing:
        raise SystemExit(f"input has no feature for {missing}: is it ne_50m_rivers_lake_centerlines?")
    return found


def build(src: gpd.GeoDataFrame, country: gpd.GeoDataFrame, tolerance_m: float, margin_m: float,
          decimals: int) -> gpd.GeoDataFrame:
    found = pick(src.to_crs("EPSG:4326"))
    metric = country.to_crs(METRIC_CRS)
    area = shapely.buffer(shapely.union_all(metric.geometry.values), margin_m)
    rows = []
    for key, geom in found.items():
        name, name_ar, _, names_source = RIVERS[key]
        line = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
        clipped = shapely.line_merge(shapely.intersection(line, area))
        simple = shapely.simplify(clipped, tolerance_m, preserve_topology=True)
        back = gpd.GeoSeries([simple], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]
        back = shapely.set_precision(back, 10.0 ** -decimals)
        if back.is_empty:
            raise SystemExit(f"{key}: nothing left inside Iraq")
        rows.append({"name": name, "name_ar": name_ar, "ne_name": key, "names_source": names_source,
                     "source_url": DATASET["url"], "geometry": back})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, decimals: int) -> None:
    def rnd(obj):
        if isinstance(obj, float):
            return round(obj, decimals)
        if isinstance(obj, (list, tuple)):
            return [rnd(x) for x in obj]
        return obj

    feats = []
    for rec, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
        g = shapely.geometry.mapping(geom)
        feats.append({"type": "Feature", "properties": rec,
                      "geometry": {"type": g["type"], "coordinates": rnd(g["coordinates"])}})
    text = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "geopandas": gpd.__version__, "shapely": shapely.__version__,
            "pyproj": pyproj.__version__, "numpy": np.__version__}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, type=Path, help="ne_50m_rivers_lake_centerlines (GeoJSON, shapefile …)")
    p.add_argument("--input-origin", default="",
                   help="where the input file was obtained (recorded in metadata.json)")
    p.add_argument("--tolerance-m", type=float, default=DEFAULT_TOLERANCE_M, help="simplification tolerance (m)")
    p.add_argument("--margin-m", type=float, default=DEFAULT_MARGIN_M,
                   help="the country outline is widened by this much before clipping (m)")
    p.add_argument("--decimals", type=int, default=DEFAULT_DECIMALS, help="decimals of the output coordinates")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = p.parse_args(argv)
    if not args.input.is_file():
        p.error(f"--input {args.input}: no such file")
    src = gpd.read_file(args.input)
    country = gpd.read_file(COUNTRY)
    out = build(src, country, args.tolerance_m, args.margin_m, args.decimals)
    args.out.mkdir(parents=True, exist_ok=True)
    write_geojson(out, args.out / "rivers.geojson", args.decimals)
    meta = {
        "title": "Rivers of Iraq (Tigris, Euphrates, Shatt al-Arab), clipped and simplified",
        "source": DATASET,
        "input": {"file": args.input.name, "bytes": args.input.stat().st_size, "sha256": sha256(args.input),
                  "features": int(len(src)), "origin": args.input_origin or None},
        "rivers": [{"name": v[0], "name_ar": v[1], "natural_earth_name": k, "first_vertex_in_source": list(v[2]),
                    "names_source": v[3]} for k, v in RIVERS.items()],
        "clip": {"to": "geodata/boundaries/adm0.geojson (OCHA COD-AB Iraq, simplified)",
                 "country_sha256": sha256(COUNTRY), "margin_m": args.margin_m},
        "simplification": {"method": "shapely.simplify (Douglas-Peucker, topology preserved)",
                           "tolerance_m": args.tolerance_m, "crs": METRIC_CRS},
        "decimals": args.decimals,
        "output": {"file": "rivers.geojson", "bytes": (args.out / "rivers.geojson").stat().st_size,
                   "features": int(len(out)),
                   "vertices": int(sum(shapely.get_num_coordinates(g) for g in out.geometry))},
        "scale_note": "1:50m lines: vertices several km apart; they follow each river's valley, not every meander.",
        "built_with": versions(),
        "command": "python scripts/build_rivers.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
    }
    (args.out / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'rivers.geojson'} ({len(out)} rivers, {meta['output']['vertices']} vertices, "
          f"{meta['output']['bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
