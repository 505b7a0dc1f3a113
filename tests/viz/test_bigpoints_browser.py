"""A 100,000-event incident map (the canvas layer of viz.bigpoints) in headless Chromium, offline.

Every event must stay reachable through the clusters, popups must show the source row,
the per-type toggles and the date slider must filter the same columns, hostile strings
must display as text and nothing may be fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from browser import map_stats, open_offline
from test_browser import H_IMG, H_LAYER, H_QUOTES, H_SCRIPT, JS_URL, SAFE_URL, _assert_clean, _assert_not_pwned

pytestmark = [pytest.mark.slow, pytest.mark.browser]

N = 100_000
HOSTILE_ROW, LINK_ROW, SAME_SPOT = 17, 18, (40, 41)

READY = """() => { const l = (window.IA && IA.bigLayers || [])[0];
  return !!(l && l.view && !l.pending && window.__iaMap && l.view.z === window.__iaMap.getZoom()); }"""
TOTAL = "() => Array.from(IA.bigLayers[0].view.count).reduce((a, b) => a + b, 0)"


@pytest.fixture(scope="module")
def events():
    from synthetic import synthetic_incidents

    g = synthetic_incidents(N, seed=5)
    g.loc[HOSTILE_ROW, ["location", "notes", "actor1"]] = [H_IMG, H_SCRIPT, H_QUOTES]
    g.loc[LINK_ROW, ["source_url", "notes"]] = [JS_URL, H_IMG]
    g.loc[LINK_ROW + 1, "source_url"] = SAFE_URL
    g.loc[[2, 3, 4], "event_type"] = H_LAYER           # a hostile type: its toggle's name must stay text
    g.loc[SAME_SPOT[1], "geometry"] = g.loc[SAME_SPOT[0], "geometry"]
    return g


@pytest.fixture(scope="module")
def page_path(events, tmp_path_factory) -> Path:
    from iraq_atlas.viz import maps

    path = maps.save_map(maps.incident_map(events), tmp_path_factory.mktemp("big") / "big.html")
    text = path.read_text(encoding="utf-8")
    assert H_IMG not in text and H_SCRIPT not in text
    return path


def _open(chromium, path):
    op = open_offline(chromium, path)
    map_stats(op.page)
    op.page.wait_for_function(READY, timeout=30_000)
    return op


def _expected(row: pd.Series) -> dict[str, str]:
    """The popup fields of a source row, as the page must show them (empty fields are left out)."""
    from iraq_atlas.viz import maps

    one = pd.DataFrame([row])
    values = {"event_day": row["event_date"].strftime("%Y-%m-%d"),
              "killed": maps._count_text(one["fatalities"], one["fatalities_low"], one["fatalities_high"]).iloc[0],
              "injured": maps._count_text(one["injuries"], one["injuries_low"], one["injuries_high"]).iloc[0]}
    out = {}
    for field, label, _ in maps.INCIDENT_POPUP:
        v = values.get(field, row.get(field))
        if v is not None and not pd.isna(v) and str(v) != "":
            out[label] = str(v)
    return out


def _popup_at_max_zoom(page, i: int) -> dict:
    """Zoom to event i at the deepest zoom, click where it is drawn, return the popup's title and fields."""
    page.evaluate("""(i) => { const l = IA.bigLayers[0], map = window.__iaMap;
        map.closePopup(); map.setView(l.latLng(i), map.getMaxZoom(), {animate: false}); }""", i)
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')", timeout=5_000)  # closed ones fade
    page.wait_for_function(READY, timeout=10_000)
    xy = page.evaluate("""(i) => { const l = IA.bigLayers[0], v = l.view, map = window.__iaMap;
        const r = map.getContainer().getBoundingClientRect();
        for (let j = 0; j < v.count.length; j++) {
          if (v.idx[j] === i) {   // the event itself, or the first of the events at its spot
            const ws = 256 * Math.pow(2, v.z), o = map.getPixelOrigin();
            const p = map.layerPointToContainerPoint([v.x[j] * ws - o.x, v.y[j] * ws - o.y]);
            return {x: r.left + p.x, y: r.top + p.y, count: v.count[j]}; } }
        return null; }""", i)
    assert xy is not None, f"event {i} is not drawn at the deepest zoom"
    page.mouse.click(xy["x"], xy["y"])
    page.wait_for_selector(".leaflet-popup-content .ia-card", timeout=5_000)
    return page.evaluate("""() => { const el = document.querySelector('.leaflet-popup-content');
        const card = el.querySelector('.ia-card'), fields = {};
        card.querySelectorAll('tr').forEach(tr => { fields[tr.querySelector('th').textContent] = tr.querySelector('td').textContent; });
        const nav = el.querySelector('.ia-big-nav');
        return {title: (card.querySelector('b') || {}).textContent, fields: fields, html: el.innerHTML,
                links: Array.from(el.querySelectorAll('a')).map(a => a.getAttribute('href')),
                nav: nav ? nav.textContent : null}; }""")


