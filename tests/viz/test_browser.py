"""Exported maps, notebook HTML and index.html in a real headless Chromium with the network cut off.

Every page must load with no request leaving file:// or data:, log no console error, start
Leaflet, draw the expected markers and polygons and produce a screenshot that is not blank.
Hostile strings from data must display as text and never run.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pytest
from browser import (
    click_marker,
    clicked_card_link,
    drawn_images,
    hide_controls,
    image_stats,
    ink_share,
    map_stats,
    open_every_popup,
    open_offline,
    point_values,
    points_outside_view,
)
from shapely.geometry import Point

from conftest import NOTEBOOKS, ROOT, run_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PLACES_CSV = ROOT / "geodata" / "places" / "places.csv"
GOVERNORATES_CSV = ROOT / "geodata" / "places" / "governorates.csv"
GOVERNORATE_SEATS_CSV = ROOT / "geodata" / "elections" / "governorate_seats.csv"
EMBEDDED = ROOT / "geodata" / "boundaries"
ADM1_FILE = "irq_admbnda_adm1_cso_20190603.geojson"
IRAQ_GOVERNORATES = 18          # Iraq has 18 governorates (ISO 3166-2:IQ)
BAGHDAD_PCODE = "IQG08"         # OCHA p-code of Baghdad governorate (IQ-BG)
OCHA_CREDIT = "OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO"
PM = "Prime Minister's residence (al-Kadhimi home)"
# Baghdad's districts as OCHA spells them: Karkh, Rusafa, Adhamiya, Kadhimiya, Sadr City (Thawra)
BAGHDAD_DISTRICT_SPELLINGS = ["Al-Karkh", "Al-Risafa", "Al-Adhamiya", "Al-Kadhmiyah", "Al-Thawra"]


def _places_rows() -> list[dict]:
    """The curated places read straight from the CSV (not through the library under test)."""
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _adm1_feature_count(geodata_dir: Path) -> int:
    return len(json.loads((geodata_dir / ADM1_FILE).read_text(encoding="utf-8"))["features"])


def _baghdad_units(level: int) -> list[str]:
    """English names of Baghdad's ADM2 (districts) or ADM3 (sub-districts), read from the embedded files."""
    feats = json.loads((EMBEDDED / f"adm{level}.geojson").read_text(encoding="utf-8"))["features"]
    return [f["properties"][f"ADM{level}_EN"] for f in feats if f["properties"]["ADM1_PCODE"] == BAGHDAD_PCODE]


def _governorate_names() -> list[str]:
    with open(GOVERNORATES_CSV, encoding="utf-8", newline="") as fh:
        return [r["name_en"] for r in csv.DictReader(fh)]


def _curated_baghdad_names() -> list[str]:
    """Names of the curated Baghdad places that have a point, read from places.csv.

    A row without coordinates has a point when its parent does (a curated place with a point,
    recursively, or an OCHA district/sub-district, which always has one).
    """
    rows = _places_rows()
    by_id = {r["place_id"]: r for r in rows}
    pcodes = {f["properties"][f"ADM{k}_PCODE"] for k in (2, 3)
              for f in json.loads((EMBEDDED / f"adm{k}.geojson").read_text(encoding="utf-8"))["features"]}

    def has_point(r, seen=()) -> bool:
        if r["lat"].strip():
            return True
        pid = r["parent_id"].strip()
        if pid in pcodes:
            return True
        return pid in by_id and pid not in seen and has_point(by_id[pid], (*seen, pid))

    return [r["name"] for r in rows if r["governorate_iso"] == "IQ-BG" and has_point(r)]


def _iraq_map_names() -> list[str]:
    """Notebook 01's own filter for the Iraq map: every gazetteer place of kind city/base/airport with a point."""
    from iraq_atlas.places import gazetteer

    places = gazetteer.gazetteer()
    return places[places.lat.notna() & places.kind.isin(["city", "base", "airport"])]["name"].tolist()


def _assert_clean(op) -> None:
    assert op.blocked == [], f"page tried to use the network: {op.blocked}"
    assert op.errors == [], f"console/page errors: {op.errors}"


def _assert_not_blank(png: bytes, *, min_std: float = 4.0, min_colours: int = 20) -> None:
    std, colours = image_stats(png)
    print(f"screenshot: std={std:.1f}, colours={colours}")
    assert std > min_std and colours > min_colours, f"screenshot looks blank: std={std:.1f}, colours={colours}"


