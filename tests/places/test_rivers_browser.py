"""The Iraq and Baghdad maps draw the rivers offline, in headless Chromium, and credit them."""

from __future__ import annotations

import pytest
from browser import map_stats, open_offline

from iraq_atlas.places.rivers import RIVERS_ATTRIBUTION
from iraq_atlas.viz import maps

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DRAWN_LINES = """() => { const out = [];
  window.__iaMap.eachLayer(l => {
    if (l instanceof L.Polyline && !(l instanceof L.Polygon) && l.feature && l._parts && l._parts.length)
      out.push([l.feature.properties.name, l.getLatLngs().flat(2).length]); });
  return out; }"""


@pytest.mark.parametrize("area, in_view", [("iraq", {"Tigris", "Euphrates", "Shatt al-Arab"}),
                                           ("baghdad", {"Tigris", "Euphrates"})])
def test_rivers_are_drawn_offline_with_their_credit(chromium, tmp_path, area, in_view):  # noqa: F811
    """Lines with rendered parts: the ones in the view (the Shatt al-Arab is far from Baghdad)."""
    path = maps.save_map(maps.finish(maps.base_map(area=area, tiles=False)), tmp_path / f"{area}.html")
    op = open_offline(chromium, path)
    try:
        stats = map_stats(op.page)
        lines = dict(op.page.evaluate(DRAWN_LINES))
        assert set(lines) == in_view
        assert lines["Tigris"] > 50
        assert RIVERS_ATTRIBUTION in stats["attribution"] and "Rivers" in stats["overlays"]
        assert op.blocked == [] and op.errors == []
    finally:
        op.close()
