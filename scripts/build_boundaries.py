#!/usr/bin/env python3
"""Build the embedded, simplified Iraq boundaries (ADM0-ADM3) from OCHA COD-AB Iraq.

The sub-districts (ADM3) are simplified once, as a polygon coverage (shared edges are
simplified once, so neighbours keep sharing them and no gaps or overlaps appear), in a
metric CRS.  The result is brought back to EPSG:4326 and rounded; districts (ADM2),
governorates (ADM1) and the country (ADM0) are then dissolved from those same rounded
sub-districts by p-code.  Every level is therefore a coverage on its own, and every
ADM1 and ADM2 edge coincides exactly with ADM3 edges.

Usage (from the repository root):

    python scripts/build_boundaries.py                       # ../shared/geodata -> geodata/boundaries
    python scripts/build_boundaries.py --source DIR --tolerance 250 --out geodata/boundaries

Needs geopandas>=1.0, pyogrio, pyproj and shapely>=2.1 (coverage_simplify, orient_polygons).
The output depends only on the inputs, the options and the library versions (recorded in
metadata.json): re-running with the same ones writes byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "geodata"
ENV_SOURCE = "IRAQ_ATLAS_TEST_GEODATA"  # the same folder the tests read, when set
DEFAULT_OUT = REPO / "geodata" / "boundaries"
DEFAULT_TOLERANCE_M = 250.0
DEFAULT_DECIMALS = 5  # 1e-5 degree is about 1.1 m
METRIC_CRS = "EPSG:32638"  # UTM zone 38N, covers Iraq (39-49 E, with some stretch in the west)
OUTPUT_CRS = "EPSG:4326"

SOURCE_FILES = {
    "ADM0": "irq_admbnda_adm0_cso_itos_20190603.geojson",
    "ADM1": "irq_admbnda_adm1_cso_20190603.geojson",
    "ADM2": "irq_admbnda_adm2_cso_20190603.geojson",
    "ADM3": "irq_admbnda_adm3_cso_20190603.geojson",
}
OUTPUT_FILES = {level: f"{level.lower()}.geojson" for level in SOURCE_FILES}
LEVELS = ["ADM0", "ADM1", "ADM2", "ADM3"]

DATASET = {
    "name": "Iraq - Subnational Administrative Boundaries (COD-AB)",
    "url": "https://data.humdata.org/dataset/cod-ab-irq",
    "producer": "Central Statistical Organization (CSO) and ITOS, via OCHA",
    "valid_on": "2019-06-03",
    "licence": "CC BY-IGO",
    "licence_url": "https://creativecommons.org/licenses/by/3.0/igo/",
    "attribution": "OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO",
}


def columns(level: str) -> list[str]:
    """Properties kept on a level: its own and its parents' p-codes and English/Arabic names."""
    n = int(level[-1])
    cols = ["ADM0_PCODE"] if n > 0 else ["ADM0_PCODE", "ADM0_EN", "ADM0_AR"]
    for k in range(1, n + 1):
        cols += [f"ADM{k}_PCODE", f"ADM{k}_EN", f"ADM{k}_AR"]
    return cols


def pcode(level: str) -> str:
    return f"{level}_PCODE"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_sources(source: Path) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    for level, name in SOURCE_FILES.items():
        path = source / name
        if not path.exists():
            sys.exit(f"missing input {name} in {source} (pass --source DIR)")
        gdf = gpd.read_file(path, engine="pyogrio")
        if gdf.crs is None:
            gdf = gdf.set_crs(OUTPUT_CRS)
        missing = [c for c in columns(level) if c not in gdf.columns]
        if missing:
            sys.exit(f"{name}: columns {missing} not found")
        if not gdf[pcode(level)].is_unique:
            sys.exit(f"{name}: {pcode(level)} is not unique")
        out[level] = gdf.to_crs(OUTPUT_CRS)
    return out


def check_hierarchy(src: dict[str, gpd.GeoDataFrame]) -> None:
    """Every unit's parent codes name a unit of the parent level, with the same names."""
    for child, parent in [("ADM3", "ADM2"), ("ADM2", "ADM1"), ("ADM1", "ADM0")]:
        pc = pcode(parent)
        known = set(src[parent][pc])
        orphans = sorted(set(src[child][pc]) - known)
        if orphans:
            sys.exit(f"{child} units name unknown {pc}: {orphans[:5]}")
        if set(src[child][pc]) != known:
            sys.exit(f"some {parent} units have no {child} unit")


def rounder(decimals: int):
    def f(coords: np.ndarray) -> np.ndarray:
        return np.round(coords, decimals)
    return f