@pytest.fixture(scope="session")
def offline_env():
    """Session-wide offline settings for the notebook runs below (the kernels inherit them)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("IRAQ_ATLAS_OFFLINE", "1")
    mp.delenv("IRAQ_ATLAS_BOUNDARIES", raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def nb01_out(offline_env, geodata_dir, tmp_path_factory) -> Path:
    """Notebook 01 run once under papermill with the real boundaries; its output folder."""
    out = tmp_path_factory.mktemp("nb01")
    run_notebook("01_places.ipynb", out, boundaries_path=str(geodata_dir))
    return out


@pytest.fixture(scope="session")
def report_dir(offline_env, geodata_dir, tmp_path_factory) -> Path:
    """A report run of notebook 01 only (jobs=1); the finished run folder."""
    from iraq_atlas.runner.plan import RunOptions, discover, plan
    from iraq_atlas.runner.report import run_report

    jobs = plan(discover(NOTEBOOKS, ["01"]), {"boundaries_path": str(geodata_dir)})
    run_dir, results = run_report(jobs, RunOptions(out=tmp_path_factory.mktemp("report"), jobs=1,
                                                   progress=False))
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return run_dir


def _expected_names(map_name: str) -> list[str]:
    """Names of the places a notebook 01 map is meant to show, sorted (duplicates kept)."""
    return sorted(_curated_baghdad_names() if map_name == "01_baghdad" else _iraq_map_names())


def _expected_polygons(map_name: str, geodata_dir: Path) -> int:
    """Governorates, plus on the Baghdad map its districts, sub-districts and the Green Zone."""
    governorates = _adm1_feature_count(geodata_dir)
    assert governorates == IRAQ_GOVERNORATES
    if map_name == "01_baghdad":
        return governorates + len(_baghdad_units(2)) + len(_baghdad_units(3)) + 1
    return governorates


def _expected_labels(map_name: str) -> list[str]:
    if map_name == "01_baghdad":
        return sorted(_baghdad_units(2) + _baghdad_units(3))
    return sorted(_governorate_names())


def _assert_credits_ocha(stats) -> None:
    assert OCHA_CREDIT in stats["attribution"], stats["attribution"]


# -- the harness itself ------------------------------------------------------------
def test_harness_catches_network_assets_and_errors(chromium, tmp_path):
    """A page linking a CDN script is caught (so a stray asset in a real page would fail the tests)."""
    page = tmp_path / "cdn.html"
    page.write_text('<!DOCTYPE html><html><head>'
                    '<script src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"></script></head>'
                    '<body><script>undefinedFunction()</script></body></html>', encoding="utf-8")
    op = open_offline(chromium, page, wait_for=None)
    try:
        assert op.blocked == ["https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"]
        assert any("undefinedFunction" in e for e in op.errors)
        assert op.page.evaluate("typeof L") == "undefined"
    finally:
        op.close()


# -- maps written by notebook 01 ---------------------------------------------------------
@pytest.mark.parametrize("map_name", ["01_baghdad", "01_iraq"])
@pytest.mark.notebook
def test_notebook01_maps_render_offline(chromium, nb01_out, geodata_dir, map_name):
    op = open_offline(chromium, nb01_out / "maps" / f"{map_name}.html")
    try:
        stats = map_stats(op.page)
        assert stats["leaflet"] and stats["containers"] == 1
        assert sorted(point_values(op.page, "name")) == _expected_names(map_name)
        assert stats["markers"] == len(_expected_names(map_name))
        assert stats["polygons"] == _expected_polygons(map_name, geodata_dir)
        assert sorted(stats["labels"]) == _expected_labels(map_name)
        assert stats["tiles"] == 0, "offline, no tile layer should be added"
        _assert_credits_ocha(stats)
        assert points_outside_view(op.page, "name") == [], "the view does not fit the places"
        assert "Places" in stats["overlays"] and "Governorates" in stats["overlays"]
        if map_name == "01_baghdad":
            assert {"Baghdad: districts", "Baghdad: sub-districts"} <= set(stats["overlays"])
        hide_controls(op.page)
        _assert_not_blank(op.page.screenshot())
        _assert_clean(op)
    finally:
        op.close()


@pytest.mark.notebook
def test_iraq_map_draws_the_18_governorates_with_labels(chromium, nb01_out):
    """Offline, the Iraq map shows every governorate polygon named on the map itself."""
    op = open_offline(chromium, nb01_out / "maps" / "01_iraq.html")
    try:
        stats = map_stats(op.page)
        names = _governorate_names()
        assert len(names) == IRAQ_GOVERNORATES
        assert stats["polygons"] == IRAQ_GOVERNORATES
        assert sorted(stats["labels"]) == sorted(names)
        assert {"Baghdad", "Al Basrah", "Ninawa", "Arbil"} <= set(stats["labels"])
        # the labels are on screen, in the visible map, not only in the layer list
        visible = op.page.evaluate("""() => { const r = window.__iaMap.getContainer().getBoundingClientRect();
            return Array.from(document.querySelectorAll('.ia-label-icon')).filter(e => {
              const b = e.getBoundingClientRect();
              return b.width > 0 && b.left >= r.left && b.right <= r.right && b.top >= r.top && b.bottom <= r.bottom;
            }).length; }""")
        assert visible == IRAQ_GOVERNORATES
        _assert_credits_ocha(stats)
        _assert_clean(op)
    finally:
        op.close()


@pytest.mark.notebook
def test_baghdad_map_draws_districts_and_subdistricts_with_labels(chromium, nb01_out):
    """The Baghdad map draws the ADM2/ADM3 units of IQG08 and names them as OCHA spells them."""
    districts, subdistricts = _baghdad_units(2), _baghdad_units(3)
    assert (len(districts), len(subdistricts)) == (7, 21)
    op = open_offline(chromium, nb01_out / "maps" / "01_baghdad.html")
    try:
        stats = map_stats(op.page)
        # the page opens on its fitted view: no zoom animation still running (one that is undoes
        # any view set meanwhile when it ends)
        view = op.page.evaluate("() => ({animating: !!window.__iaMap._animatingZoom, zoom: window.__iaMap.getZoom()})")
        assert view == {"animating": False, "zoom": 11}
        assert sorted(stats["labels"]) == sorted(districts + subdistricts)
        assert set(BAGHDAD_DISTRICT_SPELLINGS) <= set(stats["labels"])
        drawn = op.page.evaluate("""() => { const out = {district: [], subdistrict: []};
            window.__iaMap.eachLayer(l => { if (l instanceof L.Polygon && l.feature) {
              const p = l.feature.properties;
              if (p.subdistrict_pcode) out.subdistrict.push(p.subdistrict);
              else if (p.district_pcode) out.district.push(p.district); } });
            return out; }""")
        assert sorted(drawn["district"]) == sorted(districts)
        assert sorted(drawn["subdistrict"]) == sorted(subdistricts)
        _assert_credits_ocha(stats)
        hide_controls(op.page)
        _assert_not_blank(op.page.screenshot())
        _assert_clean(op)
    finally:
        op.close()


@pytest.mark.notebook
def test_clicking_a_marker_opens_its_popup(chromium, nb01_out):
    pm = next(r for r in _places_rows() if r["name"] == PM)
    op = open_offline(chromium, nb01_out / "maps" / "01_baghdad.html")
    try:
        map_stats(op.page)
        text = click_marker(op.page, "name", PM)
        assert text.startswith(PM)
        assert pm["name_ar"] in text
        assert "residence" in text
        assert pm["source_url"] in text
        assert clicked_card_link(op.page, PM) == pm["source_url"]
        # the residence shares its point with the Green Zone (and places placed at the zone's point):
        # the one popup names them all
        shared = [r["name"] for r in _places_rows() if r["place_id"] == "green_zone"
                  or r["parent_id"] == "green_zone" and not r["lat"].strip()]
        popup = op.page.inner_text(".leaflet-popup-content")
        assert shared and all(name in popup for name in shared)
        _assert_clean(op)
    finally:
        op.close()


# -- assets side by side, clustering, the tile-grid fallback --------------------------------
def _places_map(boundaries, *, cluster: bool):
    from iraq_atlas.places import gazetteer
    from iraq_atlas.viz import maps

    places = gazetteer.load_places()
    places = places[places.lat.notna() & (places.governorate_iso == "IQ-BG")]
    m = maps.base_map((33.303, 44.395), 12, boundaries=boundaries)
    maps.add_points(m, places, name="Places", title="name", tooltip="name",
                    popup=[("kind", "Kind", False)], cluster=cluster)
    return maps.finish(m)


def test_folder_assets_mode_loads_relative_files(chromium, adm1, tmp_path):
    from iraq_atlas.viz import maps

    path = maps.save_map(_places_map(adm1, cluster=True), tmp_path / "export" / "map.html", assets_mode="folder")
    page = path.read_text(encoding="utf-8")
    assert '<script src="assets/leaflet.js"></script>' in page
    assert '<script src="assets/leaflet.markercluster.js"></script>' in page
    assert "L.Map=" not in page.replace(" ", "")  # Leaflet itself is not inlined in folder mode
    assert sorted(p.name for p in (tmp_path / "export" / "assets").iterdir()) == [
        "MarkerCluster.Default.css", "MarkerCluster.css", "leaflet.css", "leaflet.js", "leaflet.markercluster.js"]
    op = open_offline(chromium, path)
    try:
        expected = sum(r["governorate_iso"] == "IQ-BG" and bool(r["lat"].strip()) for r in _places_rows())
        stats = map_stats(op.page)
        assert stats["clusters"] == 1
        in_cluster = op.page.evaluate("""() => { let n = 0; window.__iaMap.eachLayer(l => {
            if (l instanceof L.MarkerClusterGroup) n += l.getLayers().length; }); return n; }""")
        assert in_cluster == expected
        _assert_credits_ocha(stats)
        # MarkerCluster's stylesheet came from assets/: cluster icons get its colours
        assert op.page.locator(".marker-cluster").count() >= 1
        bg = op.page.eval_on_selector(".marker-cluster", "e => getComputedStyle(e).backgroundColor")
        assert bg not in ("", "rgba(0, 0, 0, 0)")
        hide_controls(op.page)
        _assert_not_blank(op.page.screenshot())
        _assert_clean(op)
    finally:
        op.close()


def test_inline_mode_needs_no_other_file(chromium, adm1, tmp_path):
    from iraq_atlas.viz import maps

    path = maps.save_map(_places_map(adm1, cluster=True), tmp_path / "alone.html")
    assert [p.name for p in tmp_path.iterdir()] == ["alone.html"]
    page = path.read_text(encoding="utf-8")
    assert "<script src=" not in page and "<link rel=\"stylesheet\"" not in page
    op = open_offline(chromium, path)
    try:
        assert map_stats(op.page)["clusters"] == 1
        _assert_clean(op)
    finally:
        op.close()


def test_fallback_map_without_boundaries_is_not_blank(chromium, tmp_path):
    """No polygons at all (offline, nothing cached): the tile grid and Green Zone still draw."""
    from iraq_atlas.places import boundaries
    from iraq_atlas.viz import maps

    grid = boundaries.tile_grid_boundaries()
    assert grid.is_fallback and len(grid.gdf) == IRAQ_GOVERNORATES
    m = maps.finish(maps.base_map(boundaries=grid))
    op = open_offline(chromium, maps.save_map(m, tmp_path / "grid.html"))
    try:
        stats = map_stats(op.page)
        assert stats["polygons"] == IRAQ_GOVERNORATES + 1   # 18 grid squares + the Green Zone
        assert "Tile-grid" in stats["attribution"]
        hide_controls(op.page)
        _assert_not_blank(op.page.screenshot(), min_colours=3)
        _assert_clean(op)
    finally:
        op.close()


# -- the report runner's pages ---------------------------------------------------------
@pytest.mark.notebook
def test_report_index_renders_offline(chromium, report_dir):
    op = open_offline(chromium, report_dir / "index.html", wait_for="#notebooks")
    try:
        page = op.page
        assert page.inner_text("#run-status") == "ok"
        assert page.get_attribute("#notebooks a", "href") == "01_places.html"
        assert sorted(page.eval_on_selector_all("#maps a", "as => as.map(a => a.getAttribute('href'))")) == [
            "maps/01_baghdad.html", "maps/01_iraq.html"]
        widths = page.eval_on_selector_all("#figures img", "is => is.map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == 1 and widths[0] > 100, "the figure did not load"
        _assert_not_blank(page.screenshot(full_page=True))
        _assert_clean(op)
    finally:
        op.close()


@pytest.mark.notebook
def test_report_notebook_html_renders_maps_offline(chromium, report_dir, geodata_dir):
    op = open_offline(chromium, report_dir / "01_places.html", wait_for="iframe.ia-map")
    try:
        page = op.page
        assert page.locator("iframe.ia-map").count() == 2
        frames = [h.content_frame() for h in page.query_selector_all("iframe.ia-map")]
        counts = []
        for frame in frames:
            frame.wait_for_selector(".leaflet-container", state="attached", timeout=15_000)
            assert frame.evaluate("navigator.onLine") is False, "offline emulation did not reach the map iframe"
            s = map_stats(frame)
            assert s["tiles"] == 0
            _assert_credits_ocha(s)
            counts.append((sorted(point_values(frame, "name")), s["polygons"], sorted(s["labels"])))
        assert counts == [(_expected_names(name), _expected_polygons(name, geodata_dir), _expected_labels(name))
                          for name in ("01_baghdad", "01_iraq")]
        # the report's own copies of the map files open too
        _assert_not_blank(page.screenshot())
        _assert_clean(op)
    finally:
        op.close()
    op = open_offline(chromium, report_dir / "maps" / "01_baghdad.html")
    try:
        assert map_stats(op.page)["markers"] == len(_expected_names("01_baghdad"))
        _assert_clean(op)
    finally:
        op.close()


# -- hostile strings -------------------------------------------------------------------
H_IMG = '<img src=x onerror="window.__pwned=1">'
H_SCRIPT = "</script><script>window.__pwned=2</script>"
H_QUOTES = "double \" single ' backtick `${window.__pwned=3}`"
H_BACKSLASH = "back\\slash \\\" \\u003c \\n \\` {{7*7}} {% raw %} {{ '<b>' }} end\\"
JS_URL = "javascript:alert(1)"
JS_URL_2 = " JavaScript:window.__pwned=4"
def _visible_headers(page) -> list[str]:
    return page.eval_on_selector_all("table.ia-table th", "ths => ths.map(th => th.innerText.trim())")


@pytest.mark.notebook
def test_report_pages_read_cleanly_and_reader_headers_in_the_no_input_edition(chromium, offline_env, tmp_path):
    """The code edition's tables show column names, the --no-input edition's reader headers;
    neither page shows a warning, a traceback or a temporary path, and every image is drawn."""
    from iraq_atlas.runner.plan import RunOptions, discover, plan
    from iraq_atlas.runner.report import run_report

    jobs = plan(discover(NOTEBOOKS, ["01"]), {})
    code, results = run_report(jobs, RunOptions(out=tmp_path / "r", jobs=1, progress=False))
    assert [r.status for r in results] == ["ok"]
    readers, results = run_report(jobs, RunOptions(out=tmp_path / "r", jobs=1, progress=False, no_input=True))
    assert [r.status for r in results] == ["ok"] and results[0].cached   # the same run, converted again
    seen = {}
    for edition, folder in (("code", code), ("readers", readers)):
        op = open_offline(chromium, folder / "01_places.html", wait_for="table.ia-table")
        try:
            page = op.page
            headers = _visible_headers(page)
            seen[edition] = headers
            assert "" not in headers                        # no index column
            text = page.inner_text("body")
            for bad in ("Traceback", "Warning:", ".run-", "_work/"):
                assert bad not in text, (edition, bad)
            sizes = page.eval_on_selector_all(".jp-RenderedImage img", "imgs => imgs.map(i => i.naturalWidth)")
            assert sizes and all(w > 100 for w in sizes)
        finally:
            op.close()
    assert "km_to_pm_residence" in seen["code"] and "Km to PM residence" not in seen["code"]
    assert "Km to PM residence" in seen["readers"] and "km_to_pm_residence" not in seen["readers"]
    assert "Precision (m)" in seen["readers"]


def test_notebook_maps_have_a_static_picture_shown_in_print(chromium, tmp_path):
    """On screen the live map, in print its picture: the same points in the same colours."""
    from iraq_atlas.places import gazetteer
    from iraq_atlas.viz import maps
    from iraq_atlas.vocab import KIND_COLORS

    places = gazetteer.gazetteer()
    embassies = places[(places.kind == "embassy") & places.lat.notna()]
    m = maps.base_map(maps.BAGHDAD, 12, tiles=False, green_zone=False, boundaries=False)
    maps.add_places(m, embassies)
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><body>{maps.show(maps.finish(m))._repr_html_()}</body></html>",
                    encoding="utf-8")
    op = open_offline(chromium, page, wait_for="iframe.ia-map")
    try:
        visible = "el => getComputedStyle(el).display !== 'none'"
        assert op.page.eval_on_selector("iframe.ia-map", visible)
        assert not op.page.eval_on_selector("img.ia-map-print", visible)
        op.page.emulate_media(media="print")
        assert not op.page.eval_on_selector("iframe.ia-map", visible)
        assert op.page.eval_on_selector("img.ia-map-print", visible)
        png = op.page.query_selector("img.ia-map-print").screenshot()
        spread, colours = image_stats(png)
        assert spread > 2 and colours > 20                   # a drawn picture, not a blank box
        _assert_clean(op)
    finally:
        op.close()
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    embassy = np.array([int(KIND_COLORS["embassy"][i:i + 2], 16) for i in (1, 3, 5)])
    near = int((np.abs(rgb - embassy).sum(axis=2) < 60).sum())
    assert near > 20 * len(embassies) / 2                  # the embassy points, in their own colour


SAFE_URL = "https://example.org/report?a=1&b=<2>"
H_LAYER = 'Layer <img src=x onerror="window.__pwned=5"> & `${window.__pwned=6}` {{7*7}} {%- raw %}'


@pytest.fixture
def hostile_points() -> gpd.GeoDataFrame:
    """Three points whose name, notes and source are written to break out of HTML, JS or URLs."""
    return gpd.GeoDataFrame(
        {"name": [H_IMG, H_QUOTES, H_SCRIPT],
         "notes": [H_SCRIPT, H_BACKSLASH, H_IMG + " " + H_QUOTES],
         "source": [JS_URL, SAFE_URL, JS_URL_2]},
        geometry=[Point(44.38, 33.30), Point(44.40, 33.31), Point(44.42, 33.32)], crs="EPSG:4326")


def _hostile_map(points):
    from iraq_atlas.viz import maps

    m = maps.base_map((33.31, 44.40), 13)
    maps.add_points(m, points, name=H_LAYER, title="name", tooltip="name",
                    popup=[("notes", "Notes", False), ("source", "Source", True)])
    return maps.finish(m)


def _assert_not_pwned(frame) -> None:
    assert frame.evaluate("typeof window.__pwned") == "undefined", "a string from data was executed"


def test_hostile_strings_display_as_text_in_map(chromium, hostile_points, tmp_path):
    from iraq_atlas.viz import maps

    op = open_offline(chromium, maps.save_map(_hostile_map(hostile_points), tmp_path / "hostile.html"))
    try:
        page = op.page
        stats = map_stats(page)
        assert stats["markers"] == 3
        assert H_LAYER in stats["overlays"], stats["overlays"]
        _assert_credits_ocha(stats)
        assert points_outside_view(page, "name") == []
        records = {r["title"]: r for r in open_every_popup(page) if r["title"] in (H_IMG, H_QUOTES, H_SCRIPT)}
        assert set(records) == {H_IMG, H_QUOTES, H_SCRIPT}
        assert records[H_IMG]["cells"] == [H_SCRIPT, JS_URL]
        assert records[H_QUOTES]["cells"] == [H_BACKSLASH, SAFE_URL]
        assert records[H_SCRIPT]["cells"] == [H_IMG + " " + H_QUOTES, JS_URL_2]
        for title, rec in records.items():
            assert rec["tooltipText"] == title
            assert "<img" not in rec["popupHtml"].replace("&lt;img", "")  # no element, only text
        assert records[H_IMG]["links"] == [] and records[H_SCRIPT]["links"] == []
        assert records[H_QUOTES]["links"] == [SAFE_URL]
        assert page.evaluate("document.querySelectorAll('[href^=\"javascript\" i], img[src=\"x\"]').length") == 0
        # a real click too
        assert click_marker(page, "name", H_QUOTES).startswith(H_QUOTES)
        _assert_not_pwned(page)
        _assert_clean(op)
    finally:
        op.close()


def test_hostile_strings_in_notebook_iframe_display(chromium, hostile_points, tmp_path):
    """maps.show(): the <iframe srcdoc> a notebook displays (and nbconvert keeps) stays inert too."""
    from iraq_atlas.viz import maps

    frag = maps.show(_hostile_map(hostile_points))._repr_html_()
    path = tmp_path / "cell.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{frag}</body></html>",
                    encoding="utf-8")
    op = open_offline(chromium, path, wait_for="iframe.ia-map")
    try:
        frame = op.page.query_selector("iframe.ia-map").content_frame()
        frame.wait_for_selector(".leaflet-container", state="attached")
        assert frame.evaluate("navigator.onLine") is False, "offline emulation did not reach the map iframe"
        assert map_stats(frame)["markers"] == 3
        records = {r["title"]: r for r in open_every_popup(frame) if r["title"]}
        assert records[H_SCRIPT]["cells"][0] == H_IMG + " " + H_QUOTES
        _assert_not_pwned(frame)
        _assert_not_pwned(op.page)
        _assert_clean(op)
    finally:
        op.close()


def test_hostile_strings_display_as_text_in_index(chromium, tmp_path):
    from iraq_atlas.runner.plan import JobResult
    from iraq_atlas.runner.publish import index_html

    bad_map = 'maps/<img src=x onerror="window.__pwned=7">.html'
    res = JobResult(slug="01_places", notebook=H_IMG + ".ipynb", section=H_QUOTES, status="failed",
                    error=f"ValueError: {H_SCRIPT} {H_BACKSLASH}", params={"start": H_IMG, "q": H_QUOTES},
                    outputs=[bad_map], html="01_places.html")
    manifest = {"run_id": "r1", "started": "2021-11-07T00:00:00", "finished": "2021-11-07T00:01:00",
                "status": "failed", "iraq_atlas": "0.1.0"}
    path = tmp_path / "index.html"
    path.write_text(index_html(manifest, [res], H_SCRIPT), encoding="utf-8")
    op = open_offline(chromium, path, wait_for="#notebooks")
    try:
        page = op.page
        assert page.title() == H_SCRIPT
        assert page.inner_text("h1") == H_SCRIPT
        row = page.query_selector("#notebooks tbody tr")
        cells = row.eval_on_selector_all("td", "tds => tds.map(td => td.textContent)")
        assert cells[0] == H_IMG + ".ipynb"
        assert cells[1] == H_QUOTES
        assert cells[4] == f"ValueError: {H_SCRIPT} {H_BACKSLASH}"
        assert cells[5] == f"start={H_IMG}, q={H_QUOTES}"
        assert page.inner_text("#maps a") == '<img src=x onerror="window.__pwned=7">.html'
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        _assert_not_pwned(page)
        _assert_clean(op)  # the literal text is never fetched as an image
    finally:
        op.close()


def test_index_search_finds_pages_and_shows_hostile_text_as_text(chromium, tmp_path):
    from iraq_atlas.runner.plan import JobResult
    from iraq_atlas.runner.publish import index_html

    res = [JobResult(slug="01_places", notebook="01_places.ipynb", section="", status="ok", html="01_places.html"),
           JobResult(slug="02_x", notebook="02_x.ipynb", section="years = 2021", status="ok", html="02_x.html")]
    search = [{"title": "Places", "href": "01_places.html", "section": "", "notebook": "01_places.ipynb",
               "text": f"The Green Zone holds the embassy. {H_SCRIPT} {H_IMG}"},
              {"title": "Elections", "href": "javascript:window.__pwned=9", "section": "years = 2021",
               "notebook": "02_x.ipynb", "text": "Seats by governorate"}]
    manifest = {"run_id": "r1", "started": "2021-11-07T00:00:00", "finished": "2021-11-07T00:01:00",
                "status": "ok", "iraq_atlas": "0.1.0"}
    path = tmp_path / "index.html"
    path.write_text(index_html(manifest, res, "Report", search), encoding="utf-8")
    op = open_offline(chromium, path, wait_for="#search")
    try:
        page = op.page
        page.fill("#search", "green zone")
        items = page.eval_on_selector_all("#search-results li", "lis => lis.map(li => li.textContent)")
        assert len(items) == 1 and items[0].startswith("Places") and "Green Zone holds" in items[0]
        assert page.get_attribute("#search-results a", "href") == "01_places.html"
        page.fill("#search", "window.__pwned")
        items = page.eval_on_selector_all("#search-results li", "lis => lis.map(li => li.textContent)")
        assert len(items) == 1 and H_SCRIPT in items[0] and H_IMG in items[0]
        page.fill("#search", "2021")
        assert page.inner_text("#search-results a") == "Elections (years = 2021)"
        assert page.get_attribute("#search-results a", "href") is None   # not a page of the report
        page.fill("#search", "nowhere at all")
        assert page.inner_text("#search-results") == "No page mentions \u201cnowhere at all\u201d."
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        _assert_not_pwned(page)
        _assert_clean(op)
    finally:
        op.close()


def test_cli_incident_map_with_time_slider(chromium, tmp_path, geodata_dir):
    """`iraq-atlas map` on a user's ACLED export: one point per accepted row; the slider filters by date."""
    from synthetic import ACLED_HEADER
    from synthetic import acled_row as _acled_row

    from iraq_atlas.cli import main

    rows = [
        _acled_row(event_id_cnty="IRQ1", event_date="2021-10-19", event_type="Protests",
                   sub_event_type="Peaceful protest", notes="sit-in <b>one</b>", latitude="33.31", longitude="44.40"),
        _acled_row(event_id_cnty="IRQ2", event_date="2021-11-05", event_type="Riots",
                   sub_event_type="Violent demonstration", fatalities="2", latitude="33.30", longitude="44.38"),
        _acled_row(event_id_cnty="IRQ3", event_date="2021-11-07", latitude="33.3075", longitude="44.39"),
        _acled_row(event_id_cnty="IRQ4", event_date="2021-11-08", latitude="44.39", longitude="33.30"),  # swapped
    ]
    src = tmp_path / "acled.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_HEADER)
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "incidents.html"
    assert main(["map", "--source", str(src), "--boundaries", str(geodata_dir), "--out", str(out)]) == 0
    op = open_offline(chromium, out)
    try:
        stats = map_stats(op.page)
        assert stats["markers"] == 3                       # the swapped row was rejected, not drawn
        _assert_credits_ocha(stats)
        assert points_outside_view(op.page, "event_id_cnty") == []
        assert {"Protests (1)", "Riots (1)", "Explosions/Remote violence (1)"} <= set(stats["overlays"])
        slider = op.page.locator("input.ia-time-input")
        assert slider.count() == 1
        op.page.evaluate("""() => { const s = document.querySelector('input.ia-time-input');
            s.value = 0; s.dispatchEvent(new Event('input')); }""")
        assert map_stats(op.page)["markers"] == 1          # only 19 Oct is on or before the first day
        assert "2021-10-19" in op.page.locator(".ia-time-label").inner_text()
        op.page.evaluate("""() => { const s = document.querySelector('input.ia-time-input');
            s.value = s.max; s.dispatchEvent(new Event('input')); }""")
        assert map_stats(op.page)["markers"] == 3
        texts = " ".join(p.get("popupText") or "" for p in open_every_popup(op.page))
        assert "sit-in <b>one</b>" in texts
        _assert_clean(op)
    finally:
        op.close()


