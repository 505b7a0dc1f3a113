"""The payload of large point layers (viz.bigpoints), read back in Python: every row, every field, no template run."""

from __future__ import annotations

import base64
import zlib

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from test_map_templates import _check, _hostile_points, _templates, canary  # noqa: F401

from iraq_atlas.viz import bigpoints, maps


def _column(c: dict) -> np.ndarray:
    raw = base64.b64decode(c["b64"])
    return np.frombuffer(zlib.decompress(raw) if c["z"] else raw, dtype=np.dtype(c["dtype"]).newbyteorder("<"))


def _text(p: dict, payload: dict) -> list:
    """A property column decoded the way the page decodes it."""
    n = payload["n"]
    if p["kind"] == "const":
        return [p["value"]] * n
    if p["kind"] == "dict":
        return [p["values"][k] for k in _column(p["codes"])]
    if p["kind"] == "cat":
        return [payload["cats"][k] for k in _column(payload["cols"]["cat"])]
    if p["kind"] == "day":
        day0 = pd.Timestamp(payload["day0"])
        return [(day0 + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") for d in _column(payload["cols"]["day"])]
    data, lengths = _column(p["bytes"]).tobytes(), _column(p["lengths"])
    ends = np.cumsum(lengths)
    return [data[e - n_:e].decode("utf-8") for e, n_ in zip(ends, lengths)]


def test_columns_give_back_every_row_and_field():
    rng = np.random.default_rng(3)
    n = 7000
    kinds = np.array(["Battles", "Protests", "Riots"], dtype=object)[rng.integers(3, size=n)]
    g = gpd.GeoDataFrame({
        "kind": kinds,
        "day": (pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(3653, size=n), unit="D")).strftime("%Y-%m-%d"),
        "note": [f"note {i} «ملاحظة» \"q\" <b>" for i in range(n)],
        "source": np.array(["A", "B", None], dtype=object)[rng.integers(3, size=n)],
    }, geometry=gpd.points_from_xy(rng.uniform(39, 48, n), rng.uniform(29, 37.4, n)), crs="EPSG:4326")
    p = bigpoints.event_columns(g, ["kind", "day", "note", "source"], category="kind",
                                categories=["Riots", "Battles", "Protests"],
                                color=g["kind"].map({"Battles": "#f00", "Protests": "#0f0", "Riots": "#00f"}),
                                time_field="day")
    assert p["n"] == n and p["cats"] == ["Riots", "Battles", "Protests"]
    assert p["colorByCat"] and p["palette"] == ["#00f", "#f00", "#0f0"]
    lon, lat = _column(p["cols"]["lon"]) / p["scale"], _column(p["cols"]["lat"]) / p["scale"]
    assert np.abs(lon - g.geometry.x.to_numpy()).max() < 1e-6 and np.abs(lat - g.geometry.y.to_numpy()).max() < 1e-6
    assert {k: v["kind"] for k, v in p["props"].items()} == {"kind": "cat", "day": "day", "note": "text",
                                                           "source": "dict"}
    for field in ("kind", "day", "note", "source"):
        assert _text(p["props"][field], p) == g[field].astype(object).where(g[field].notna(), None).tolist(), field


def test_add_points_above_the_threshold_uses_the_canvas_layer(canary):  # noqa: F811
    hostile = _templates(canary)
    texts = (hostile * (bigpoints.BIG_POINTS // len(hostile) + 2))[: bigpoints.BIG_POINTS + 5]
    m = maps.base_map((33.3, 44.4), 12)
    layer = maps.add_points(m, _hostile_points(texts), name="big " + hostile[0], popup=[("notes", "Notes", False)],
                            title="name", time_field="day")
    assert isinstance(layer, bigpoints.BigPointLayer) and len(layer.toggles) == 1
    page, _ = maps.to_html(maps.finish(m))
    _check(page, hostile, canary)
    assert not maps._uses_cluster(m)   # MarkerCluster is not inlined for the canvas layer
    small = maps.base_map((33.3, 44.4), 12)
    assert isinstance(maps.add_points(small, _hostile_points(texts[:100]), name="small", popup=[]), maps.SafeGeoJson)


def test_one_point_and_missing_dates():
    g = gpd.GeoDataFrame({"d": ["2021-11-07", None]}, geometry=[Point(44.4, 33.3), None], crs=4326)
    p = bigpoints.event_columns(g, ["d"], time_field="d")
    assert p["n"] == 1 and p["day0"] == "2021-11-07" and p["ndays"] == 1


def test_compact_point_layer_keeps_every_property():
    """Large point layers travel as columns; decoding them gives back the rows exactly."""
    import geopandas as gpd

    from iraq_atlas.viz.maps import point_columns

    gdf = gpd.GeoDataFrame({"kind": ["a", "b", "a", "a"], "n": [1, 2, None, 4], "id": ["x1", "x2", "x3", "x4"],
                            "same": ["s"] * 4},
                           geometry=gpd.points_from_xy([44.1234567, 44.2, 44.3, 44.4], [33.1, 33.2, 33.3, 33.4]),
                           crs="EPSG:4326")
    cols = point_columns(gdf, ["kind", "n", "id", "same", "absent"])
    assert cols["x"] == [44.123457, 44.2, 44.3, 44.4] and cols["y"] == [33.1, 33.2, 33.3, 33.4]
    kind = cols["props"]["kind"]
    assert kind["values"] == ["a", "b"] and kind["codes"] == [0, 1, 0, 0]
    assert cols["props"]["id"] == {"list": ["x1", "x2", "x3", "x4"]}
    assert cols["props"]["same"] == {"values": ["s"], "codes": None}
    n = cols["props"]["n"]
    decoded = [n["values"][c] for c in n["codes"]] if "codes" in n else n["list"]
    assert decoded == [1.0, 2.0, None, 4.0]
    assert "absent" not in cols["props"]
    np.testing.assert_equal(len(cols["x"]), 4)
