"""The embedded, simplified boundaries in geodata/boundaries, read as plain files with geopandas.

Checks that hold on the committed files alone run everywhere; comparisons with the full
COD-AB files run when those are available ($IRAQ_ATLAS_TEST_GEODATA, else ../shared/geodata
beside the checkout) and are skipped otherwise.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[2]
BOUNDARIES = ROOT / "geodata" / "boundaries"
METRIC = "EPSG:32638"
LEVELS = ["ADM0", "ADM1", "ADM2", "ADM3"]
COUNTS = {"ADM0": 1, "ADM1": 18, "ADM2": 101, "ADM3": 294}
FILES = {level: f"{level.lower()}.geojson" for level in LEVELS}
SOURCE_FILES = {
    "ADM0": "irq_admbnda_adm0_cso_itos_20190603.geojson",
    "ADM1": "irq_admbnda_adm1_cso_20190603.geojson",
    "ADM2": "irq_admbnda_adm2_cso_20190603.geojson",
    "ADM3": "irq_admbnda_adm3_cso_20190603.geojson",
}
MAX_TOTAL_BYTES = 2 * 1024 * 1024
# largest relative area change allowed against the full polygons, per level
AREA_TOLERANCE = {"ADM0": 0.005, "ADM1": 0.01, "ADM2": 0.02, "ADM3": 0.05}

# (lat, lon) -> governorate p-code
KNOWN_POINTS = {
    "Baghdad": (33.3152, 44.3661, "IQG08"),
    "Mosul": (36.34, 43.13, "IQG15"),
    "Basra": (30.51, 47.78, "IQG02"),
    "Erbil": (36.19, 44.01, "IQG11"),
    "Najaf": (32.00, 44.33, "IQG04"),
    "Kirkuk": (35.47, 44.39, "IQG13"),
}
# governorates that share a land border
NEIGHBOURS = [("IQG08", "IQG01"), ("IQG15", "IQG09"), ("IQG11", "IQG06"), ("IQG02", "IQG17"),
              ("IQG14", "IQG18"), ("IQG12", "IQG04"), ("IQG13", "IQG16"), ("IQG10", "IQG08")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pcode(level: str) -> str:
    return f"{level}_PCODE"


@pytest.fixture(scope="module")
def embedded() -> dict[str, gpd.GeoDataFrame]:
    return {level: gpd.read_file(BOUNDARIES / FILES[level]) for level in LEVELS}


@pytest.fixture(scope="module")
def metric(embedded) -> dict[str, gpd.GeoDataFrame]:
    return {level: g.to_crs(METRIC) for level, g in embedded.items()}


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads((BOUNDARIES / "metadata.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def source_dir() -> Path:
    env = os.environ.get("IRAQ_ATLAS_TEST_GEODATA")
    folder = Path(env) if env else ROOT.parent / "shared" / "geodata"
    present = all((folder / name).exists() for name in SOURCE_FILES.values())
    if not present:
        if env:
            pytest.fail(f"IRAQ_ATLAS_TEST_GEODATA is set but the COD-AB files are not in {folder}")
        pytest.skip("full COD-AB boundaries not available (set IRAQ_ATLAS_TEST_GEODATA)")
    return folder


@pytest.fixture(scope="module")
def originals(source_dir) -> dict[str, gpd.GeoDataFrame]:
    return {level: gpd.read_file(source_dir / name).to_crs(METRIC)
            for level, name in SOURCE_FILES.items()}


# --- the committed files alone ---------------------------------------------------------------

@pytest.mark.parametrize("level", LEVELS)
def test_counts_codes_and_names(embedded, level):
    g = embedded[level]
    assert len(g) == COUNTS[level]
    assert g.crs.to_epsg() == 4326
    assert g[pcode(level)].is_unique
    n = int(level[-1])
    named = [0] if n == 0 else range(1, n + 1)  # own level and parents: code, English, Arabic
    for k in named:
        for suffix in ("PCODE", "EN", "AR"):
            col = f"ADM{k}_{suffix}"
            assert col in g.columns, col
            assert g[col].notna().all() and (g[col].str.len() > 0).all(), col
    assert (g["ADM0_PCODE"] == "IQ").all()
    extra = set(g.columns) - {"geometry"} - {f"ADM{k}_{s}" for k in range(4) for s in ("PCODE", "EN", "AR")}
    assert not extra


def test_parent_codes_exist(embedded):
    for child, parent in [("ADM3", "ADM2"), ("ADM2", "ADM1"), ("ADM1", "ADM0")]:
        assert set(embedded[child][pcode(parent)]) == set(embedded[parent][pcode(parent)])


@pytest.mark.parametrize("level", LEVELS)
def test_valid_polygons(embedded, level):
    g = embedded[level]
    assert set(g.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not g.geometry.is_empty.any()
    assert g.is_valid.all(), g.loc[~g.is_valid, pcode(level)].tolist()


def test_total_size(metadata):
    sizes = {level: (BOUNDARIES / FILES[level]).stat().st_size for level in LEVELS}
    assert sum(sizes.values()) <= MAX_TOTAL_BYTES, sizes


@pytest.mark.parametrize("level", LEVELS[1:])
def test_level_is_a_coverage(metric, level):
    """Neighbours share edges exactly: no gaps, no overlaps, same outline as the country."""
    geoms = metric[level].geometry.values
    assert shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    overlap = shapely.area(geoms).sum() - union.area
    assert overlap < 1e4  # m², i.e. less than 0.01 km² over the whole country
    country = metric["ADM0"].geometry.iloc[0]
    assert shapely.symmetric_difference(union, country).area < 1e4
    assert shapely.get_num_interior_rings(union) == shapely.get_num_interior_rings(country)


def test_governorate_neighbours_share_edges(metric):
    g = metric["ADM1"].set_index("ADM1_PCODE").geometry
    for a, b in NEIGHBOURS:
        shared = shapely.intersection(g[a], g[b])
        assert shared.area < 1.0, (a, b)  # touch, do not overlap
        length = shapely.intersection(g[a].boundary, g[b].boundary).length
        assert length > 10_000, (a, b, length)  # metres of common border


@pytest.mark.parametrize("child,parent", [("ADM3", "ADM2"), ("ADM2", "ADM1"), ("ADM1", "ADM0")])
def test_levels_nest(metric, child, parent):
    """Each unit is exactly the union of its children, so borders agree across levels."""
    kids = metric[child].dissolve(pcode(parent))
    own = metric[parent].set_index(pcode(parent)).geometry
    for code, geom in kids.geometry.items():
        diff = shapely.symmetric_difference(geom, own[code]).area
        assert diff < 1.0, (code, diff)


@pytest.mark.parametrize("place", sorted(KNOWN_POINTS))
def test_known_points(embedded, place):
    lat, lon, code = KNOWN_POINTS[place]
    pt = Point(lon, lat)
    for level in ("ADM1", "ADM2", "ADM3"):
        hit = embedded[level][embedded[level].contains(pt)]
        assert len(hit) == 1, (place, level, hit[pcode(level)].tolist())
        assert hit["ADM1_PCODE"].iloc[0] == code, (place, level)
    assert embedded["ADM0"].contains(pt).all()


def test_metadata_describes_outputs(metadata):
    assert metadata["source"]["url"] == "https://data.humdata.org/dataset/cod-ab-irq"
    assert metadata["source"]["licence"] == "CC BY-IGO"
    assert metadata["source"]["attribution"] == "OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO"
    assert metadata["tolerance_m"] > 0
    assert metadata["crs"] == "EPSG:4326"
    assert {i["file"] for i in metadata["inputs"]} == set(SOURCE_FILES.values())
    for level in LEVELS:
        entry = metadata["levels"][level]
        path = BOUNDARIES / entry["file"]
        assert entry["file"] == FILES[level]
        assert entry["features"] == COUNTS[level]
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == sha256(path)
    recorded_inputs = {i["sha256"] for i in metadata["inputs"]}
    assert not recorded_inputs & {sha256(BOUNDARIES / f) for f in FILES.values()}


def test_no_machine_paths(metadata):
    text = json.dumps(metadata)
    assert '"/' not in text and ":\\\\" not in text


# --- against the full COD-AB files ------------------------------------------------------------

def test_not_an_unchanged_copy(source_dir):
    inputs = {sha256(source_dir / name) for name in SOURCE_FILES.values()}
    outputs = {sha256(BOUNDARIES / name) for name in FILES.values()}
    assert not inputs & outputs
    for level in LEVELS:
        assert (BOUNDARIES / FILES[level]).stat().st_size < (source_dir / SOURCE_FILES[level]).stat().st_size


def test_metadata_checksums_match_inputs(source_dir, metadata):
    for entry in metadata["inputs"]:
        path = source_dir / entry["file"]
        assert entry["sha256"] == sha256(path), entry["file"]
        assert entry["bytes"] == path.stat().st_size, entry["file"]


@pytest.mark.parametrize("level", LEVELS)
def test_areas_close_to_originals(metric, originals, level):
    simple = metric[level].set_index(pcode(level)).geometry.area
    full = originals[level].set_index(pcode(level)).geometry.area
    assert set(simple.index) == set(full.index)
    change = (simple / full.loc[simple.index] - 1).abs()
    assert change.max() < AREA_TOLERANCE[level], change.sort_values().tail(3).to_dict()


def test_same_governorate_neighbours_as_originals(metric, originals):
    """Pairs with more than 1 km of common border in the full data still share a border."""
    def borders(gdf):
        g = gdf.set_index("ADM1_PCODE").geometry
        out = {}
        for a, b in itertools.combinations(sorted(g.index), 2):
            out[(a, b)] = shapely.intersection(g[a].boundary, g[b].boundary).length
        return out

    full, simple = borders(originals["ADM1"]), borders(metric["ADM1"])
    for pair, length in full.items():
        if length > 1_000:
            assert simple[pair] > 0.9 * length - 1_000, (pair, length, simple[pair])
        if length == 0:
            assert simple[pair] == 0, pair


def test_points_fall_as_in_originals(embedded, originals):
    """Sub-district centres (inside points of the full polygons) keep their sub-district."""
    full = originals["ADM3"]
    pts = gpd.GeoSeries(full.geometry.representative_point(), crs=METRIC).to_crs(4326)
    joined = gpd.sjoin(gpd.GeoDataFrame({"want": full["ADM3_PCODE"].values}, geometry=pts.values,
                                        crs=4326), embedded["ADM3"], predicate="within")
    agree = np.mean(joined["want"].values == joined["ADM3_PCODE"].values) if len(joined) else 0.0
    assert len(joined) == len(full) and agree > 0.98, (len(joined), agree)