def test_large_point_layer_keeps_every_point_and_stays_inert(chromium, hostile_points, tmp_path):
    """Above maps.COMPACT_POINTS the page receives columns, not GeoJSON: same points, same escaped text."""
    import numpy as np

    from iraq_atlas.viz import maps

    n = maps.COMPACT_POINTS + 200
    rng = np.random.default_rng(7)
    names = [f"event {i}" for i in range(n)]
    names[5], names[6] = H_IMG, H_SCRIPT
    pts = gpd.GeoDataFrame({"name": names, "notes": ["same note"] * (n - 1) + [H_QUOTES],
                            "source": [SAFE_URL] * (n - 1) + [JS_URL]},
                           geometry=gpd.points_from_xy(rng.uniform(44.2, 44.6, n), rng.uniform(33.2, 33.45, n)),
                           crs="EPSG:4326")
    m = maps.base_map((33.31, 44.40), 11)
    maps.add_points(m, pts, name="Many", title="name", tooltip="name", cluster=True,
                    popup=[("notes", "Notes", False), ("source", "Source", True)])
    page_html = maps.to_html(maps.finish(m))[0]
    assert H_IMG not in page_html and "</script><script>window.__pwned" not in page_html
    op = open_offline(chromium, maps.save_map(m, tmp_path / "many.html"))
    try:
        page = op.page
        map_stats(page)
        in_cluster = page.evaluate("""() => { let n = 0; window.__iaMap.eachLayer(l => {
            if (l instanceof L.MarkerClusterGroup) n += l.getLayers().length; }); return n; }""")
        assert in_cluster == n
        found = page.evaluate("""(names) => { const out = {}; window.__iaMap.eachLayer(l => {
            if (l instanceof L.MarkerClusterGroup) l.getLayers().forEach(m => {
              const p = m.feature.properties; if (names.includes(p.name)) out[p.name] = [p.notes, p.source]; }); });
            return out; }""", [H_IMG, H_SCRIPT, names[-1]])
        assert found[H_IMG] == ["same note", SAFE_URL]
        assert found[names[-1]] == [H_QUOTES, JS_URL]
        _assert_not_pwned(page)
        _assert_clean(op)
    finally:
        op.close()


