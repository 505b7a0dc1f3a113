"""Large incident maps in headless Chromium: our canvas layer against folium's MarkerCluster plugins.

For each size, the same synthetic events (``synthetic.synthetic_incidents``, built on the
weights and jitter of ``tests/synthetic.py``) become

* our incident map (``iraq_atlas.viz.maps.incident_map``: above ``bigpoints.BIG_POINTS``
  events one canvas layer of binary columns, grid-clustered per zoom in a web worker),
* folium ``MarkerCluster`` with one ``folium.Marker`` and HTML popup per event,
* folium ``FastMarkerCluster`` (markers made in the page from a list of coordinates).

Measured in the same run, with the network blocked: HTML size, time to first render
(from navigation until every event is in its layer and two animation frames have
painted) and the median frame time over a scripted zoom/pan sequence
(``requestAnimationFrame`` deltas). The MarkerCluster baselines are capped at
``--baseline-cap`` events (default 10,000): at 100,000 and more they take minutes.

Usage: ``python benchmarks/maps_scale.py [--sizes 100000 1000000] [--doc docs/benchmarks.md]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic inputs are shared with the tests

from synthetic import synthetic_incidents  # noqa: E402

HEADING = "## Maps at the scale of a decade of events"
VIEWPORT = {"width": 1000, "height": 700}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START = pd.Timestamp("2015-01-01")
DAYS = 3653  # ten years


# -- pages -------------------------------------------------------------------------------------
_JQUERY_SHIM = ("window.$ = window.jQuery = function (s) { var t = document.createElement('template');"
                " t.innerHTML = String(s).trim(); return [t.content.firstChild]; };")


def ours_page(incidents, path: Path) -> Path:
    """Our incident map, written with every asset inline."""
    from iraq_atlas.viz.maps import save_incident_map

    return save_incident_map(incidents, path)


def _offline_folium(m, path: Path) -> Path:
    """Save a plain folium page with Leaflet and MarkerCluster inlined from the suite's local copies.

    Its CDN links (jQuery, Bootstrap, Font Awesome, Leaflet, MarkerCluster) are dropped; folium's
    popups only need jQuery's ``$(html)``, which a three-line shim provides.
    """
    from iraq_atlas.viz.maps import assets

    page = m.get_root().render()
    page = re.sub(r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>", "", page)
    page = re.sub(r"<link[^>]+href=\"https?://[^\"]+\"[^>]*>", "", page)
    tags = "".join(f"<style>{t}</style>" if k == "css" else f"<script>{t}</script>" for k, _, t in assets(True))
    page = page.replace("<head>", "<head>" + tags + f"<script>{_JQUERY_SHIM}</script>", 1)
    path.write_text(page, encoding="utf-8")
    return path


def marker_cluster_page(incidents, path: Path) -> Path:
    """folium's MarkerCluster plugin: one folium.Marker with an HTML popup per event."""
    import folium
    from folium.plugins import MarkerCluster

    m = folium.Map(location=[33.2, 43.7], zoom_start=6, tiles=None)
    m.options["maxZoom"] = 19  # no tile layer to supply it; MarkerCluster needs one
    cluster = MarkerCluster().add_to(m)
    for r in incidents.itertuples():
        popup = (f"<b>{r.location}</b><br>{r.event_date:%Y-%m-%d} {r.event_type} / {r.sub_event_type}"
                 f"<br>Killed: {r.fatalities}<br>{r.actor1}<br>{r.notes}<br>{r.source}<br>{r.event_id_cnty}")
        folium.Marker([r.geometry.y, r.geometry.x], popup=popup, tooltip=r.sub_event_type).add_to(cluster)
    return _offline_folium(m, path)


def fast_marker_cluster_page(incidents, path: Path) -> Path:
    """folium's FastMarkerCluster plugin: coordinates only, markers made in the page (no popups)."""
    import folium
    from folium.plugins import FastMarkerCluster

    m = folium.Map(location=[33.2, 43.7], zoom_start=6, tiles=None)
    m.options["maxZoom"] = 19  # no tile layer to supply it; MarkerCluster needs one
    # the default callback needs the Awesome Markers plugin (CDN only): plain Leaflet markers instead
    FastMarkerCluster(np.column_stack([incidents.geometry.y, incidents.geometry.x]).tolist(),
                      callback="function (row) { return L.marker(new L.LatLng(row[0], row[1])); }").add_to(m)
    return _offline_folium(m, path)


