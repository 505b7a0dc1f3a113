"""A static picture of an interactive map, for print: the same shown layers, colours and legends.

:func:`static_map` draws what a map made with :mod:`iraq_atlas.viz.maps` shows when it opens
(its visible GeoJSON layers with their own colours, its legends and attribution, the fitted
view) with matplotlib. Notebook map displays carry it as an image shown only in print, so a
printed page or a PDF of the report keeps its maps.
"""

from __future__ import annotations

import base64
import html
import io
import math

import geopandas as gpd
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import shape

from iraq_atlas.vocab import CRS, DEFAULT_COLOR

#: shown only when printing: the live map on screen, the picture on paper
PRINT_STYLE = ("<style>.ia-map-print{display:none;max-width:100%;height:auto;border:1px solid #ccc}"
               "@media print{iframe.ia-map{display:none !important}.ia-map-print{display:block}}</style>")


def _walk(element):
    for child in getattr(element, "_children", {}).values():
        yield child
        yield from _walk(child)


def _colour(value, default: str = DEFAULT_COLOR) -> str:
    text = str(value) if value is not None else ""
    try:
        to_rgba(text)
        return text
    except ValueError:
        return default


def _column(props: dict, name: str, n: int) -> list:
    col = props.get(name)
    if col is None:
        return [None] * n
    if "list" in col:
        return list(col["list"])
    if col.get("codes") is None:
        return [col["values"][0]] * n
    return [col["values"][c] for c in col["codes"]]


def _layer_frame(data: dict) -> gpd.GeoDataFrame:
    """A shown layer's payload (GeoJSON or the compact point columns) as a frame with its styles."""
    if data.get("type") == "IAColumns":
        n = len(data["x"])
        frame = gpd.GeoDataFrame({k: _column(data.get("props", {}), k, n) for k in ("_color", "_radius")},
                                 geometry=gpd.points_from_xy(data["x"], data["y"]), crs=CRS)
        return frame
    rows, geoms = [], []
    for f in data.get("features", []):
        geoms.append(shape(f["geometry"]))
        p = f.get("properties") or {}
        rows.append({k: p.get(k) for k in ("_color", "_stroke", "_opacity", "_weight", "_radius")})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS) if geoms else gpd.GeoDataFrame(geometry=[], crs=CRS)


def _unpack(col: dict):
    import zlib

    import numpy as np

    raw = base64.b64decode(col["b64"])
    return np.frombuffer(zlib.decompress(raw) if col.get("z") else raw, dtype=np.dtype(col["dtype"]).newbyteorder("<"))


def _big_points(payload: dict) -> tuple:
    """x, y, colours and radii of a large point layer (:mod:`iraq_atlas.viz.bigpoints`)."""
    cols, scale = payload["cols"], payload["scale"]
    x, y = _unpack(cols["lon"]) / scale, _unpack(cols["lat"]) / scale
    palette = payload.get("palette") or [DEFAULT_COLOR]
    if payload.get("colorByCat") and cols.get("cat") is not None:
        colours = [palette[c] for c in _unpack(cols["cat"])]
    elif cols.get("color") is not None:
        colours = [palette[c] for c in _unpack(cols["color"])]
    else:
        colours = [palette[0]] * len(x)
    radii = _unpack(cols["radius"]).astype(float) if cols.get("radius") is not None else \
        [float(payload.get("radius", 6))] * len(x)
    return x, y, [_colour(c) for c in colours], radii