@pytest.fixture(scope="module")
def default_report(offline_env, tmp_path_factory):
    """The default report: every shipped notebook with its defaults, the embedded boundaries, offline."""
    from iraq_atlas.runner.plan import RunOptions, discover, plan
    from iraq_atlas.runner.report import run_report

    run_dir, results = run_report(plan(discover(NOTEBOOKS), {}),
                                  RunOptions(out=tmp_path_factory.mktemp("default") / "r", jobs=2, progress=False))
    assert [r.status for r in results] == ["ok"] * len(results), [(r.slug, r.error) for r in results]
    return run_dir, results


FIGURES = """() => Array.from(document.querySelectorAll('img')).filter(i => !i.classList.contains('ia-map-print'))
  .map(i => [i.naturalWidth, i.naturalHeight])"""
FIGURE_SELECTOR = "img:not(.ia-map-print)"
# A figure with something drawn: not one flat colour (pixel spread, distinct colours) and more ink than an
# empty frame. An empty axes box with its title and tick labels inks about 1 % of a 9 x 5 inch figure; the
# sparsest real chart of the default report (one point, a caption) about 2.5 %.
FIGURE_MIN_STD, FIGURE_MIN_COLOURS, FIGURE_MIN_INK = 10.0, 100, 0.018


def _figure_problem(png: bytes) -> str:
    """'' when a figure image has content; otherwise what is wrong with it."""
    std, colours = image_stats(png)
    ink = ink_share(png)
    if std <= FIGURE_MIN_STD or colours <= FIGURE_MIN_COLOURS or ink <= FIGURE_MIN_INK:
        return f"looks empty: std={std:.1f}, colours={colours}, ink={ink:.3f}"
    return ""