# -- measures in the browser --------------------------------------------------------------------
_READY = """(n) => {
  if (document.readyState !== 'complete' || !window.L) return false;
  if (window.IA && IA.bigLayers && IA.bigLayers.length) {
    return IA.bigLayers.every(l => l.view && !l.pending) &&
           IA.bigLayers.reduce((s, l) => s + l.view.total, 0) >= n;
  }
  var count = 0, clustered = false;
  for (var k in window) {
    var v; try { v = window[k]; } catch (e) { continue; }
    if (L.MarkerClusterGroup && v instanceof L.MarkerClusterGroup) { clustered = true; count += v.getLayers().length; }
  }
  return clustered && count >= n;
}"""
_PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
# zoom in three levels on Baghdad, pan around, zoom back out; every step animated, each given
# time to settle; requestAnimationFrame deltas over the whole sequence
_FRAMES = """() => new Promise(done => {
  var map = null;
  for (var k in window) { try { if (window[k] instanceof L.Map) { map = window[k]; break; } } catch (e) {} }
  var deltas = [], last = null, running = true;
  function tick(t) { if (last !== null) deltas.push(t - last); last = t; if (running) requestAnimationFrame(tick); }
  requestAnimationFrame(tick);
  var steps = [
    () => map.setView([33.31, 44.39], 7), () => map.setView([33.31, 44.39], 8), () => map.setView([33.31, 44.39], 9),
    () => map.panBy([300, 0]), () => map.panBy([0, 250]), () => map.panBy([-300, 0]), () => map.panBy([0, -250]),
    () => map.setView([33.31, 44.39], 8), () => map.setView([33.31, 44.39], 7), () => map.setView([33.2, 43.7], 6),
    () => map.panBy([200, 150]), () => map.panBy([-200, -150])];
  var i = 0;
  function next() {
    if (i >= steps.length) { running = false; deltas.sort((a, b) => a - b);
      done({median: deltas[Math.floor(deltas.length / 2)], p90: deltas[Math.floor(deltas.length * 0.9)], frames: deltas.length});
      return; }
    steps[i++](); setTimeout(next, 700);
  }
  setTimeout(next, 100);
})"""


