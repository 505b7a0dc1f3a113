"""Point layers for large event sets: binary columns on one canvas, clustered per zoom.

Above :data:`BIG_POINTS` rows a point layer no longer becomes one Leaflet
circle per row. The rows travel as typed-array columns (quantised Int32
longitude/latitude, a Uint16 day index, Uint8 category and colour codes,
dictionary-coded or UTF-8 text columns), zlib-compressed where that is smaller,
in base64 inside the page's JSON payload. The page (``assets/bigpoints.js``,
inlined like Leaflet) inflates them with ``DecompressionStream``, draws them on
one canvas and aggregates them per zoom with a grid clustering computed in a
web worker; popups are built on click from the columns with DOM ``textContent``
(``IA.card``), so hostile strings stay text. The per-type layer toggles and the
date slider filter the same columns. Nothing is fetched: the worker is made
from a Blob, the columns are in the page.
"""

from __future__ import annotations

import base64
import zlib
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from jinja2 import Template

from iraq_atlas.viz import maps
from iraq_atlas.vocab import CRS, DEFAULT_COLOR

# Point layers with more rows than this are drawn by the canvas layer of this module.
BIG_POINTS = 5000
# Coordinates are stored as integers of this many units per degree (1e-6°, ~0.1 m, as in point_columns).
COORD_SCALE = 1_000_000
NO_DAY = 65535
_ASSET = "bigpoints.js"


