"""Headless Chromium for the browser tests: offline pages, Leaflet inspection, screenshot checks.

Not a test module. ``chromium`` is a fixture (import it into a test module) handing every test
the one browser of the session;
:func:`open_offline` opens a page with the network cut off and records every request
that tried to leave file:// or data:, every console error and every page error, so a
test can assert that a page needs nothing from the network and runs cleanly.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from slowguard import require_slow

ENV_REQUIRE = "IRAQ_ATLAS_REQUIRE_BROWSER"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync",
               # keep sandboxed srcdoc iframes (notebook map displays) in the page's process, so the
               # offline emulation and request routing reach them too
               "--disable-features=IsolateSandboxedIframes"]
VIEWPORT = {"width": 1000, "height": 700}
_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
_NAVIGATOR_OFFLINE = ("Object.defineProperty(Navigator.prototype, 'onLine', "
                      "{get: () => false, configurable: true});")


def find_chromium() -> str | None:
    """The system Chromium (Debian ``chromium``); Playwright's own downloads are never used."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _unavailable(reason: str):
    """Skip with the reason, unless CI demands the browser (then the missing browser is a failure)."""
    if os.environ.get(ENV_REQUIRE):
        pytest.fail(f"{reason}, but {ENV_REQUIRE} is set: the browser tests must run here")
    pytest.skip(reason)


_SHARED: dict = {}


@pytest.fixture
def chromium(request):
    """The one headless Chromium of the session (launched from the system binary on first use).

    Only for tests marked ``slow`` (and ``browser``); an unmarked test that asks for it fails.
    """
    require_slow("uses headless Chromium", request.node)
    if "browser" in _SHARED:
        return _SHARED["browser"]
    exe = find_chromium()
    if exe is None:
        _unavailable("no chromium binary on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[test]')")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=exe, headless=True, args=LAUNCH_ARGS)

    def close():
        _SHARED.clear()
        browser.close()
        pw.stop()

    request.session.config.add_cleanup(close)   # closed once, when the session ends
    _SHARED["browser"] = browser
    return browser


@dataclass
class OfflinePage:
    """A page opened with no network, plus what it tried to fetch and what went wrong."""

    page: object
    context: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


def open_offline(browser, path: Path | str, *, wait_for: str | None = ".leaflet-container") -> OfflinePage:
    """Open a local file with the network blocked twice over (offline mode and a route that aborts).

    Any request not for file://, data:, about: or blob: is aborted and listed in ``blocked``;
    console messages of type error and uncaught page errors are listed in ``errors``.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.set_offline(True)
    # Some Chromium releases leave navigator.onLine true under the offline emulation (seen with
    # Debian's 150 and Playwright 1.65); a browser with no connection reports false, and the
    # pages read it to decide on tiles, so every frame of the context is told so as well.
    context.add_init_script(_NAVIGATOR_OFFLINE)
    op = OfflinePage(page=None, context=context)

    def route(r):
        url = r.request.url
        if url.startswith(_LOCAL_SCHEMES):
            r.continue_()
        else:
            op.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: op.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: op.errors.append(f"pageerror: {e}"))
    op.page = page
    url = path if isinstance(path, str) and "://" in path else Path(path).resolve().as_uri()
    page.goto(url, wait_until="load")
    if wait_for:
        page.wait_for_selector(wait_for, state="attached", timeout=15_000)
    return op


# JavaScript run in a map page (or a map iframe): find folium's L.Map and describe its layers.
_FIND_MAP = """
() => {
  const names = Object.keys(window).filter(k => {
    try { return k !== '__iaMap' && typeof L !== 'undefined' && window[k] instanceof L.Map; } catch (e) { return false; }
  });
  if (names.length !== 1) { throw new Error('expected one L.Map on the page, found ' + names.length); }
  window.__iaMap = window[names[0]];
  return names[0];
}
"""

_MAP_STATS = """
() => {
  const map = window.__iaMap;
  let markers = 0, polygons = 0, lines = 0, tiles = 0, clusters = 0, labels = [];
  map.eachLayer(l => {
    const icon = l.options && l.options.icon;
    if (l instanceof L.Marker && icon && /ia-label-icon/.test(icon.options.className || '')) {
      labels.push((l.getElement() || {}).textContent || '');  // a place-name label, not a data point
    }
    else if (l instanceof L.CircleMarker || l instanceof L.Marker) { markers++; }
    else if (l instanceof L.Polygon) { polygons++; }
    else if (l instanceof L.Polyline) { lines++; }
    else if (l instanceof L.TileLayer) { tiles++; }
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) { clusters++; }
  });
  return {
    leaflet: typeof L !== 'undefined',
    containers: document.querySelectorAll('.leaflet-container').length,
    markers, polygons, lines, tiles, clusters, labels,
    attribution: (document.querySelector('.leaflet-control-attribution') || {}).textContent || '',
    overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                   .map(x => x.textContent.trim()),
  };
}
"""


def map_stats(frame) -> dict:
    """Leaflet state of a page or frame: markers, polygons, tile layers, attribution, layer names."""
    frame.evaluate(_FIND_MAP)
    return frame.evaluate(_MAP_STATS)


def point_values(frame, prop: str) -> list:
    """The ``prop`` property of every data point drawn as a circle marker (label markers excluded)."""
    return frame.evaluate("""(prop) => { const out = [];
      window.__iaMap.eachLayer(l => { if (l instanceof L.CircleMarker && l.feature) out.push(l.feature.properties[prop]); });
      return out; }""", prop)


def points_outside_view(frame, prop: str) -> list:
    """``prop`` of every drawn circle marker whose position lies outside the map's current view."""
    return frame.evaluate("""(prop) => { const map = window.__iaMap, view = map.getBounds(), out = [];
      map.eachLayer(l => { if (l instanceof L.CircleMarker && !view.contains(l.getLatLng()))
        out.push(l.feature ? l.feature.properties[prop] : String(l.getLatLng())); });
      return out; }""", prop)


