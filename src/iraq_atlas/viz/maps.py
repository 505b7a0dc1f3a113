"""Folium maps that stand on their own and never trust data text.

* Offline: Leaflet (and MarkerCluster when used) are inlined from the XStatic
  packages installed with the suite; folium's CDN links are not emitted, and
  :func:`to_html` refuses a page that would still fetch a script or style.
  Tiles load only when the browser is online; a labelled vector base
  (governorates, or Baghdad's districts and sub-districts; the Green Zone) is
  always drawn, so the map is never blank and explains itself. Legends name
  event types, place kinds and choropleth classes; the view fits the data.
* Safe: data travels as JSON inside the page and popups/tooltips are built
  with DOM ``textContent``, so ``<img onerror>``, ``</script>``, quotes and
  backticks display as text. Only http(s) links become anchors.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from iraq_atlas.analysis.bands import DEFAULT_BANDS_KM, outline_rings, rings
from iraq_atlas.errors import OfflineAssetError
from iraq_atlas.files import write_atomic
from iraq_atlas.html import escape
from iraq_atlas.places.boundaries import Boundaries
from iraq_atlas.vocab import CRS, DEFAULT_COLOR, EVENT_COLORS, KIND_COLORS

if TYPE_CHECKING:
    from iraq_atlas.viz.bigpoints import BigPointLayer

TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = "© OpenStreetMap contributors"
MAX_ZOOM = 19
BAGHDAD = (33.31, 44.39)
IRAQ = (33.2, 43.7)
_ASSET_MARKER = "<!--iraq-atlas-assets-->"


def json_for_script(obj) -> str:
    """JSON that is safe inside a <script> element (no </script>, <!--, or line separators)."""
    s = json.dumps(obj, ensure_ascii=False, default=_json_default)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
             .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if np.isnan(o) else float(o)
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if o is pd.NA or o is pd.NaT:
        return None
    return str(o)


# -- assets -------------------------------------------------------------------
def _xstatic_dir(module: str) -> Path:
    mod = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    return Path(mod.BASE_DIR)


def _leaflet_css() -> str:
    base = _xstatic_dir("leaflet")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(m: re.Match) -> str:
        f = base / m.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(f.read_bytes()).decode()})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)


def assets(cluster: bool) -> list[tuple[str, str, str]]:
    """(kind, file name, text) of every asset a map needs: Leaflet, plus MarkerCluster if used."""
    out = [("css", "leaflet.css", _leaflet_css()),
           ("js", "leaflet.js", (_xstatic_dir("leaflet") / "leaflet.js").read_text(encoding="utf-8"))]
    if cluster:
        mc = _xstatic_dir("leaflet_markercluster")
        out += [("css", "MarkerCluster.css", (mc / "MarkerCluster.css").read_text(encoding="utf-8")),
                ("css", "MarkerCluster.Default.css", (mc / "MarkerCluster.Default.css").read_text(encoding="utf-8")),
                ("js", "leaflet.markercluster.js", (mc / "leaflet.markercluster.js").read_text(encoding="utf-8"))]
    return out


_EXTERNAL = re.compile(r"<(?:script[^>]+src|link[^>]+href)=[\"'](?:https?:)?//[^\"']+[\"']", re.I)

# Browser-side helpers: DOM-built popups (textContent only) and safe links.
_JS_HELPERS = r"""
window.IA = window.IA || {
  safeUrl: function (u) { return (typeof u === 'string' && /^https?:\/\//i.test(u)) ? u : null; },
  card: function (props, fields, titleField) {
    var box = document.createElement('div'); box.className = 'ia-card';
    if (titleField && props[titleField] != null) {
      var t = document.createElement('b'); t.textContent = String(props[titleField]); box.appendChild(t);
    }
    var tbl = document.createElement('table');
    fields.forEach(function (f) {
      var v = props[f[0]]; if (v === null || v === undefined || v === '') return;
      var tr = document.createElement('tr'), th = document.createElement('th'), td = document.createElement('td');
      th.textContent = f[1];
      var url = f[2] ? IA.safeUrl(v) : null;
      if (url) { var a = document.createElement('a'); a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer'; a.textContent = url; td.appendChild(a); }
      else { td.textContent = String(v); }
      tr.appendChild(th); tr.appendChild(td); tbl.appendChild(tr);
    });
    box.appendChild(tbl); return box;
  },
  text: function (v) { var s = document.createElement('span'); s.textContent = (v == null ? '' : String(v)); return s; },
  data: function (id) { return JSON.parse(document.getElementById(id).textContent); },
  // point_columns() → GeoJSON: columns of coordinates and (dictionary-coded) properties back to features
  unpack: function (c) {
    if (!c || c.type !== 'IAColumns') { return c; }
    var names = Object.keys(c.props), n = c.x.length, feats = new Array(n);
    for (var i = 0; i < n; i++) {
      var p = {};
      for (var j = 0; j < names.length; j++) {
        var col = c.props[names[j]];
        p[names[j]] = col.list ? col.list[i] : col.values[col.codes ? col.codes[i] : 0];
      }
      feats[i] = {type: 'Feature', geometry: {type: 'Point', coordinates: [c.x[i], c.y[i]]}, properties: p};
    }
    return {type: 'FeatureCollection', features: feats};
  }
};
"""


class _Verbatim(Element):
    """Text placed into the page as it is: never compiled or rendered as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


def _data_script(element_id: str, payload) -> _Verbatim:
    """A ``<script type="application/json">`` block holding a payload; read in the page with IA.data()."""
    return _Verbatim(f'<script type="application/json" id="{element_id}">{json_for_script(payload)}</script>')


class _CodeElement(MacroElement):
    """A page element whose template holds code only; its data reaches the page as JSON beside it.

    branca compiles each element's rendered script as a new Jinja2 template
    (``Element(script(...))``), so any data text inside it would be evaluated.
    Here the template renders once with no data in scope (only generated
    variable names), the output goes into the page verbatim, and the payload
    is written into a JSON block that no template ever sees.
    """

    payload = None

    def render(self, **kwargs):
        figure = self.get_root()
        name = self.get_name()
        if self.payload is not None:
            figure.header.add_child(_data_script(f"{name}_data", self.payload), name=f"{name}_data")
        script = self._template.module.__dict__.get("script")
        if script is not None:
            figure.script.add_child(_Verbatim(script(self, kwargs)), name=name)
        for child in self._children.values():
            child.render(**kwargs)


class _Layer(_CodeElement, folium.map.Layer):
    """A toggleable layer rendered as a _CodeElement (its name travels as data too)."""


class SafeGeoJson(_Layer):
    """GeoJSON points or shapes with DOM-built popups; optional clustering and a date filter."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function (payload, map) {
      var data = payload.data, o = payload.options;
      var geo = L.geoJSON(IA.unpack(data), {
        pointToLayer: function (f, ll) {
          var p = f.properties;
          return L.circleMarker(ll, {radius: p._radius || 6, color: p._color || '#333', weight: 1,
                                     fillColor: p._color || '#333', fillOpacity: 0.75});
        },
        style: function (f) {
          var p = f.properties;
          return {color: p._stroke || p._color || '#333', weight: p._weight || 1.5,
                  fillColor: p._color || '#888', fillOpacity: (p._opacity === undefined ? 0.35 : p._opacity),
                  dashArray: p._dash || null};
        },
        onEachFeature: function (f, layer) {
          if (o.popup.length) { layer.bindPopup(function () { return popupFor(layer); }, {maxWidth: 360}); }
          if (o.tooltip) { layer.bindTooltip(function () { return IA.text(f.properties[o.tooltip]); }, {sticky: true}); }
        }
      });
      // Points drawn at one position hide each other (only the topmost takes a click): the popup of
      // each lists a card for every point shown there, its own first. Clusters spiderfy instead.
      function popupFor(layer) {
        var stack = (layer._iaStack || [layer]).filter(function (x) { return x === layer || holder.hasLayer(x); });
        if (stack.length < 2) { return IA.card(layer.feature.properties, o.popup, o.title); }
        var box = document.createElement('div'); box.className = 'ia-stack';
        var note = document.createElement('div'); note.className = 'ia-stack-note';
        note.style.cssText = 'font-style:italic;color:#555;margin-bottom:4px';
        note.textContent = stack.length + ' points at this position';
        box.appendChild(note);
        [layer].concat(stack.filter(function (x) { return x !== layer; }).reverse()).forEach(function (x, i) {
          var card = IA.card(x.feature.properties, o.popup, o.title);
          if (i) { card.style.borderTop = '1px solid #ccc'; card.style.marginTop = '4px'; card.style.paddingTop = '4px'; }
          box.appendChild(card);
        });
        return box;
      }
      if (o.popup.length && !o.cluster) {
        var stacks = {};
        geo.eachLayer(function (l) {
          if (!(l instanceof L.CircleMarker)) { return; }
          var ll = l.getLatLng(), k = ll.lat.toFixed(6) + ',' + ll.lng.toFixed(6);
          (stacks[k] = stacks[k] || []).push(l);
        });
        Object.keys(stacks).forEach(function (k) {
          if (stacks[k].length < 2) { return; }
          stacks[k].forEach(function (l) { l._iaStack = stacks[k]; l.getPopup().options.maxHeight = 320; });
        });
      }
      var holder = geo;
      if (o.cluster) { holder = L.markerClusterGroup({chunkedLoading: true}); holder.addLayers(geo.getLayers()); }
      if (o.timeField) {
        window.IA_TIME = window.IA_TIME || [];
        window.IA_TIME.push({all: geo.getLayers().slice(), holder: holder, field: o.timeField});
      }
      return holder;
    })(IA.data('{{ this.get_name() }}_data'), {{ this._parent.get_name() }});
    {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, features: dict, *, name: str, popup: Sequence[tuple[str, str, bool]] = (),
                 title: str | None = None, tooltip: str | None = None, cluster: bool = False,
                 time_field: str | None = None, show: bool = True, overlay: bool = True):
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "SafeGeoJson"
        self.payload = {"data": features,
                        "options": {"popup": [list(p) for p in popup], "title": title, "tooltip": tooltip,
                                    "cluster": cluster, "timeField": time_field}}
        self.cluster = cluster
        self.base = False          # base layers (boundaries, outlines) do not decide the fitted view
        self.bounds = _payload_bounds(features)


def _payload_bounds(data: dict) -> list[list[float]] | None:
    """[[south, west], [north, east]] of a FeatureCollection or an IAColumns payload."""
    if data.get("type") == "IAColumns":
        xs, ys = data["x"], data["y"]
    else:
        xs, ys = [], []
        for f in data.get("features", []):
            c = np.asarray(_coords(f["geometry"]), dtype=float).reshape(-1, 2)
            xs.extend(c[:, 0].tolist())
            ys.extend(c[:, 1].tolist())
    if not xs:
        return None
    return [[float(min(ys)), float(min(xs))], [float(max(ys)), float(max(xs))]]


def _coords(geom: dict) -> list:
    if geom["type"] == "GeometryCollection":
        return [c for g in geom["geometries"] for c in _coords(g)]
    flat: list = []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            flat.append(c[:2])
        else:
            for x in c:
                walk(x)
    walk(geom["coordinates"])
    return flat


def features(gdf: gpd.GeoDataFrame, props: Iterable[str]) -> dict:
    """A GeoJSON FeatureCollection of the given columns (missing values become null)."""
    gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf
    cols = [c for c in props if c in gdf.columns]
    feats = []
    geoms = gdf.geometry.values
    records = gdf[cols].astype(object).where(gdf[cols].notna(), None).to_dict("records")
    for geom, rec in zip(geoms, records):
        if geom is None or geom.is_empty:
            continue
        feats.append({"type": "Feature", "geometry": geom.__geo_interface__, "properties": rec})
    return {"type": "FeatureCollection", "features": feats}


# Point layers larger than this travel as columns (see point_columns): several times less HTML.
COMPACT_POINTS = 1000


def point_columns(gdf: gpd.GeoDataFrame, props: Iterable[str]) -> dict:
    """Point rows as compact columns instead of one GeoJSON feature each; the page unpacks them.

    Coordinates are rounded to 6 decimals (~0.1 m); a property column with
    repeated values is sent once per distinct value plus an integer code per row
    (no codes at all when every row has the same value).
    Nothing is dropped: every row keeps every property, so popups are unchanged.
    """
    gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf
    keep = gdf.geometry.notna().to_numpy() & ~gdf.geometry.is_empty.to_numpy()
    gdf = gdf[keep]
    if not (gdf.geom_type == "Point").all():
        raise ValueError("point_columns: every geometry must be a point")
    cols: dict[str, dict] = {}
    for c in [c for c in props if c in gdf.columns]:
        values = gdf[c].astype(object).where(gdf[c].notna(), None)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniq = [None if u is None else _json_default(u) if not isinstance(u, (str, int, float, bool)) else u
                for u in uniques]
        if (codes < 0).any():  # missing values get their own code pointing at null
            uniq.append(None)
            codes = np.where(codes < 0, len(uniq) - 1, codes)
        if len(uniq) == 1:
            cols[c] = {"values": uniq, "codes": None}
        elif len(uniq) <= len(values) // 2:
            cols[c] = {"values": uniq, "codes": codes.tolist()}
        else:
            cols[c] = {"list": values.tolist()}
    return {"type": "IAColumns", "x": np.round(gdf.geometry.x.to_numpy(), 6).tolist(),
            "y": np.round(gdf.geometry.y.to_numpy(), 6).tolist(), "props": cols}


class _TilesWhenOnline(_CodeElement):
    """A tile layer added only when the browser says it is online (no failed fetches offline)."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    if (navigator.onLine) {
      (function (t) {
        L.tileLayer(t.url, {maxZoom: t.maxZoom, attribution: t.attribution}).addTo({{ this._parent.get_name() }});
      })(IA.data('{{ this.get_name() }}_data'));
    }
{% endmacro %}
""")

    def __init__(self, url: str, attribution: str):
        super().__init__()
        self.payload = {"url": url, "attribution": escape(attribution), "maxZoom": MAX_ZOOM}


class _Attribution(_CodeElement):
    _template = Template(u"""
{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.attributionControl.addAttribution(IA.data('{{ this.get_name() }}_data'));
{% endmacro %}
""")

    def __init__(self, text: str):
        super().__init__()
        # Leaflet writes attributions with innerHTML: the text is escaped, then sent as data
        self.payload = escape(text)


class _TimeSlider(_CodeElement):
    """A date slider over every layer registered with a time field: shows events up to the chosen day."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    (function (map, days) {
      var ctl = L.control({position: 'bottomleft'});
      ctl.onAdd = function () {
        var div = L.DomUtil.create('div', 'ia-time leaflet-bar');
        div.style.background = 'white'; div.style.padding = '4px 8px';
        var label = document.createElement('div'); label.className = 'ia-time-label';
        var input = document.createElement('input'); input.type = 'range'; input.min = 0;
        input.max = days.length - 1; input.value = days.length - 1; input.className = 'ia-time-input';
        input.style.width = '240px';
        function apply(first) {
          var day = days[+input.value];
          label.textContent = 'Up to ' + day + ' (' + days[0] + ' – ' + days[days.length - 1] + ')';
          // the slider starts at the last day: every event is already on the map, nothing to re-add
          if (first === true) { return; }
          (window.IA_TIME || []).forEach(function (t) {
            if (t.setDay) { t.setDay(day); return; }   // large layers filter their own columns
            t.holder.clearLayers();
            var keep = t.all.filter(function (l) { return String(l.feature.properties[t.field]) <= day; });
            if (t.holder.addLayers) { t.holder.addLayers(keep); } else { keep.forEach(function (l) { t.holder.addLayer(l); }); }
          });
        }
        input.addEventListener('input', apply);
        div.appendChild(label); div.appendChild(input);
        L.DomEvent.disableClickPropagation(div);
        setTimeout(function () { apply(true); }, 0);
        return div;
      };
      ctl.addTo(map);
    })({{ this._parent.get_name() }}, IA.data('{{ this.get_name() }}_data'));
{% endmacro %}
""")

    def __init__(self, days: Sequence[str]):
        super().__init__()
        self.payload = sorted(set(days))


class _Labels(_Layer):
    """Text labels (governorate, district, sub-district names) drawn as DOM text; the names are data."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function (payload) {
      var group = L.layerGroup();
      payload.labels.forEach(function (l) {
        var el = document.createElement('div');
        el.className = 'ia-label ia-label-' + l[3];
        el.textContent = l[2];
        el.style.cssText = payload.styles[l[3]] || '';
        var icon = L.divIcon({html: el, className: 'ia-label-icon', iconSize: null});
        L.marker([l[0], l[1]], {icon: icon, interactive: false, keyboard: false}).addTo(group);
      });
      return group;
    })(IA.data('{{ this.get_name() }}_data'));
    {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    #: CSS per label class (static: no data text reaches it)
    STYLES = {
        "governorate": "font:600 12px sans-serif;color:#263238;white-space:nowrap;transform:translate(-50%,-50%);"
                       "text-shadow:0 0 3px #fff,0 0 3px #fff",
        "district": "font:600 12px sans-serif;color:#37474f;white-space:nowrap;transform:translate(-50%,-50%);"
                    "text-shadow:0 0 3px #fff,0 0 3px #fff",
        "subdistrict": "font:italic 10px sans-serif;color:#546e7a;white-space:nowrap;transform:translate(-50%,-50%);"
                       "text-shadow:0 0 2px #fff,0 0 2px #fff",
    }

    def __init__(self, labels: list[list], *, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Labels"
        self.payload = {"labels": labels, "styles": self.STYLES}


class _Legend(_CodeElement):
    """A legend box (title and colour swatches) built with DOM text; titles and labels are data."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    (function (map, lg) {
      var ctl = L.control({position: lg.position});
      ctl.onAdd = function () {
        var div = L.DomUtil.create('div', 'ia-legend leaflet-bar');
        div.style.background = 'white'; div.style.padding = '6px 8px'; div.style.font = '12px sans-serif';
        var t = document.createElement('b'); t.textContent = lg.title; div.appendChild(t);
        lg.items.forEach(function (it) {
          var row = document.createElement('div'), sw = document.createElement('span');
          sw.style.display = 'inline-block'; sw.style.width = '12px'; sw.style.height = '12px';
          sw.style.marginRight = '6px'; sw.style.verticalAlign = 'middle';
          sw.style.border = '1px solid #555';
          sw.style.borderRadius = lg.shape === 'circle' ? '50%' : '0';
          sw.style.background = /^#[0-9a-fA-F]{3,8}$/.test(it[1]) ? it[1] : '#888';
          var lab = document.createElement('span'); lab.textContent = it[0];
          row.appendChild(sw); row.appendChild(lab); div.appendChild(row);
        });
        return div;
      };
      ctl.addTo(map);
    })({{ this._parent.get_name() }}, IA.data('{{ this.get_name() }}_data'));
{% endmacro %}
""")

    def __init__(self, title: str, items: Sequence[tuple[str, str]], shape: str, position: str):
        super().__init__()
        self._name = "Legend"
        self.payload = {"title": str(title), "items": [[str(a), str(b)] for a, b in items], "shape": shape,
                        "position": position}


def add_legend(m: folium.Map, title: str, items: Sequence[tuple[str, str]] | dict[str, str], *,
               shape: str = "circle", position: str = "bottomright") -> None:
    """Add a legend: a title and (label, colour) rows, e.g. event types, place kinds or choropleth bins.

    Parameters
    ----------
    m : folium.Map
        A map made by :func:`base_map`.
    title : str
        Legend heading.
    items : sequence of (label, colour) or dict label → colour
        Colours as ``#rrggbb``; anything else is drawn grey.
    shape : {"circle", "square"}
        Circles for point layers, squares for areas (choropleths).
    position : str
        A Leaflet control position.

    Returns
    -------
    None
        The legend is added to ``m``.

    Examples
    --------
    >>> m = base_map(tiles=False, green_zone=False, boundaries=False)
    >>> add_legend(m, "Event types", {"Explosions/Remote violence": "#d62728"})
    >>> "Event types" in str(page_data(to_html(finish(m))[0]))
    True
    """
    pairs = list(items.items()) if isinstance(items, dict) else list(items)
    m.add_child(_Legend(title, pairs, shape, position))


class _FitBounds(_CodeElement):
    """Fit the view to [[south, west], [north, east]] when the page opens (at once: no zoom animation)."""

    _template = Template(u"""
{% macro script(this, kwargs) %}
    (function (b) { {{ this._parent.get_name() }}.fitBounds(b.bounds, {padding: [12, 12], maxZoom: b.maxZoom, animate: false}); })(
      IA.data('{{ this.get_name() }}_data'));
{% endmacro %}
""")

    def __init__(self, bounds: Sequence[Sequence[float]], max_zoom: int = 15):
        super().__init__()
        self._name = "FitBounds"
        self.payload = {"bounds": [[float(v) for v in c] for c in bounds], "maxZoom": int(max_zoom)}


def fit_bounds(gdf: gpd.GeoDataFrame, pad_deg: float = 0.0) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the geometries of a frame (None when it has none).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> fit_bounds(gpd.GeoDataFrame(geometry=[Point(44, 33), Point(45, 34)], crs=4326))
    [[33.0, 44.0], [34.0, 45.0]]
    """
    g = gdf.to_crs(CRS) if gdf.crs is not None else gdf
    g = g[g.geometry.notna() & ~g.geometry.is_empty]
    if g.empty:
        return None
    x0, y0, x1, y1 = g.total_bounds
    return [[float(y0) - pad_deg, float(x0) - pad_deg], [float(y1) + pad_deg, float(x1) + pad_deg]]


def _label_rows(gdf: gpd.GeoDataFrame, column: str, cls: str) -> list[list]:
    pts = gdf.geometry.representative_point()
    return [[round(p.y, 5), round(p.x, 5), str(t), cls] for p, t in zip(pts, gdf[column]) if t is not None]


def _add_admin_layer(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str, label_col: str, cls: str,
                     popup: list[tuple[str, str, bool]], fill: str, stroke: str, weight: float, opacity: float,
                     labels: bool, show_labels: bool = True) -> None:
    gdf = gdf.copy()
    gdf["_color"], gdf["_stroke"], gdf["_opacity"], gdf["_weight"] = fill, stroke, opacity, weight
    props = list(dict.fromkeys([p[0] for p in popup] + [label_col, "_color", "_stroke", "_opacity", "_weight"]))
    layer = SafeGeoJson(features(gdf, props), name=name, tooltip=label_col, popup=popup, title=label_col)
    layer.base = True
    layer.add_to(m)
    if labels:
        _Labels(_label_rows(gdf, label_col, cls), name=f"{name}: labels", show=show_labels).add_to(m)


def base_map(center: tuple[float, float] | None = None, zoom: int | None = None, *,
             boundaries: Boundaries | None | bool = None, green_zone: bool = True, tiles: bool = True,
             area: str | None = None, labels: bool = True, rivers: bool = True) -> folium.Map:
    """A map that explains itself offline: admin boundaries with labels, rivers, the Green Zone, credits.

    Iraq maps show the governorates (ADM1) with their names; Baghdad maps show
    Baghdad's districts and sub-districts (ADM2/ADM3 within IQG08) with theirs. The
    polygons come from :func:`~iraq_atlas.places.boundaries.load_boundaries` (a path in
    ``$IRAQ_ATLAS_BOUNDARIES``, else the embedded OCHA COD-AB files) and carry the OCHA
    credit. Tiles are added only when the browser is online. The view fits the area
    now and the data layers when :func:`finish` runs. Every name travels as JSON data.

    Parameters
    ----------
    center, zoom
        Initial view (before fitting); default the whole of Iraq, or Baghdad for ``area="baghdad"``.
    boundaries : Boundaries, None or False
        Governorate polygons to draw; None loads the configured/embedded ADM1; False draws none.
        Any :class:`Boundaries` is drawn as given (a tile grid only if one is passed).
    green_zone : bool
        Draw the Green Zone outline.
    tiles : bool
        Add OpenStreetMap tiles when the browser is online.
    area : {"iraq", "baghdad"}, optional
        Which base layers; default ``"baghdad"`` when zoom ≥ 9, else ``"iraq"``.
    labels : bool
        Name labels for the boundary layers.
    rivers : bool
        Draw the Tigris, the Euphrates and the Shatt al-Arab (Natural Earth 1:50m, see
        :func:`~iraq_atlas.places.rivers.load_rivers`) as a layer that can be switched off,
        with their credit.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = base_map(area="baghdad", tiles=False)
    >>> names = [n for n in page_data(to_html(finish(m))[0]).values() if isinstance(n, list)][0]
    >>> "Baghdad: sub-districts" in names
    True
    """
    if area is None:
        area = "baghdad" if (zoom or 6) >= 9 else "iraq"
    if area not in ("iraq", "baghdad"):
        raise ValueError(f"area must be 'iraq' or 'baghdad', not {area!r}")
    if center is None:
        center = BAGHDAD if area == "baghdad" else IRAQ
    if zoom is None:
        zoom = 10 if area == "baghdad" else 6
    # maxZoom is set on the map itself: offline there is no tile layer to supply it, and
    # MarkerCluster throws "Map has no maxZoom specified" without one.
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, prefer_canvas=True,
                   control_scale=True)
    m.options["maxZoom"] = MAX_ZOOM  # folium passes max_zoom= only to its own tile layer
    m.default_js, m.default_css = [], []  # assets are inlined by to_html(), never linked
    m.get_root().header.add_child(_Verbatim(_ASSET_MARKER), name="ia_assets")
    m.get_root().header.add_child(_Verbatim(f"<script>{_JS_HELPERS}</script>"), name="ia_helpers")
    if tiles:
        m.add_child(_TilesWhenOnline(TILES_URL, TILES_ATTRIBUTION))
    m._ia_area = area
    m._ia_base_bounds = None
    credits: list[str] = []
    if boundaries is None:
        from iraq_atlas.places.boundaries import load_boundaries

        boundaries = load_boundaries("ADM1")
    if boundaries is not False and boundaries is not None:
        is_grid = boundaries.is_fallback
        label = "Governorates (tile-grid cartogram)" if is_grid else "Governorates"
        _add_admin_layer(m, boundaries.gdf, name=label, label_col="name", cls="governorate",
                         popup=[("name", "Governorate", False), ("iso_3166_2", "ISO 3166-2", False)],
                         fill="#e0e0e0" if is_grid else "#cfd8dc", stroke="#607d8b", weight=1.5, opacity=0.25,
                         labels=labels and area == "iraq")
        credits.append(boundaries.attribution)
        if area == "iraq":
            m._ia_base_bounds = fit_bounds(boundaries.gdf)
    if area == "baghdad" and boundaries is not False:
        from iraq_atlas.places.boundaries import load_boundaries

        adm2 = load_boundaries("ADM2")
        adm3 = load_boundaries("ADM3")
        d = adm2.gdf[adm2.gdf.pcode == "IQG08"]
        sd = adm3.gdf[adm3.gdf.pcode == "IQG08"]
        _add_admin_layer(m, sd, name="Baghdad: sub-districts", label_col="subdistrict", cls="subdistrict",
                         popup=[("subdistrict_ar", "Arabic", False), ("subdistrict_pcode", "OCHA p-code", False),
                                ("district", "District", False)],
                         fill="#eceff1", stroke="#90a4ae", weight=0.8, opacity=0.05, labels=labels)
        _add_admin_layer(m, d, name="Baghdad: districts", label_col="district", cls="district",
                         popup=[("district_ar", "Arabic", False), ("district_pcode", "OCHA p-code", False)],
                         fill="#cfd8dc", stroke="#455a64", weight=2, opacity=0.0, labels=labels)
        credits.append(adm3.attribution)
        m._ia_base_bounds = fit_bounds(d)
    if rivers:
        from iraq_atlas.places.rivers import load_rivers

        river = load_rivers()
        river["_stroke"], river["_weight"], river["_opacity"] = "#1e88e5", 2.5 if area == "baghdad" else 2, 0.0
        layer = SafeGeoJson(features(river, ["name", "name_ar", "source_url", "_stroke", "_weight", "_opacity"]),
                            name="Rivers", tooltip="name",
                            popup=[("name", "River", False), ("name_ar", "Arabic", False),
                                   ("source_url", "Source", True)])
        layer.base = True
        layer.add_to(m)
        credits.append(river.attrs["attribution"])
    for c in dict.fromkeys(credits):
        m.add_child(_Attribution(c))
    if green_zone:
        from iraq_atlas.places.gazetteer import outlines
        gz = outlines()
        gz = gz[gz.place_id == "green_zone"].copy()
        gz["_color"], gz["_stroke"], gz["_opacity"], gz["_weight"] = "#2e7d32", "#1b5e20", 0.15, 2
        layer = SafeGeoJson(features(gz, ["name", "source_url", "_color", "_stroke", "_opacity", "_weight"]),
                            name="Green Zone outline", tooltip="name",
                            popup=[("name", "Place", False), ("source_url", "Source", True)])
        layer.base = True
        layer.add_to(m)
        m.add_child(_Attribution("Places: Iraq Atlas gazetteer"))
    return m


def add_points(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str, popup: Sequence[tuple[str, str, bool]],
               title: str | None = None, tooltip: str | None = None, color: str | pd.Series = DEFAULT_COLOR,
               radius: float | pd.Series = 6, cluster: bool = False, time_field: str | None = None,
               show: bool = True) -> SafeGeoJson | BigPointLayer:
    """Add point rows as one toggleable layer; every text reaches the page as data, not markup.

    Above :data:`~iraq_atlas.viz.bigpoints.BIG_POINTS` points the layer is drawn by
    :func:`~iraq_atlas.viz.bigpoints.add_big_points` (binary columns, one clustered canvas)
    instead of one circle per row.

    Parameters
    ----------
    m : folium.Map
        A map made by :func:`base_map`.
    gdf : geopandas.GeoDataFrame
        The rows to draw, with the columns the popup, title, tooltip and time field name.
    name : str
        The layer's name in the layer switcher.
    popup : sequence of (column, label, is_link)
        The popup's rows; only http(s) values of a link column become anchors.
    title, tooltip : str, optional
        Columns for the popup's heading and the hover text.
    color : str or pandas.Series
        ``#rrggbb``, one for all or one per row.
    radius : float or pandas.Series
        Circle radius in pixels, one for all or one per row.
    cluster : bool
        Group nearby points into clusters.
    time_field : str, optional
        A ``YYYY-MM-DD`` column that the date slider (:func:`add_time_slider`) filters on.
    show : bool
        Whether the layer is on when the page opens.

    Returns
    -------
    SafeGeoJson or BigPointLayer
        The layer, already added to ``m``.

    Examples
    --------
    >>> m = base_map(tiles=False, green_zone=False, boundaries=False, rivers=False)
    >>> pts = gpd.GeoDataFrame({"name": ["Baghdad", "Mosul"], "kind": ["city", "city"]},
    ...                        geometry=gpd.points_from_xy([44.4, 43.1], [33.3, 36.3]), crs=4326)
    >>> layer = add_points(m, pts, name="Two cities", popup=[("kind", "Kind", False)], title="name")
    >>> layer.layer_name, len(layer.payload["data"]["features"]), layer.bounds
    ('Two cities', 2, [[33.3, 43.1], [36.3, 44.4]])
    """
    from iraq_atlas.viz import bigpoints

    if len(gdf) > bigpoints.BIG_POINTS and bool((gdf.geometry.isna() | (gdf.geom_type == "Point")).all()):
        return bigpoints.add_big_points(m, gdf, popup=popup, name=name, title=title, tooltip=tooltip,
                                        color=color, radius=radius, time_field=time_field, show=show)
    gdf = gdf.copy()
    gdf["_color"] = color
    gdf["_radius"] = radius
    props = {p[0] for p in popup} | {"_color", "_radius"} | ({tooltip} if tooltip else set()) \
        | ({title} if title else set()) | ({time_field} if time_field else set())
    points = len(gdf) > COMPACT_POINTS and bool((gdf.geometry.isna() | (gdf.geom_type == "Point")).all())
    data = point_columns(gdf, props) if points else features(gdf, props)
    layer = SafeGeoJson(data, name=name, popup=popup, title=title, tooltip=tooltip,
                        cluster=cluster, time_field=time_field, show=show)
    layer.add_to(m)
    return layer


def add_time_slider(m: folium.Map, days: Iterable[str]) -> None:
    """Add a date slider filtering every layer created with ``time_field``."""
    days = [d for d in days if d]
    if days:
        m.add_child(_TimeSlider(days))


class _LayerControl(_CodeElement):
    """Leaflet's layer switcher over every toggleable layer; the names travel as data.

    folium's own LayerControl writes each layer name into its template, where
    branca would evaluate it; here the template lists only generated variable
    names, and the display names (escaped: Leaflet writes them with innerHTML)
    are the payload.
    """

    _template = Template(u"""
{% macro script(this, kwargs) %}
    (function (names, layers, map) {
      var overlays = {};
      for (var i = 0; i < layers.length; i++) { overlays[names[i]] = layers[i]; }
      L.control.layers({}, overlays, {collapsed: false}).addTo(map);
    })(IA.data('{{ this.get_name() }}_data'), [{{ this.layer_vars|join(', ') }}], {{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "LayerControl"
        self.layer_vars: list[str] = []

    def render(self, **kwargs):
        layers = [ch for ch in self._parent._children.values()
                  if isinstance(ch, folium.map.Layer) and ch.control]
        self.layer_vars = [ch.get_name() for ch in layers]
        self.payload = [escape(ch.layer_name) for ch in layers]
        super().render(**kwargs)


def finish(m: folium.Map, *, fit: bool = True) -> folium.Map:
    """Add the layer switcher and fit the view to the data (call once, after all layers).

    The view fits the data layers (everything but the base boundaries and outlines); a
    map with no data fits its base area (Iraq, or Baghdad's districts).

    Parameters
    ----------
    m : folium.Map
        A map made by :func:`base_map`, with its layers added.
    fit : bool
        Fit the view to the data (False keeps the map's centre and zoom).

    Returns
    -------
    folium.Map
        ``m`` itself.

    Examples
    --------
    >>> m = finish(base_map(tiles=False))
    >>> any(isinstance(v, dict) and "bounds" in v for v in page_data(to_html(m)[0]).values())
    True
    """
    if fit:
        boxes = [ch.bounds for ch in m._children.values()
                 if isinstance(ch, SafeGeoJson) and not getattr(ch, "base", False) and ch.bounds]
        if boxes:
            bounds = [[min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
                      [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)]]
        else:
            bounds = getattr(m, "_ia_base_bounds", None)
        if bounds:
            m.add_child(_FitBounds(bounds))
    m.add_child(_LayerControl())
    return m


def _uses_cluster(m: folium.Map) -> bool:
    return any(getattr(ch, "cluster", False) for ch in m._children.values())


def to_html(m: folium.Map, *, assets_mode: str = "inline", asset_prefix: str = "assets") -> tuple[str, list]:
    """Render a page: (html, assets to write beside it). Raises if anything would load from the network."""
    if assets_mode not in ("inline", "folder"):
        raise ValueError("assets_mode must be 'inline' or 'folder'")
    page = m.get_root().render()
    needed = assets(_uses_cluster(m))
    if assets_mode == "inline":
        tags = "".join(f"<style>{t}</style>" if k == "css" else f"<script>{t}</script>" for k, _, t in needed)
        files = []
    else:
        tags = "".join(f'<link rel="stylesheet" href="{asset_prefix}/{n}"/>' if k == "css"
                       else f'<script src="{asset_prefix}/{n}"></script>' for k, n, _ in needed)
        files = [(n, t) for _, n, t in needed]
    if _ASSET_MARKER not in page:
        raise OfflineAssetError("map was not made by base_map(): asset slot missing")
    page = page.replace(_ASSET_MARKER, tags, 1)
    ext = _EXTERNAL.findall(page)
    if ext:
        raise OfflineAssetError(f"page would fetch from the network: {ext[:3]}")
    return page, files


def save_map(m: folium.Map, path: str | os.PathLike, *, assets_mode: str = "inline") -> Path:
    """Write a map page that works with no network: assets inline (default) or in ``assets/`` beside it.

    Parameters
    ----------
    m : folium.Map
        A map made by :func:`base_map` (finished with :func:`finish`).
    path : path
        The page to write (written atomically).
    assets_mode : {"inline", "folder"}
        Leaflet's scripts and styles inside the page, or as files in ``assets/`` beside it.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OfflineAssetError
        When the page would still fetch a script or style from the network.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> m = finish(base_map(tiles=False, green_zone=False, boundaries=False, rivers=False))
    >>> page = save_map(m, folder / "map.html", assets_mode="folder")
    >>> page.name, sorted(p.name for p in (folder / "assets").iterdir())
    ('map.html', ['leaflet.css', 'leaflet.js'])
    >>> '<script src="assets/leaflet.js"></script>' in page.read_text()
    True
    """
    page, files = to_html(m, assets_mode=assets_mode)
    path = Path(path)
    for name, text in files:
        write_atomic(path.parent / "assets" / name, text)
    return write_atomic(path, page)


class MapView:
    """Notebook display of a map as a self-contained ``<iframe srcdoc>`` (survives HTML export offline),
    with a static picture of it shown in print (:mod:`iraq_atlas.viz.static_maps`)."""

    def __init__(self, m: folium.Map, height: int = 520):
        self.m, self.height = m, height

    def _repr_html_(self) -> str:
        from iraq_atlas.viz.static_maps import print_image_html

        page, _ = to_html(self.m)
        return (f'<iframe class="ia-map" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ccc" '
                f'sandbox="allow-scripts allow-popups"></iframe>'
                + print_image_html(self.m))  # the same layers as a picture, shown in print


def show(m: folium.Map, height: int = 520) -> MapView:
    """Display helper for notebooks: the map as a self-contained frame, with a picture of it for print.

    Parameters
    ----------
    m : folium.Map
        A finished map (:func:`finish`).
    height : int
        Height of the frame in pixels.

    Returns
    -------
    MapView
        Shown by the notebook as an ``<iframe srcdoc>`` holding the whole page (see
        :func:`to_html`), followed by the static picture
        (:func:`~iraq_atlas.viz.static_maps.print_image_html`).

    Examples
    --------
    >>> view = show(finish(base_map(tiles=False, green_zone=False, boundaries=False, rivers=False)), 400)
    >>> frame = view._repr_html_()
    >>> frame.startswith('<iframe class="ia-map" srcdoc="&lt;!DOCTYPE html&gt;'), "height:400px" in frame
    (True, True)
    """
    return MapView(m, height)


def add_places(m: folium.Map, places: gpd.GeoDataFrame, *, name: str = "Places") -> SafeGeoJson:
    """Gazetteer places as circles coloured by kind, popups with names, precision and source.

    Places without a point are left out; a legend names the kinds drawn.

    Parameters
    ----------
    m : folium.Map
        A map made by :func:`base_map`.
    places : geopandas.GeoDataFrame
        Gazetteer rows (:func:`~iraq_atlas.places.gazetteer.load_places`): ``name``, ``name_ar``,
        ``kind``, ``precision_m``, ``governorate_iso`` and ``source_url``.
    name : str
        The layer's name in the layer switcher.

    Returns
    -------
    SafeGeoJson
        The layer, already added to ``m``.

    Examples
    --------
    >>> from iraq_atlas.places.gazetteer import load_places
    >>> places = load_places()
    >>> m = base_map(tiles=False, green_zone=False, boundaries=False, rivers=False)
    >>> layer = add_places(m, places)
    >>> layer.layer_name, len(layer.payload["data"]["features"]) == int(places.geometry.notna().sum())
    ('Places', True)
    """
    places = places[places.geometry.notna()]
    kinds = [k for k in dict.fromkeys(places["kind"]) if isinstance(k, str)]
    if kinds:
        add_legend(m, "Place kinds", [(k, KIND_COLORS.get(k, DEFAULT_COLOR)) for k in kinds])
    return add_points(
        m, places, name=name, title="name", tooltip="name",
        color=places["kind"].map(KIND_COLORS).fillna(DEFAULT_COLOR),
        radius=7,
        popup=[("name_ar", "Arabic", False), ("kind", "Kind", False), ("precision_m", "Precision (m)", False),
               ("governorate_iso", "Governorate", False), ("source_url", "Source", True)])


# -- incidents ----------------------------------------------------------------------
INCIDENT_POPUP = [("event_day", "Date", False), ("event_type", "Type", False),
                  ("sub_event_type", "Sub-type", False), ("location", "Location", False),
                  ("target", "Target", False), ("killed", "Killed", False), ("injured", "Injured", False),
                  ("actor1", "Actor", False), ("notes", "Notes", False), ("source", "Source", False),
                  ("source_url", "Link", True), ("event_id_cnty", "Id", False)]
HEAT_COLORS = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]


def _count_text(used, low, high) -> pd.Series:
    """'3' or '3 (range 2–5)' per row; empty where no figure is known."""
    used, low, high = (s.astype("object").where(s.notna(), None) for s in (used, low, high))
    out = used.map(lambda v: "" if v is None else str(v))
    has_range = low.notna() & high.notna() & (low != high)
    out[has_range] = out[has_range] + " (range " + low[has_range].astype(str) + "–" \
        + high[has_range].astype(str) + ")"
    return out


def add_heat_cells(m: folium.Map, cells: gpd.GeoDataFrame, *, name: str = "Incident density",
                   show: bool = False) -> SafeGeoJson | None:
    """Draw counted grid cells (see incidents.density_grid) as polygons shaded by count; no plugin."""
    if cells.empty:
        return None
    cells = cells.copy()
    top = int(cells["count"].max())
    step = np.ceil(cells["count"] / top * (len(HEAT_COLORS) - 1)).astype(int).clip(0, len(HEAT_COLORS) - 1)
    cells["_color"] = [HEAT_COLORS[i] for i in step]
    cells["_stroke"], cells["_opacity"], cells["_weight"] = "#7f2704", 0.55, 0.5
    cells["incidents"] = cells["count"].astype(int)
    layer = SafeGeoJson(features(cells, ["incidents", "_color", "_stroke", "_opacity", "_weight"]), name=name,
                        tooltip="incidents", popup=[("incidents", "Incidents in this cell", False)], show=show)
    layer.add_to(m)
    return layer


def incident_map(incidents: gpd.GeoDataFrame, boundaries: Boundaries | None = None,
                 center: tuple[float, float] = IRAQ, zoom: int = 6, *, cluster: bool | None = None,
                 heat_cell_deg: float | None = None, time_slider: bool = True) -> folium.Map:
    """Incidents as circles coloured by event type and sized by casualties, one layer per type.

    The heat layer (off at first) counts incidents on a grid and draws the cells as polygons;
    the time slider filters points by date. Incidents without a point are left out.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Accepted incidents (``load_incidents().accepted``).
    boundaries : Boundaries, optional
        Governorates drawn underneath (see :func:`base_map`; None loads the ADM1 polygons).
    center, zoom
        Initial view, before the view is fitted to the incidents.
    cluster : bool, optional
        Group nearby points; None clusters when there are more than 200 points.
    heat_cell_deg : float, optional
        Grid cell size in degrees (default from the zoom: 0.25°, 0.05° from zoom 8, 0.01° from 11).
    time_slider : bool
        Add a date slider.

    Returns
    -------
    folium.Map
        The finished map (:func:`finish`); its layers are named ``<event type> (<count>)``.

    Examples
    --------
    >>> from iraq_atlas.incidents import load_incidents
    >>> from iraq_atlas.places.boundaries import tile_grid_boundaries
    >>> m = incident_map(load_incidents().accepted, tile_grid_boundaries())
    >>> names = [v for k, v in page_data(to_html(m)[0]).items() if k.startswith("layer_control_")][0]
    >>> names[4:6], names[-1]
    (['Battles (4)', 'Explosions/Remote violence (64)'], 'Incident density (0.25° cells)')
    """
    from iraq_atlas.incidents.aggregate import casualties, density_grid
    from iraq_atlas.vocab import EVENT_TYPES

    pts = incidents[incidents.geometry.notna() & ~incidents.geometry.is_empty].copy()
    if cluster is None:
        cluster = len(pts) > 200
    m = base_map(center, zoom, boundaries=boundaries)
    if pts.empty:
        return finish(m)
    pts["event_day"] = pd.to_datetime(pts["event_date"]).dt.strftime("%Y-%m-%d")
    pts["killed"] = _count_text(pts["fatalities"], pts["fatalities_low"], pts["fatalities_high"])
    pts["injured"] = _count_text(pts["injuries"], pts["injuries_low"], pts["injuries_high"])
    radius = 5 + 2.2 * np.sqrt(casualties(pts).clip(upper=400).astype(float))
    present = set(pts["event_type"])
    order = [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))
    from iraq_atlas.viz import bigpoints

    if len(pts) > bigpoints.BIG_POINTS:   # one canvas layer, a toggle per type, over the same columns
        counts = pts["event_type"].value_counts()
        bigpoints.add_big_points(m, pts, popup=INCIDENT_POPUP, title="location", tooltip="sub_event_type",
                                 category="event_type", layer_names={t: f"{t} ({counts[t]})" for t in order},
                                 color=pts["event_type"].map(EVENT_COLORS).fillna(DEFAULT_COLOR),
                                 radius=radius, time_field="event_day")
        order = []
    for etype in order:
        grp = pts[pts["event_type"] == etype]
        add_points(m, grp, name=f"{etype} ({len(grp)})", popup=INCIDENT_POPUP, title="location",
                   tooltip="sub_event_type", color=EVENT_COLORS.get(etype, DEFAULT_COLOR),
                   radius=radius[grp.index], cluster=cluster, time_field="event_day")
    add_legend(m, "Event types", [(t, EVENT_COLORS.get(t, DEFAULT_COLOR)) for t in order])
    cell = heat_cell_deg or (0.01 if zoom >= 11 else 0.05 if zoom >= 8 else 0.25)
    add_heat_cells(m, density_grid(pts, cell), name=f"Incident density ({cell}° cells)")
    if time_slider:
        add_time_slider(m, pts["event_day"])
    m.add_child(_Attribution("Incidents: Iraq Atlas curated set / user export"))
    return finish(m)


def save_incident_map(incidents: gpd.GeoDataFrame, path: str | os.PathLike, *,
                      boundaries: Boundaries | None = None, center: tuple[float, float] = IRAQ,
                      zoom: int = 6, cluster: bool | None = None, assets_mode: str = "inline") -> Path:
    """Write a self-contained incident map page (one point per incident) and return its path."""
    m = incident_map(incidents, boundaries, center, zoom, cluster=cluster)
    return save_map(m, path, assets_mode=assets_mode)


_DATA_BLOCK = re.compile(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', re.S)


def page_data(page: str) -> dict[str, object]:
    """Every JSON payload of a map page, by element id (what the page's scripts read with IA.data).

    Examples
    --------
    >>> m = finish(base_map(green_zone=False, tiles=False, boundaries=False, rivers=False))
    >>> sorted(page_data(to_html(m)[0]).values(), key=str)
    [[]]
    """
    return {m.group(1): json.loads(m.group(2)) for m in _DATA_BLOCK.finditer(page)}


# -- interactive map ----------------------------------------------------------------------
def seats_folium_map(governorate_seats: pd.DataFrame, year: int, boundaries: Boundaries,
                     governorates: list[str] | None = None):
    """A self-contained folium choropleth of seats per governorate (tile grid when no polygons).

    Parameters
    ----------
    governorate_seats : pandas.DataFrame
        :attr:`~iraq_atlas.elections.load.ElectionData.governorate_seats` (``year``, ``iso_3166_2``,
        ``seats`` and the quota and source columns); every governorate needs a row for ``year``.
    year : int
        The election.
    boundaries : Boundaries
        Governorate polygons, or the tile grid.
    governorates : list of str, optional
        ISO codes coloured by their seats; the others are grey (default: all).

    Returns
    -------
    folium.Map
        The finished map: a layer ``Seats by governorate, <year>`` with a ``<name>: <n> seats``
        tooltip per governorate, and a legend of the seat classes.

    Raises
    ------
    ValueError
        When a governorate has no seat figure for ``year``.

    Examples
    --------
    >>> from iraq_atlas.elections import load_elections
    >>> from iraq_atlas.places.boundaries import tile_grid_boundaries
    >>> m = seats_folium_map(load_elections().governorate_seats, 2021, tile_grid_boundaries(), ["IQ-BG"])
    >>> data = page_data(to_html(m)[0])
    >>> [v for k, v in data.items() if k.startswith("layer_control_")][0][-1], "Baghdad: 71 seats" in str(data)
    ('Seats by governorate, 2021', True)
    """
    import matplotlib as mpl

    from iraq_atlas.viz import maps

    gdf = _seats_geo(governorate_seats, year, boundaries)
    norm = mpl.colors.Normalize(vmin=0, vmax=max(1, int(gdf["seats"].max())))
    cmap = mpl.colormaps["Blues"]
    chosen = set(governorates or gdf["iso_3166_2"])
    gdf["_color"] = [mpl.colors.to_hex(cmap(0.15 + 0.85 * norm(s))) if iso in chosen else "#e0e0e0"
                     for s, iso in zip(gdf["seats"], gdf["iso_3166_2"])]
    gdf["_stroke"], gdf["_opacity"] = "#37474f", 0.75
    gdf["label"] = [f"{n}: {s} seats" for n, s in zip(gdf["name"], gdf["seats"])]
    m = maps.base_map(boundaries=boundaries, green_zone=False)
    top = max(1, int(gdf["seats"].max()))
    steps = sorted({0, round(top / 3), round(2 * top / 3), top})
    maps.add_legend(m, f"Seats, {year}", [(str(v), mpl.colors.to_hex(cmap(0.15 + 0.85 * norm(v)))) for v in steps]
                    + ([("not selected", "#e0e0e0")] if chosen != set(gdf["iso_3166_2"]) else []), shape="square")
    props = ["name", "iso_3166_2", "seats", "minority_seats", "women_quota", "constituencies",
             "source_url", "label", "_color", "_stroke", "_opacity"]
    maps.SafeGeoJson(maps.features(gdf, props), name=f"Seats by governorate, {year}", title="name",
                     tooltip="label",
                     popup=[("iso_3166_2", "ISO 3166-2", False), ("seats", "Seats", False),
                            ("minority_seats", "Minority quota seats", False),
                            ("women_quota", "Women's quota seats", False),
                            ("constituencies", "Constituencies", False), ("source_url", "Source", True)]).add_to(m)
    return maps.finish(m)


def _seats_geo(governorate_seats: pd.DataFrame, year: int, boundaries: Boundaries) -> gpd.GeoDataFrame:
    """Boundaries joined to one year's governorate seats (every governorate must have a row)."""
    part = governorate_seats[governorate_seats["year"] == int(year)].drop(columns=["year"])
    gdf = boundaries.gdf[["iso_3166_2", "name", "geometry"]].merge(part, on="iso_3166_2", how="left")
    missing = gdf.loc[gdf["seats"].isna(), "iso_3166_2"].tolist()
    if missing:
        raise ValueError(f"no {year} seat data for governorates {missing}")
    gdf["seats"] = gdf["seats"].astype(int)
    return gdf


def baghdad_map(focus: gpd.GeoDataFrame, boundaries: Boundaries | None = None,
                bands: Sequence[float] = DEFAULT_BANDS_KM):
    """Folium map of Baghdad incidents with distance rings around the PM residence and the Green Zone.

    Parameters
    ----------
    focus : geopandas.GeoDataFrame
        From :func:`iraq_atlas.analysis.bands.baghdad_focus`; rows placed only by governorate
        (``governorate_only``) are left out.
    boundaries : Boundaries, None or False
        As for :func:`base_map` (False draws no administrative layers).
    bands : sequence of float
        Radii of the rings in km.

    Returns
    -------
    folium.Map
        The finished map: ring layers around the PM residence (shown) and the Green Zone
        outline (hidden at first), and one layer ``Incidents (<n>)``.

    Examples
    --------
    >>> focus = gpd.GeoDataFrame(
    ...     {"governorate_only": [False], "event_date": [pd.Timestamp("2021-11-07")],
    ...      "event_type": ["Explosions/Remote violence"], "sub_event_type": ["Air/drone strike"],
    ...      "location": ["Baghdad"], "area": ["Green Zone"], "band_pm_residence": ["0-1 km"],
    ...      "band_green_zone": ["inside"], "fatalities": [0], "district": ["Karkh"], "flags": [""],
    ...      "source_url": ["https://example.org"], "event_id_cnty": ["X1"]},
    ...     geometry=gpd.points_from_xy([44.390259], [33.307577]), crs=CRS)
    >>> m = baghdad_map(focus, False)
    >>> [v for k, v in page_data(to_html(m)[0]).items() if k.startswith("layer_control_")][0][2:]
    ['Distance from the PM residence (approximate point)', 'Distance from the Green Zone outline', 'Incidents (1)']
    """
    from iraq_atlas.viz import maps

    m = maps.base_map(maps.BAGHDAD, 11, boundaries=boundaries)
    for gdf, name, colour, show in ((rings(bands), "Distance from the PM residence (approximate point)", "#c62828",
                                     True),
                                    (outline_rings(bands), "Distance from the Green Zone outline", "#2e7d32",
                                     False)):
        gdf = gdf.copy()
        gdf["_stroke"], gdf["_color"], gdf["_opacity"], gdf["_weight"], gdf["_dash"] = colour, colour, 0, 1.5, "6 4"
        maps.SafeGeoJson(maps.features(gdf, ["label", "note", "radius_km", "_stroke", "_color", "_opacity",
                                             "_weight", "_dash"]),
                         name=name, tooltip="label", popup=[("label", "Ring", False), ("note", "Note", False)],
                         show=show).add_to(m)
    pts = focus[~focus["governorate_only"].astype(bool)].copy()
    if len(pts):
        pts["event_day"] = pd.to_datetime(pts["event_date"]).dt.strftime("%Y-%m-%d")
        pts["band_pm"] = pts["band_pm_residence"].astype(str)
        pts["band_gz"] = pts["band_green_zone"].astype(str)
        colours = pts["event_type"].map(EVENT_COLORS).fillna(DEFAULT_COLOR)
        maps.add_points(m, pts, name=f"Incidents ({len(pts)})", title="location", tooltip="sub_event_type",
                        color=colours, radius=7,
                        popup=[("event_day", "Date", False), ("event_type", "Type", False),
                               ("sub_event_type", "Sub-type", False), ("area", "Area", False),
                               ("band_pm", "From the PM residence (approximate point)", False),
                               ("band_gz", "From the Green Zone", False), ("fatalities", "Killed", False),
                               ("district", "District", False), ("flags", "Flags", False),
                               ("source_url", "Source", True), ("event_id_cnty", "Id", False)])
        types = sorted(pts["event_type"].dropna().unique())
        maps.add_legend(m, "Event types", [(t, EVENT_COLORS.get(t, DEFAULT_COLOR)) for t in types])
    return maps.finish(m)