def simplify_coverage(geoms: np.ndarray, crs, tolerance: float, decimals: int) -> np.ndarray:
    """Coverage-simplify in the metric CRS, back to EPSG:4326, round, clean; geometry array."""
    metric = gpd.GeoSeries(geoms, crs=crs).to_crs(METRIC_CRS).values
    simple = shapely.coverage_simplify(np.asarray(metric), tolerance)
    back = gpd.GeoSeries(simple, crs=METRIC_CRS).to_crs(OUTPUT_CRS).values
    out = shapely.transform(np.asarray(back), rounder(decimals))
    out = shapely.remove_repeated_points(out)
    bad = ~shapely.is_valid(out)
    if bad.any():  # only when rounding made a ring touch itself
        fixed = shapely.make_valid(out[bad])
        out[bad] = [shapely.union_all(shapely.get_parts(g)[
            np.isin(shapely.get_type_id(shapely.get_parts(g)), [3, 6])]) for g in fixed]
    return shapely.orient_polygons(out, exterior_cw=False)


def dissolve(child: gpd.GeoDataFrame, by: str) -> pd.Series:
    """Exact union of coverage pieces per code (coverage_union keeps vertices untouched)."""
    parts = {code: shapely.coverage_union_all(grp.geometry.values)
             for code, grp in child.groupby(by, sort=True)}
    return pd.Series(parts)


def build(src: dict[str, gpd.GeoDataFrame], tolerance: float, decimals: int,
          method: str) -> dict[str, gpd.GeoDataFrame]:
    out: dict[str, gpd.GeoDataFrame] = {}
    if method == "adm3-dissolve":
        adm3 = src["ADM3"].sort_values(pcode("ADM3")).reset_index(drop=True)
        geoms = simplify_coverage(adm3.geometry.values, adm3.crs, tolerance, decimals)
        base = gpd.GeoDataFrame(adm3[columns("ADM3")], geometry=geoms, crs=OUTPUT_CRS)
        for level in LEVELS:
            attrs = src[level][columns(level)].sort_values(pcode(level)).reset_index(drop=True)
            if level == "ADM3":
                geom = base.set_index(pcode(level)).geometry
            else:
                geom = dissolve(base, pcode(level))
            if set(geom.index) != set(attrs[pcode(level)]):
                sys.exit(f"{level}: dissolved p-codes differ from the {level} file")
            out[level] = gpd.GeoDataFrame(attrs, geometry=geom.loc[attrs[pcode(level)]].values,
                                          crs=OUTPUT_CRS)
    elif method == "per-level":  # each level simplified as its own coverage (for comparison)
        for level in LEVELS:
            g = src[level].sort_values(pcode(level)).reset_index(drop=True)
            geoms = simplify_coverage(g.geometry.values, g.crs, tolerance, decimals)
            out[level] = gpd.GeoDataFrame(g[columns(level)], geometry=geoms, crs=OUTPUT_CRS)
    else:
        sys.exit(f"unknown method {method}")
    return out


