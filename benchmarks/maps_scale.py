"""Large incident maps in headless Chromium: our canvas layer against folium's MarkerCluster plugins.

For each size, the same synthetic events (:func:`synthetic_incidents`, built on the
weights and jitter of ``generator.py``) become

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
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generator as gen  # noqa: E402

HEADING = "## Maps at the scale of a decade of events"
VIEWPORT = {"width": 1000, "height": 700}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START = pd.Timestamp("2015-01-01")
DAYS = 3653  # ten years


def synthetic_incidents(n: int, seed: int = 0):
    """``n`` validated-looking incidents over ten years (columns incident_map uses), built in seconds.

    Points, governorates and type shares come from ``generator.py``; names and notes are
    drawn from small vocabularies so that a million rows take seconds rather than minutes.

    Examples
    --------
    >>> g = synthetic_incidents(10, seed=1)
    >>> len(g), g.crs.to_epsg()
    (10, 4326)
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lon, lat = gen.random_points(n, seed)
    etype = gen._choice(rng, gen.EVENT_TYPE_WEIGHTS, n)
    sub = np.empty(n, dtype=object)
    for t, subs in gen.SUB_EVENT_WEIGHTS.items():
        idx = np.flatnonzero(etype == t)
        sub[idx] = gen._choice(rng, subs, len(idx))
    places = np.array([f"Village {i}" for i in range(20_000)], dtype=object)
    location = places[rng.integers(len(places), size=n)]
    fat = np.where(rng.random(n) < 0.7, 0, rng.geometric(0.35, n)).astype(float)
    inj = np.where(rng.random(n) < 0.8, np.nan, rng.geometric(0.3, n))
    low = np.where(rng.random(n) < 0.05, np.maximum(fat - 1, 0), np.nan)
    high = np.where(np.isnan(low), np.nan, fat + 2)
    ids = np.char.add("IRQ", np.arange(1, n + 1).astype(str)).astype(object)
    df = pd.DataFrame({
        "event_id_cnty": ids,
        "event_date": START + pd.to_timedelta(rng.integers(DAYS, size=n), unit="D"),
        "event_type": etype, "sub_event_type": sub,
        "actor1": np.array(gen.ACTORS, dtype=object)[rng.integers(len(gen.ACTORS), size=n)],
        "location": location, "target": np.where(rng.random(n) < 0.3, "Civilians", ""),
        "fatalities": pd.array(fat, dtype="Int64"), "fatalities_low": pd.array(low, dtype="Int64"),
        "fatalities_high": pd.array(high, dtype="Int64"), "injuries": pd.array(inj, dtype="Int64"),
        "injuries_low": pd.array([pd.NA] * n, dtype="Int64"), "injuries_high": pd.array([pd.NA] * n, dtype="Int64"),
        "source": np.array(gen.SOURCES, dtype=object)[rng.integers(len(gen.SOURCES), size=n)],
        "source_url": "",
        "notes": "Synthetic event: " + pd.Series(sub).astype(str) + " near " + pd.Series(location).astype(str)
                 + ", report " + pd.Series(rng.integers(1, 10**6, n)).astype(str) + ".",
    })
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(np.round(lon, 4), np.round(lat, 4)), crs="EPSG:4326")