def test_figure_check_rejects_blank_and_empty_charts(chromium, tmp_path):
    """The figure check of the report test fails a blank image and an empty axes frame, passes a chart."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def png(draw) -> str:
        fig, ax = plt.subplots(figsize=(9, 5))
        draw(ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    def frame_only(ax):
        ax.set_title("Incidents per week")
        ax.text(0.5, 0.5, "nothing to plot", ha="center", transform=ax.transAxes)

    def bars(ax):
        ax.bar(range(12), [3, 5, 2, 8, 6, 4, 9, 7, 1, 5, 6, 3], color="#546e7a")
        ax.set_title("Incidents per week")

    def blank(ax):
        ax.set_axis_off()

    page = tmp_path / "figures.html"
    page.write_text("<!DOCTYPE html><html><body>" + "".join(
        f'<img src="{png(f)}">' for f in (bars, frame_only, blank)) + "</body></html>", encoding="utf-8")
    op = open_offline(chromium, page, wait_for="img")
    try:
        verdicts = [_figure_problem(p) for _, p in drawn_images(op.page, FIGURE_SELECTOR)]
        assert verdicts[0] == "", verdicts
        assert verdicts[1].startswith("looks empty") and verdicts[2].startswith("looks empty"), verdicts
        _assert_clean(op)
    finally:
        op.close()
PRINT_PICTURES = "() => Array.from(document.querySelectorAll('img.ia-map-print')).map(i => i.naturalWidth)"


@pytest.mark.notebook
def test_every_page_of_the_default_report_reads_cleanly(chromium, default_report):
    """Each page of the default report: no warning or traceback, no temporary path and no path of the
    machine that ran it, every figure drawn with content (not one flat colour, not an empty frame),
    every map with its print picture, tables without an index column; nothing fetched from a network."""
    import iraq_atlas

    run_dir, results = default_report
    assert len(results) >= 6
    machine = {str(ROOT), str(Path(iraq_atlas.__file__).resolve().parents[1])}  # the checkout, the install
    for r in results:
        op = open_offline(chromium, run_dir / r.html, wait_for="body")
        try:
            page = op.page
            text = page.inner_text("body")
            for bad in ("Traceback", "Warning:", "UserWarning", "FutureWarning", ".run-", "_work/", *machine):
                assert bad not in text, (r.slug, bad)
            headers = page.eval_on_selector_all("table.ia-table th", "ths => ths.map(th => th.innerText.trim())")
            assert "" not in headers, r.slug
            figures = page.evaluate(FIGURES)
            assert all(w > 50 and h > 50 for w, h in figures), (r.slug, figures)
            drawn = drawn_images(page, FIGURE_SELECTOR)
            assert len(drawn) == len(figures), r.slug
            problems = [(src, _figure_problem(png)) for src, png in drawn]
            assert not [p for p in problems if p[1]], (r.slug, problems)
            maps = page.eval_on_selector_all("iframe.ia-map", "fs => fs.length")
            assert figures or maps, r.slug
            prints = page.evaluate(PRINT_PICTURES)
            assert len(prints) == maps and all(w > 100 for w in prints), (r.slug, maps, prints)
            assert op.blocked == [], (r.slug, op.blocked[:3])
        finally:
            op.close()


SEATS_CAPTION = "Seats by governorate and election"
SEATS_TABLE = """(caption) => { const t = Array.from(document.querySelectorAll('table.ia-table'))
  .find(t => t.caption && t.caption.innerText.trim() === caption);
  if (!t) return null;
  const cells = row => Array.from(row.cells).map(c => c.innerText.trim());
  const head = span => Array.from(t.tHead.rows[0].cells).map(c => c.querySelector(span).textContent.trim());
  return {code: head('.ia-code'), reader: head('.ia-reader'), body: Array.from(t.tBodies[0].rows).map(cells)}; }"""


@pytest.mark.notebook
def test_default_report_compares_seats_in_a_governorate_by_election_pivot(chromium, default_report):
    """Notebook 02's seat table reads across the elections: one row per governorate, one column per
    election year (the defaults 2018, 2021, 2025), no index column, whole numbers as in
    governorate_seats.csv."""
    run_dir, _ = default_report
    op = open_offline(chromium, run_dir / "02_elections.html", wait_for="table.ia-table")
    try:
        table = op.page.evaluate(SEATS_TABLE, SEATS_CAPTION)
        _assert_clean(op)
    finally:
        op.close()
    assert table is not None, f"no table captioned {SEATS_CAPTION!r}"
    assert table["code"] == ["name", "2018", "2021", "2025"]              # the code edition's headers
    assert table["reader"] == ["Governorate", "2018", "2021", "2025"]     # the --no-input edition's
    with open(GOVERNORATES_CSV, encoding="utf-8", newline="") as fh:
        names = {r["iso_3166_2"]: r["name_en"] for r in csv.DictReader(fh)}
    with open(GOVERNORATE_SEATS_CSV, encoding="utf-8", newline="") as fh:
        expected = {}
        for r in csv.DictReader(fh):
            expected.setdefault(names[r["iso_3166_2"]], {})[r["year"]] = r["seats"]
    rows = {row[0]: dict(zip(["2018", "2021", "2025"], row[1:])) for row in table["body"]}
    assert len(table["body"]) == len(rows) == IRAQ_GOVERNORATES
    assert rows == expected
    assert rows["Baghdad"]["2018"] == "71"         # read by hand from governorate_seats.csv
    assert rows["Ninawa"]["2025"] == "34"          # (the same allocation in all three elections)