def validate(out: dict[str, gpd.GeoDataFrame], src: dict[str, gpd.GeoDataFrame]) -> dict:
    """Fail loudly on anything the loader should not have to cope with; return measurements."""
    quality = {}
    country = shapely.union_all(out["ADM0"].geometry.values)
    metric_country = gpd.GeoSeries([country], crs=OUTPUT_CRS).to_crs(METRIC_CRS).iloc[0]
    for level in LEVELS:
        g, s = out[level], src[level]
        assert len(g) == len(s), f"{level}: {len(g)} features, source has {len(s)}"
        assert shapely.is_valid(g.geometry.values).all(), f"{level}: invalid polygons"
        assert not g.geometry.is_empty.any(), f"{level}: empty polygons"
        assert set(g.geom_type) <= {"Polygon", "MultiPolygon"}, f"{level}: {set(g.geom_type)}"
        assert shapely.coverage_is_valid(g.geometry.values), f"{level}: gaps or overlaps"
        gm = g.to_crs(METRIC_CRS)
        sm = s.set_index(pcode(level)).loc[g[pcode(level)]].to_crs(METRIC_CRS)
        ratio = gm.area.values / sm.area.values - 1
        union = shapely.coverage_union_all(gm.geometry.values)
        quality[level] = {
            "max_area_change_pct": round(float(np.abs(ratio).max() * 100), 3),
            "mean_area_change_pct": round(float(np.abs(ratio).mean() * 100), 3),
            "max_hausdorff_m": round(float(max(shapely.hausdorff_distance(
                gm.geometry.values, sm.geometry.values))), 1),
            "symdiff_with_adm0_km2": round(float(
                shapely.symmetric_difference(union, metric_country).area / 1e6), 6),
        }
    return quality


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, decimals: int) -> None:
    """RFC 7946 GeoJSON (lon/lat, no crs member), one feature per line, UTF-8 names."""
    def rnd(obj):
        if isinstance(obj, (list, tuple)):
            if obj and isinstance(obj[0], float):
                return [round(v, decimals) for v in obj]
            return [rnd(o) for o in obj]
        return obj

    props = [c for c in gdf.columns if c != gdf.geometry.name]
    lines = []
    for rec, geom in zip(gdf[props].to_dict("records"), gdf.geometry.values):
        gj = shapely.geometry.mapping(geom)
        feature = {"type": "Feature", "properties": rec,
                   "geometry": {"type": gj["type"], "coordinates": rnd(gj["coordinates"])}}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "geopandas": gpd.__version__,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "pyogrio": pyogrio.__version__,
        "gdal": pyogrio.__gdal_version_string__,
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path,
                    default=Path(os.environ[ENV_SOURCE]) if os.environ.get(ENV_SOURCE) else DEFAULT_SOURCE,
                    help="folder with the COD-AB Iraq GeoJSON files (default: $IRAQ_ATLAS_TEST_GEODATA "
                         "if set, else ../shared/geodata beside the repository)")
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M,
                    help=f"simplification tolerance in metres (default {DEFAULT_TOLERANCE_M:g})")
    ap.add_argument("--decimals", type=int, default=DEFAULT_DECIMALS,
                    help=f"decimals kept in lon/lat coordinates (default {DEFAULT_DECIMALS})")
    ap.add_argument("--method", choices=["adm3-dissolve", "per-level"], default="adm3-dissolve",
                    help="adm3-dissolve (default): simplify ADM3 and dissolve upwards; "
                         "per-level: simplify each level as its own coverage")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = ap.parse_args(argv)
    if tuple(int(p) for p in shapely.__version__.split(".")[:2]) < (2, 1):
        sys.exit(f"shapely>=2.1 needed (coverage_simplify), found {shapely.__version__}")

    source = args.source.resolve()
    src = read_sources(source)
    check_hierarchy(src)
    out = build(src, args.tolerance, args.decimals, args.method)
    quality = validate(out, src)

    args.out.mkdir(parents=True, exist_ok=True)
    levels = {}
    for level in LEVELS:
        path = args.out / OUTPUT_FILES[level]
        write_geojson(out[level], path, args.decimals)
        back = gpd.read_file(path, engine="pyogrio")  # what a reader gets
        assert len(back) == len(out[level]) and back.is_valid.all(), f"{path.name}: bad read-back"
        assert shapely.coverage_is_valid(back.geometry.values), f"{path.name}: gaps or overlaps"
        levels[level] = {
            "file": path.name,
            "features": len(out[level]),
            "vertices": int(shapely.get_num_coordinates(out[level].geometry.values).sum()),
            "bytes": path.stat().st_size,
            "sha256": sha256(path),
            "properties": columns(level),
            "id_property": pcode(level),
            **quality[level],
        }

    if args.method == "adm3-dissolve":
        method = ("ADM3 simplified once as a polygon coverage with shapely.coverage_simplify "
                  f"(GEOS CoverageSimplifier) in {METRIC_CRS}; reprojected to {OUTPUT_CRS}, "
                  f"rounded to {args.decimals} decimals; ADM2, ADM1 and ADM0 dissolved from "
                  "those ADM3 polygons by p-code with shapely.coverage_union_all, so all levels "
                  "share the same edges")
    else:
        method = ("each level simplified as its own polygon coverage with shapely.coverage_simplify "
                  f"in {METRIC_CRS}; reprojected to {OUTPUT_CRS}, rounded to {args.decimals} decimals")
    meta = {
        "title": "Iraq administrative boundaries, simplified (ADM0-ADM3)",
        "source": {**DATASET,
                   "note": "input: the COD-AB Iraq GeoJSON files (CRS84) named below; "
                           "properties kept: p-codes and English/Arabic names"},
        "inputs": [{"level": level, "file": SOURCE_FILES[level],
                    "bytes": (source / SOURCE_FILES[level]).stat().st_size,
                    "sha256": sha256(source / SOURCE_FILES[level]),
                    "features": len(src[level])} for level in LEVELS],
        "method": method,
        "method_id": args.method,
        "tolerance_m": args.tolerance,
        "simplification_crs": METRIC_CRS,
        "crs": OUTPUT_CRS,
        "coordinate_decimals": args.decimals,
        "script": "scripts/build_boundaries.py",
        "versions": versions(),
        "levels": levels,
        "total_bytes": sum(v["bytes"] for v in levels.values()),
    }
    (args.out / "metadata.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    for level, v in levels.items():
        print(f"{level}: {v['features']:4d} features {v['vertices']:6d} vertices "
              f"{v['bytes'] / 1024:7.1f} KiB  max area change {v['max_area_change_pct']:.2f}%  "
              f"max Hausdorff {v['max_hausdorff_m']:.0f} m  -> {v['file']}")
    print(f"total {meta['total_bytes'] / 1024:.1f} KiB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