def test_every_event_is_in_a_cluster_at_low_zoom(chromium, page_path, events):
    op = _open(chromium, page_path)
    try:
        page = op.page
        assert page.evaluate("() => window.__iaMap.getZoom()") == 6
        assert page.evaluate(TOTAL) == N
        assert page.evaluate("() => IA.bigLayers[0].view.total") == N
        assert page.evaluate("() => IA.bigLayers[0].view.count.length") < 200   # aggregated, not 100k circles
        assert page.evaluate("() => IA.bigLayers[0].engine.mode") == "worker"
        page.evaluate("() => { window.__iaMap.setZoom(4, {animate: false}); }")
        page.wait_for_function(READY, timeout=10_000)
        assert page.evaluate(TOTAL) == N
        _assert_clean(op)
    finally:
        op.close()


def test_popup_at_max_zoom_equals_the_source_row(chromium, page_path, events):
    op = _open(chromium, page_path)
    try:
        for i in (0, 54_321, N - 1, HOSTILE_ROW, LINK_ROW + 1):
            got = _popup_at_max_zoom(op.page, i)
            row = events.iloc[i]
            assert got["fields"] == _expected(row), i
            assert got["title"] == row["location"]
        assert got["links"] == [SAFE_URL]
        # two events at one spot: a popup pages through both
        got = _popup_at_max_zoom(op.page, SAME_SPOT[0])
        assert got["nav"] is not None and "of 2" in got["nav"]
        ids = {got["fields"]["Id"]}
        op.page.evaluate("() => document.querySelector('.ia-big-nav .ia-next').click()")
        ids.add(op.page.evaluate("() => Array.from(document.querySelectorAll('.ia-card th'))"
                                 ".find(th => th.textContent === 'Id').nextSibling.textContent"))
        assert ids == {events.iloc[j]["event_id_cnty"] for j in SAME_SPOT}
        _assert_clean(op)
    finally:
        op.close()


def test_hostile_strings_show_as_text(chromium, page_path, events):
    op = _open(chromium, page_path)
    try:
        got = _popup_at_max_zoom(op.page, HOSTILE_ROW)
        assert got["title"] == H_IMG
        assert got["fields"]["Notes"] == H_SCRIPT and got["fields"]["Actor"] == H_QUOTES
        assert "<img" not in got["html"]
        got = _popup_at_max_zoom(op.page, LINK_ROW)
        assert got["fields"]["Link"] == JS_URL and got["links"] == []      # not made a link
        labels = op.page.eval_on_selector_all(".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())")
        assert f"{H_LAYER} (3)" in labels
        _assert_not_pwned(op.page)
        _assert_clean(op)
    finally:
        op.close()


def test_type_toggle_hides_exactly_its_count(chromium, page_path, events):
    op = _open(chromium, page_path)
    try:
        page = op.page
        counts = events["event_type"].value_counts()
        label = page.locator(".leaflet-control-layers-overlays label", has_text=f"Riots ({counts['Riots']})")
        label.locator("input").click()
        page.wait_for_function(READY, timeout=10_000)
        assert page.evaluate(TOTAL) == N - counts["Riots"]
        page.locator(".leaflet-control-layers-overlays label", has_text="Protests (").locator("input").click()
        page.wait_for_function(READY, timeout=10_000)
        assert page.evaluate(TOTAL) == N - counts["Riots"] - counts["Protests"]
        label.locator("input").click()
        page.wait_for_function(READY, timeout=10_000)
        assert page.evaluate(TOTAL) == N - counts["Protests"]
        _assert_clean(op)
    finally:
        op.close()


def test_slider_filters_by_date(chromium, page_path, events):
    op = _open(chromium, page_path)
    try:
        page = op.page
        days = sorted(set(events["event_date"].dt.strftime("%Y-%m-%d")))
        for k in (0, 1000, len(days) - 2, len(days) - 1):
            page.evaluate("""(k) => { const s = document.querySelector('input.ia-time-input');
                s.value = k; s.dispatchEvent(new Event('input')); }""", k)
            page.wait_for_function(READY, timeout=10_000)
            expected = int((events["event_date"].dt.strftime("%Y-%m-%d") <= days[k]).sum())
            assert page.evaluate(TOTAL) == expected, days[k]
            assert days[k] in page.locator(".ia-time-label").inner_text()
        _assert_clean(op)
    finally:
        op.close()
