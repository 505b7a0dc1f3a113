"""viz.static_maps: the print picture of a map draws its shown layers, in their colours, with its legends."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_hex
from shapely.geometry import Point, box

from iraq_atlas.viz import bigpoints, maps
from iraq_atlas.viz.static_maps import print_image_html, static_map


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    kinds = np.where(np.arange(n) % 3 == 0, "Battles", "Riots")
    return gpd.GeoDataFrame({"event_type": kinds, "location": [f"p{i}" for i in range(n)]},
                            geometry=[Point(44 + rng.random(), 33 + rng.random()) for _ in range(n)], crs=4326)


def test_every_point_of_a_large_layer_is_drawn_in_its_colour():
    pts = _points(1500)
    colours = {"Battles": "#9467bd", "Riots": "#ff7f0e"}
    m = maps.base_map(maps.IRAQ, 6, tiles=False, green_zone=False, boundaries=False)
    bigpoints.add_big_points(m, pts, popup=[("location", "Place", False)], category="event_type",
                             color=pts["event_type"].map(colours))
    fig = static_map(maps.finish(m))
    drawn = fig.axes[0].collections[-1]
    assert np.allclose(np.sort(drawn.get_offsets()[:, 0]), np.sort(pts.geometry.x), atol=1e-5)
    got = [to_hex(c) for c in drawn.get_facecolors()]
    assert got.count("#9467bd") == 500 and got.count("#ff7f0e") == 1000
    plt.close(fig)


def test_hidden_layers_stay_out_and_legends_and_credits_come_along():
    m = maps.base_map(maps.IRAQ, 6, tiles=False, green_zone=False, boundaries=False)
    shown = gpd.GeoDataFrame({"_color": ["#2e7d32"]}, geometry=[box(44, 33, 45, 34)], crs=4326)
    hidden = gpd.GeoDataFrame({"_color": ["#c62828"]}, geometry=[box(40, 30, 41, 31)], crs=4326)
    maps.SafeGeoJson(maps.features(shown, ["_color"]), name="shown").add_to(m)
    maps.SafeGeoJson(maps.features(hidden, ["_color"]), name="hidden", show=False).add_to(m)
    maps.add_legend(m, "Zones", {"Green <Zone>": "#2e7d32"}, shape="square")
    fig = static_map(maps.finish(m))
    ax = fig.axes[0]
    faces = {to_hex(c[:3]) for coll in ax.collections for c in coll.get_facecolors()}
    assert faces == {"#2e7d32"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Green <Zone>"]
    assert ax.get_legend().get_title().get_text() == "Zones"
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fitted = next(c for c in m._children.values() if isinstance(c, maps._FitBounds)).payload["bounds"]
    (south, west), (north, east) = fitted                      # the view the live map opens with
    assert x0 <= west and x1 >= east and y0 <= south and y1 >= north
    assert round((x0 + x1) / 2, 6) == round((west + east) / 2, 6)
    plt.close(fig)
    html = print_image_html(m, alt='map "of" zones')
    assert 'class="ia-map-print" alt="map &quot;of&quot; zones" src="data:image/png;base64,' in html
    assert "@media print" in html