def click_marker(page, title_prop: str, title: str) -> str:
    """Click (with the mouse) the circle marker whose feature property equals ``title``; return its card's text.

    Where several points share a position the topmost one takes the click and its popup lists a
    card for each of them; the text returned is that of the card titled ``title``.
    """
    page.evaluate("""([prop, title]) => new Promise((done, fail) => {
      const map = window.__iaMap; let found = null;
      map.eachLayer(l => { if (l instanceof L.CircleMarker && l.feature && l.feature.properties[prop] === title) found = l; });
      if (!found) { fail(new Error('no marker titled ' + title)); return; }
      map.closePopup(); map.stop(); window.__iaClicked = found;
      // close in, so neighbouring circles no longer overlap the one clicked (points at the very
      // same position still share it, and its popup lists them all)
      map.setView(found.getLatLng(), Math.max(map.getZoom(), Math.min(17, map.getMaxZoom())), {animate: false});
      requestAnimationFrame(() => requestAnimationFrame(done));   // let the canvas redraw
    })""", [title_prop, title])
    _wait_popups_gone(page)
    box = page.evaluate("""() => {
      const map = window.__iaMap, pt = map.latLngToContainerPoint(window.__iaClicked.getLatLng());
      const r = map.getContainer().getBoundingClientRect();
      return {x: r.left + pt.x, y: r.top + pt.y};
    }""")
    page.mouse.click(box["x"], box["y"])
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    return page.evaluate("""(title) => {
      const cards = Array.from(document.querySelectorAll('.leaflet-popup-content .ia-card'));
      const card = cards.find(c => { const b = c.querySelector('b'); return b && b.textContent === title; });
      if (!card) { throw new Error('the popup has no card titled ' + title); }
      return card.innerText;
    }""", title)


def clicked_card_link(page, title: str) -> str | None:
    """The href of the link in the open popup's card titled ``title``."""
    return page.evaluate("""(title) => {
      const card = Array.from(document.querySelectorAll('.leaflet-popup-content .ia-card'))
        .find(c => { const b = c.querySelector('b'); return b && b.textContent === title; });
      const a = card && card.querySelector('a'); return a ? a.getAttribute('href') : null;
    }""", title)


def _wait_popups_gone(frame) -> None:
    """Closed popups fade out for 200 ms and still catch clicks meanwhile: wait until they are removed."""
    frame.wait_for_function("() => !document.querySelector('.leaflet-popup')", timeout=5_000)


def open_every_popup(frame) -> list[dict]:
    """Open each feature layer's popup and tooltip in turn; return their text, HTML and links."""
    records = frame.evaluate("""() => {
      const map = window.__iaMap, out = [];
      const layers = [];
      map.eachLayer(l => { if (l.feature && (l.getPopup() || l.getTooltip())) layers.push(l); });
      layers.forEach(l => {
        const rec = {title: null, popupText: null, popupHtml: null, tooltipText: null, links: []};
        if (l.getPopup()) {
          l.openPopup();
          const el = l.getPopup().getElement().querySelector('.leaflet-popup-content');
          rec.popupText = el.textContent; rec.popupHtml = el.innerHTML;
          const b = el.querySelector('b'); rec.title = b ? b.textContent : null;
          rec.cells = Array.from(el.querySelectorAll('td')).map(td => td.textContent);
          rec.links = Array.from(el.querySelectorAll('a')).map(a => a.getAttribute('href'));
          l.closePopup();
        }
        if (l.getTooltip()) {
          l.openTooltip();
          rec.tooltipText = l.getTooltip().getElement().textContent;
          l.closeTooltip();
        }
        out.push(rec);
      });
      return out;
    }""")
    _wait_popups_gone(frame)
    return records


def hide_controls(frame) -> None:
    """Hide zoom, layer and attribution controls so a screenshot shows only what the map drew."""
    frame.add_style_tag(content=".leaflet-control-container{display:none !important}")


def image_stats(png: bytes) -> tuple[float, int]:
    """(standard deviation of pixel values 0–255, number of distinct RGB colours) of a PNG."""
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int64)
    flat = img.reshape(-1, 3)
    colours = np.unique(flat[:, 0] << 16 | flat[:, 1] << 8 | flat[:, 2]).size
    return float(img.std()), int(colours)


def ink_share(png: bytes, *, lighter_than: int = 200) -> float:
    """Share of a PNG's pixels drawn in ink: any RGB channel below ``lighter_than`` (white paper is 255)."""
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return float((img.min(axis=2) < lighter_than).mean())


# Each <img> of a page drawn at its natural size on a white canvas (what a reader sees on a white page)
# and read back as a PNG data URL; a canvas the browser will not read back is reported, not skipped.
_DRAW_IMAGES = """(selector) => Array.from(document.querySelectorAll(selector)).map(img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(img, 0, 0);
  try { return {src: img.src.slice(0, 80), png: c.toDataURL('image/png')}; }
  catch (e) { return {src: img.src.slice(0, 80), error: String(e)}; }
})"""


def drawn_images(frame, selector: str = "img") -> list[tuple[str, bytes]]:
    """(start of the src, PNG bytes) of every image matching ``selector``, as the browser decoded it."""
    out = []
    for rec in frame.evaluate(_DRAW_IMAGES, selector):
        assert "error" not in rec, f"cannot read back the image {rec['src']}: {rec['error']}"
        out.append((rec["src"], base64.b64decode(rec["png"].split(",", 1)[1])))
    return out