@lru_cache(maxsize=1)
def asset_js() -> str:
    """The page-side code of the layer (inlined once per page).

    Examples
    --------
    >>> "IA.BigPoints" in asset_js()
    True
    """
    text = resources.files("iraq_atlas.viz").joinpath("assets", _ASSET).read_text(encoding="utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"{_ASSET} cannot be inlined in a <script> element")
    return text


def pack(values: np.ndarray, dtype: str) -> dict:
    """One column as little-endian bytes in base64, zlib-compressed when that is at least 10 % smaller.

    Parameters
    ----------
    values : numpy.ndarray
        The column.
    dtype : str
        ``u1``, ``u2``, ``u4``, ``i4`` or ``f4`` (Uint8, Uint16, Uint32, Int32, Float32 in the page).

    Returns
    -------
    dict
        ``{"dtype", "z", "b64"}``; ``z`` says whether the bytes are deflated (zlib format).

    Examples
    --------
    >>> pack(np.zeros(1000), "u1")["z"]
    True
    """
    raw = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    packed = zlib.compress(raw, 6)
    z = len(packed) < 0.9 * len(raw)
    return {"dtype": dtype, "z": z, "b64": base64.b64encode(packed if z else raw).decode("ascii")}


def _code_dtype(n: int) -> str:
    return "u1" if n <= 0xFF else "u2" if n <= 0xFFFF else "u4"


def _text_column(values: pd.Series) -> dict:
    """A text column: a property per row, as codes into distinct values or as UTF-8 bytes with lengths."""
    obj = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    uniq = [maps._json_default(u) if not isinstance(u, (str, int, float, bool)) else u for u in uniques]
    if (codes < 0).any():
        uniq.append(None)
        codes = np.where(codes < 0, len(uniq) - 1, codes)
    if len(uniq) <= 1:
        return {"kind": "const", "value": uniq[0] if uniq else None}
    if len(uniq) <= len(obj) // 2:
        return {"kind": "dict", "values": uniq, "codes": pack(codes, _code_dtype(len(uniq) - 1))}
    encoded = [b"" if v is None else str(v).encode("utf-8") for v in obj]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    return {"kind": "text", "bytes": pack(np.frombuffer(b"".join(encoded), dtype=np.uint8), "u1"),
            "lengths": pack(lengths, _code_dtype(int(lengths.max(initial=0))))}


def event_columns(gdf: gpd.GeoDataFrame, props: Sequence[str], *, category: str | None = None,
                  categories: Sequence[object] | None = None, color: str | pd.Series = DEFAULT_COLOR,
                  radius: float | pd.Series = 6, time_field: str | None = None) -> dict:
    """The payload of a large point layer: every row and property as compact binary columns.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Point rows (rows without a geometry are dropped; any other geometry is an error).
    props : sequence of str
        Property columns to keep, each decoded in the page for popups and tooltips.
    category : str, optional
        Column whose values the layer toggles act on (one toggle per value); none: one category.
    categories : sequence, optional
        Order of the category values (default: order of first appearance).
    color, radius : scalar or Series
        Circle colour and radius in pixels, per row or for all.
    time_field : str, optional
        Column of dates (``YYYY-MM-DD`` or anything pandas parses) the date slider filters on.

    Returns
    -------
    dict
        JSON-ready payload: ``n``, ``scale``, ``day0``, ``ndays``, ``cats``, ``palette``, packed ``cols``
        and ``props``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"kind": ["a", "b", "a", "a"], "name": ["w", "x", "y", "z"]},
    ...                      geometry=[Point(44.4, 33.3 + i / 10) for i in range(4)], crs=4326)
    >>> p = event_columns(g, ["kind", "name"])
    >>> p["n"], p["props"]["kind"]["kind"], p["props"]["name"]["kind"]
    (4, 'dict', 'text')
    """
    gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf
    keep = (gdf.geometry.notna() & ~gdf.geometry.is_empty).to_numpy()
    gdf = gdf[keep]
    if not (gdf.geom_type == "Point").all():
        raise ValueError("event_columns: every geometry must be a point")
    n = len(gdf)
    cols: dict[str, dict | None] = {
        "lon": pack(np.round(gdf.geometry.x.to_numpy() * COORD_SCALE), "i4"),
        "lat": pack(np.round(gdf.geometry.y.to_numpy() * COORD_SCALE), "i4"),
        "day": None, "cat": None, "color": None, "radius": None}
    payload: dict = {"n": n, "scale": COORD_SCALE, "day0": None, "ndays": 0, "cats": [None], "props": {}}

    day_index = None
    if time_field is not None:
        days = pd.to_datetime(gdf[time_field], errors="coerce").dt.normalize()
        if days.notna().any():
            day0 = days.min()
            day_index = (days - day0).dt.days.fillna(NO_DAY).to_numpy(np.int64)
            if day_index.max() >= NO_DAY and days.notna().all():
                raise ValueError("event_columns: dates span more than 65,534 days")
            payload["day0"], payload["ndays"] = day0.strftime("%Y-%m-%d"), int((days.max() - day0).days) + 1
            cols["day"] = pack(day_index, "u2")

    if category is not None:
        values = gdf[category].astype(object).where(gdf[category].notna(), None).to_numpy(dtype=object)
        order = list(categories) if categories is not None else list(pd.unique(values))
        order += [v for v in pd.unique(values) if v not in order]
        if len(order) > 255:
            raise ValueError("event_columns: at most 255 categories")
        lookup = {v: i for i, v in enumerate(order)}
        codes = np.fromiter((lookup[v] for v in values), dtype=np.uint8, count=n)
        payload["cats"] = [maps._json_default(c) if c is not None and not isinstance(c, str) else c for c in order]
        cols["cat"] = pack(codes, "u1")

    colour = pd.Series(color, index=gdf.index) if isinstance(color, pd.Series) else None
    if colour is not None:
        ccodes, palette = pd.factorize(colour.reindex(gdf.index).fillna(DEFAULT_COLOR).astype(str))
        payload["palette"], payload["color"] = [str(c) for c in palette], 0
        cols["color"] = pack(ccodes, _code_dtype(len(palette) - 1))
    else:
        payload["palette"], payload["color"] = [str(color)], 0
    if isinstance(radius, pd.Series):
        cols["radius"] = pack(np.clip(np.round(radius.reindex(gdf.index).fillna(6).to_numpy(float)), 1, 255), "u1")
        payload["radius"] = 6
    else:
        payload["radius"] = float(radius)

    if cols["color"] is not None and cols["cat"] is not None:
        # one colour per category (incident maps colour by type): the category codes serve as colour codes
        pairs = pd.DataFrame({"cat": codes, "color": ccodes}).drop_duplicates()
        if pairs["cat"].is_unique:
            by_cat = dict(zip(pairs["cat"], pairs["color"]))
            payload["palette"] = [payload["palette"][by_cat[k]] if k in by_cat else DEFAULT_COLOR
                                  for k in range(len(payload["cats"]))]
            payload["colorByCat"], cols["color"] = True, None

    for p in dict.fromkeys(props):
        if p not in gdf.columns:
            continue
        if p == category:
            payload["props"][p] = {"kind": "cat"}
        elif p == time_field and day_index is not None and _is_iso_day(gdf[p], payload["day0"], day_index):
            payload["props"][p] = {"kind": "day"}
        else:
            payload["props"][p] = _text_column(gdf[p])
    payload["cols"] = cols
    return payload


def _is_iso_day(values: pd.Series, day0: str, day_index: np.ndarray) -> bool:
    """Whether a column is exactly the ISO day its day index names (then the page derives it from the index)."""
    text = values.astype(object).where(values.notna(), None)
    ok_index = day_index != NO_DAY
    if (text.isna().to_numpy() != ~ok_index).any():
        return False
    rebuilt = (pd.Timestamp(day0) + pd.to_timedelta(day_index[ok_index], unit="D")).strftime("%Y-%m-%d")
    return bool((text[ok_index].astype(str).to_numpy() == np.asarray(rebuilt)).all())


class BigPointLayer(maps._CodeElement):
    """The canvas layer holding every row of one large point set (not itself in the layer switcher)."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = IA.bigPoints(IA.data('{{ this.get_name() }}_data'), {{ this._parent.get_name() }});
{% endmacro %}
""")

    cluster = False  # maps.to_html inlines MarkerCluster only for layers that cluster with it

    def __init__(self, payload: dict, *, popup: Sequence[tuple[str, str, bool]] = (), title: str | None = None,
                 tooltip: str | None = None):
        super().__init__()
        self._name = "BigPointLayer"
        self.payload = {**payload, "popup": [list(p) for p in popup], "title": title, "tooltip": tooltip}
        self.toggles: list[CategoryToggle] = []

    def render(self, **kwargs):
        self.get_root().header.add_child(maps._Verbatim(f"<script>{asset_js()}</script>"), name="ia_bigpoints_js")
        super().render(**kwargs)