def measure(browser, path: Path, n: int, timeout_s: float) -> dict | None:
    """First render (s) and frame times (ms) of one page, network blocked; None if not ready in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT, offline=True)
    page = context.new_page()
    blocked: list[str] = []
    page.route(re.compile(r"^(?!file:|data:|about:|blob:)"), lambda route: (blocked.append(route.request.url),
                                                                             route.abort()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_function(_READY, arg=n, polling=20, timeout=timeout_s * 1000)
        first = float(page.evaluate(_PAINTED)) / 1000
        frames = page.evaluate(_FRAMES)
        if errors or blocked:
            raise RuntimeError(f"{path.name}: page errors {errors[:3]}, blocked {blocked[:3]}")
        return {"first_s": first, **frames}
    except PlaywrightTimeout:
        return None
    finally:
        context.close()


# -- report --------------------------------------------------------------------------------------
def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def run(sizes: list[int], cap: int, repeat: int, work: Path, browser_path: str) -> tuple[list[dict], dict]:
    """Build every page and measure it; rows of results and build times."""
    from playwright.sync_api import sync_playwright

    pages: list[dict] = []
    built: dict[str, float] = {}
    top = max(sizes)
    t = time.perf_counter()
    everything = synthetic_incidents(top, seed=11)
    built["synthetic events"] = time.perf_counter() - t
    for n in sorted(set(sizes) | {min(cap, top)}):
        ev = everything.iloc[:n]
        t = time.perf_counter()
        path = ours_page(ev, work / f"ours_{n}.html")
        built[f"ours {n:,}"] = time.perf_counter() - t
        pages.append({"name": "ours (incident_map)", "n": n, "path": path})
    bn = min(cap, top)
    ev = everything.iloc[:bn]
    for name, fn in (("folium MarkerCluster (Marker + popup each)", marker_cluster_page),
                     ("folium FastMarkerCluster", fast_marker_cluster_page)):
        t = time.perf_counter()
        path = fn(ev, work / f"{fn.__name__}_{bn}.html")
        built[f"{name} {bn:,}"] = time.perf_counter() - t
        pages.append({"name": name, "n": bn, "path": path})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, headless=True, args=LAUNCH_ARGS)
        try:
            for p in pages:
                runs = [measure(browser, p["path"], p["n"], timeout_s=120) for _ in range(repeat)]
                ok = [r for r in runs if r is not None]
                p["size_mb"] = _mb(p["path"])
                p["first_s"] = [r["first_s"] for r in ok]
                p["median_ms"] = [r["median"] for r in ok]
                p["p90_ms"] = [r["p90"] for r in ok]
                print(f"{p['name']:45s} {p['n']:>9,} {p['size_mb']:7.1f} MB first {p['first_s']} "
                      f"median {p['median_ms']} ms", flush=True)
        finally:
            browser.close()
    return pages, built


LOAD: list[float] = [0.0, 0.0, 0.0]
TARGETS = {100_000: (4.0, 1.0, None), 1_000_000: (35.0, 4.0, 33.0)}


def _fmt(values: list[float], unit: str, digits: int = 2) -> str:
    if not values:
        return "did not finish"
    med = statistics.median(values)
    rng = f" ({min(values):.{digits}f}–{max(values):.{digits}f})" if len(values) > 1 else ""
    return f"{med:.{digits}f} {unit}{rng}"


def section(pages: list[dict], built: dict, repeat: int, cap: int, total_s: float) -> str:
    """The markdown section written under :data:`HEADING`."""
    from importlib.metadata import version

    lines = [HEADING, "",
             f"Written by `benchmarks/maps_scale.py` on {time.strftime('%Y-%m-%d %H:%M')}; the run took "
             f"{total_s:.0f} s. Same synthetic events (`tests/synthetic.py`, seeded; points and type "
             "shares from its weights, ten years of dates) for every page, measured in one headless Chromium "
             f"with the network blocked, {repeat} load(s) each (median, range). "
             f"The folium MarkerCluster baselines are capped at {cap:,} events: at 100,000 they take minutes "
             "to build and load.", "",
             f"Machine: {platform.platform()}, 2 CPUs shared with other work, Python "
             f"{platform.python_version()}; folium {version('folium')}, playwright {version('playwright')}; "
             f"load average at the start {LOAD[0]:.1f} (1 min), {LOAD[1]:.1f} (5 min).", "",
             "| page | events | HTML size | first render | median frame (zoom/pan) | p90 frame | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    for p in pages:
        target, met = "—", "—"
        if p["name"].startswith("ours") and p["n"] in TARGETS:
            smax, fmax, frmax = TARGETS[p["n"]]
            parts = [f"≤ {smax:g} MB", f"≤ {fmax:g} s"] + ([f"≤ {frmax:g} ms frame"] if frmax else [])
            target = ", ".join(parts)
            ok = (p["size_mb"] <= smax and bool(p["first_s"]) and statistics.median(p["first_s"]) <= fmax
                  and (frmax is None or (bool(p["median_ms"]) and statistics.median(p["median_ms"]) <= frmax)))
            met = "yes" if ok else "no"
        lines.append(f"| {p['name']} | {p['n']:,} | {p['size_mb']:.1f} MB | {_fmt(p['first_s'], 's')} | "
                     f"{_fmt(p['median_ms'], 'ms', 1)} | {_fmt(p['p90_ms'], 'ms', 1)} | {target} | {met} |")
    lines += ["", "Build and write times (one run each): "
              + "; ".join(f"{k} {v:.1f} s" for k, v in built.items()) + ".", "",
              "- **First render** runs from navigation until every event is in its layer (ours: the columns "
              "inflated, the worker's clusters for the view returned and drawn; MarkerCluster: every marker "
              "added to the cluster group) and two animation frames have painted.",
              "- **Frame times** are `requestAnimationFrame` deltas over the same scripted sequence on every "
              "page: animated zooms from 6 to 9 over Baghdad, four pans, zooms back to 6 and two more pans, "
              "0.7 s per step. Idle frames count too, so the median shows whether interaction stutters, the "
              "90th percentile shows the worst steps (our re-clustering runs in a worker, off the page thread).",
              "- **Ours** above `bigpoints.BIG_POINTS` (5,000) events: Int32 coordinates (1e-6°), Uint16 day "
              "index, Uint8 type and radius codes (colour codes too, unless each type has one colour), "
              "dictionary-coded or UTF-8 text columns, zlib-compressed where smaller, base64 in the page's JSON; "
              "every field of every event is in the page and its popup is built on click. The worker inflates "
              "the position columns before the first draw and the popup columns right after it (off the page "
              "thread; a click before they are ready waits for them), so first render does not include the "
              "text columns. MarkerCluster pages carry one HTML popup per marker; "
              "FastMarkerCluster pages carry coordinates only (no popups, no dates, no types)."]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, text: str) -> None:
    """Append the section to the document, or replace an earlier copy of it; other sections are kept."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    start = old.find(HEADING)
    if start >= 0:
        nxt = old.find("\n## ", start + len(HEADING))
        old = old[:start].rstrip("\n") + ("\n\n" + old[nxt + 1:] if nxt >= 0 else "")
    doc.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--baseline-cap", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="folder for the pages (default: a temporary one)")
    ap.add_argument("--doc", type=Path, default=None, help="markdown file to append the results to")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    import tempfile

    t0 = time.perf_counter()
    LOAD[:] = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        pages, built = run(args.sizes, args.baseline_cap, args.repeat, work, args.chromium)
    text = section(pages, built, args.repeat, args.baseline_cap, time.perf_counter() - t0)
    print(text)
    if args.doc:
        write_section(args.doc, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