def static_map(m, width: float = 8.0, height: float = 6.0):
    """Draw a map's shown layers, legends and attribution with matplotlib.

    Parameters
    ----------
    m : folium.Map
        A map made with :func:`iraq_atlas.viz.maps.base_map` and its ``add_*`` functions.
    width, height : float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, in longitude and latitude.

    Examples
    --------
    >>> from iraq_atlas.viz import maps
    >>> from iraq_atlas.places import gazetteer
    >>> m = maps.base_map(maps.BAGHDAD, 11, tiles=False, green_zone=False, boundaries=False)
    >>> places = gazetteer.gazetteer()
    >>> _ = maps.add_places(m, places[places.kind == "embassy"])
    >>> fig = static_map(maps.finish(m))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['embassy']
    >>> plt.close(fig)
    """
    from iraq_atlas.viz import bigpoints, maps

    fig, ax = plt.subplots(figsize=(width, height))
    shown_bounds, all_bounds, legends, credits = [], [], [], []
    fitted, max_zoom = None, 18
    for el in _walk(m):
        if isinstance(el, maps.SafeGeoJson) and el.show:
            frame = _layer_frame(el.payload["data"])
            if frame.empty:
                continue
            (all_bounds if getattr(el, "base", False) else shown_bounds).append(frame.total_bounds)
            all_bounds.append(frame.total_bounds)
            kinds = frame.geom_type
            areas = frame[kinds.isin(["Polygon", "MultiPolygon"])]
            if len(areas):
                face = [to_rgba(_colour(c, "#888888"), 0.35 if o is None else float(o))
                        for c, o in zip(areas["_color"], areas["_opacity"])]
                edge = [_colour(s if s is not None else c, "#333333") for s, c in zip(areas["_stroke"], areas["_color"])]
                widths = [1.5 if w is None else float(w) for w in areas["_weight"]]
                areas.plot(ax=ax, color=face, edgecolor=edge, linewidth=[w * 0.6 for w in widths])
            lines = frame[kinds.isin(["LineString", "MultiLineString"])]
            if len(lines):
                lines.plot(ax=ax, color=[_colour(c, "#333333") for c in lines["_color"]], linewidth=1)
            points = frame[kinds == "Point"]
            if len(points):
                radius = [6.0 if r is None else float(r) for r in points.get("_radius", [None] * len(points))]
                ax.scatter(points.geometry.x, points.geometry.y, s=[(r * 0.9) ** 2 for r in radius],
                           c=[_colour(c, "#333333") for c in points["_color"]], edgecolors="#333333",
                           linewidths=0.4, alpha=0.8, zorder=3)
        elif isinstance(el, bigpoints.BigPointLayer):
            x, y, colours, radii = _big_points(el.payload)
            if len(x):
                shown_bounds.append((float(x.min()), float(y.min()), float(x.max()), float(y.max())))
                ax.scatter(x, y, s=[(r * 0.9) ** 2 for r in radii], c=colours, edgecolors="#333333",
                           linewidths=0.3, alpha=0.7, zorder=3)
        elif isinstance(el, maps._Legend):
            legends.append(el.payload)
        elif isinstance(el, maps._Attribution):
            credits.append(html.unescape(el.payload))
        elif isinstance(el, maps._FitBounds):
            (s, w), (n, e) = el.payload["bounds"]
            fitted = (w, s, e, n)
            max_zoom = int(el.payload.get("maxZoom", max_zoom))
    if fitted is not None:
        box = fitted
    elif getattr(m, "location", None):  # the view the map opens with: its centre and zoom
        lat, lon = m.location
        half = 360 / 2 ** int(m.options.get("zoom", 10)) * 1.5
        box = (lon - half, lat - half * 0.75, lon + half, lat + half * 0.75)
    else:
        fit = shown_bounds or all_bounds
        box = (min(b[0] for b in fit), min(b[1] for b in fit), max(b[2] for b in fit),
               max(b[3] for b in fit)) if fit else None
    if box is not None:
        west, south, east, north = box
        # never closer than the live map may zoom (Leaflet's maxZoom, about 700 px of view)
        least = 360 / 2 ** max_zoom * 2.7
        cx, cy = (west + east) / 2, (south + north) / 2
        half_x, half_y = max((east - west) * 0.55, least / 2), max((north - south) * 0.55, least / 2 * 0.75)
        ax.set_xlim(cx - half_x, cx + half_x)
        ax.set_ylim(cy - half_y, cy + half_y)
        ax.set_aspect(1 / max(math.cos(math.radians(cy)), 0.1))
    ax.set_xlabel("")
    ax.set_ylabel("")
    first = None
    for lg in legends:
        circle = lg.get("shape") == "circle"
        handles = [Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=_colour(c),
                          markeredgecolor="#555555", label=label) if circle
                   else Patch(facecolor=_colour(c), edgecolor="#555555", label=label) for label, c in lg["items"]]
        legend = ax.legend(handles=handles, title=lg["title"], fontsize=7, title_fontsize=8, framealpha=0.9,
                           loc="lower right" if first is None else "upper right")
        if first is not None:
            ax.add_artist(first)
        first = legend
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#cccccc")
    if credits:
        fig.text(0.99, 0.01, " · ".join(credits), ha="right", va="bottom", fontsize=6.5, color="#555555")
    fig.tight_layout()
    return fig


def print_image_html(m, alt: str = "Static map for print") -> str:
    """An ``<img>`` of :func:`static_map` shown only in print, with the style that does so.

    Parameters
    ----------
    m : folium.Map
        The map.
    alt : str
        The image's alternative text.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> from iraq_atlas.viz import maps
    >>> m = maps.finish(maps.base_map(maps.IRAQ, 6, tiles=False, green_zone=False, boundaries=False))
    >>> print_image_html(m).startswith("<style>.ia-map-print")
    True
    """
    fig = static_map(m)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'{PRINT_STYLE}<img class="ia-map-print" alt="{html.escape(alt, quote=True)}" '
            f'src="data:image/png;base64,{data}">')