class CategoryToggle(maps._Layer):
    """One entry of the layer switcher: shows or hides one category of a :class:`BigPointLayer`."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = {{ this.source.get_name() }}.toggle({{ this.code|int }});
    {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    cluster = False

    def __init__(self, source: BigPointLayer, code: int, *, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "CategoryToggle"
        self.source, self.code = source, int(code)


def add_big_points(m: folium.Map, gdf: gpd.GeoDataFrame, *, popup: Sequence[tuple[str, str, bool]],
                   name: str = "Points", category: str | None = None,
                   layer_names: Mapping[object, str] | None = None, title: str | None = None,
                   tooltip: str | None = None, color: str | pd.Series = DEFAULT_COLOR,
                   radius: float | pd.Series = 6, time_field: str | None = None, show: bool = True) -> BigPointLayer:
    """Add a large point set as one clustered canvas layer with a toggle per category.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`iraq_atlas.viz.maps.base_map`.
    gdf : geopandas.GeoDataFrame
        Point rows.
    popup : sequence of (column, label, is_link)
        Popup fields, as for :func:`iraq_atlas.viz.maps.add_points`.
    name : str
        Layer name when there is no ``category``.
    category : str, optional
        Column with one layer toggle per value (e.g. ``event_type``).
    layer_names : mapping, optional
        Display name of each category value (default: the value); its order is the switcher's order.
    title, tooltip : str, optional
        Columns shown as the popup title and on hover.
    color, radius : scalar or Series
        Circle colour and radius in pixels.
    time_field : str, optional
        Date column the date slider (:func:`iraq_atlas.viz.maps.add_time_slider`) filters on.
    show : bool
        Whether the categories are shown at first.

    Returns
    -------
    BigPointLayer
        The layer; its ``toggles`` are the switcher entries.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"kind": ["a", "b"] * 3000},
    ...                      geometry=[Point(44 + i / 1e4, 33) for i in range(6000)], crs=4326)
    >>> m = maps.base_map(green_zone=False, tiles=False)
    >>> layer = add_big_points(m, g, popup=[("kind", "Kind", False)], category="kind")
    >>> [t.layer_name for t in layer.toggles]
    ['a', 'b']
    """
    props = [p[0] for p in popup] + [c for c in (title, tooltip, time_field) if c]
    order = list(layer_names) if layer_names is not None else None
    payload = event_columns(gdf, props, category=category, categories=order, color=color, radius=radius,
                            time_field=time_field)
    layer = BigPointLayer(payload, popup=popup, title=title, tooltip=tooltip)
    m.add_child(layer)
    for code, value in enumerate(payload["cats"]):
        label = name if category is None else (layer_names or {}).get(value, str(value))
        toggle = CategoryToggle(layer, code, name=label, show=show)
        m.add_child(toggle)
        layer.toggles.append(toggle)
    return layer
