"""Resolve place names to gazetteer points: exact → alias → fuzzy, never a silent wrong point.

Every input row comes back. A name that fits two places equally is
``ambiguous`` (with its candidates), a name that fits none is ``unresolved``;
only ``matched``, ``fuzzy`` and ``online`` rows carry a point.
An optional online fallback (Nominatim via geopy) is off by default, cached on
disk and rate-limited.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import from_shapely
from rapidfuzz import fuzz, process
from shapely.geometry import Point

from iraq_atlas.places.gazetteer import expand_aliases, gazetteer, in_iraq_bbox
from iraq_atlas.places.names import normalise
from iraq_atlas.vocab import CRS

RESULT_COLUMNS = ["query", "place_id", "name", "lat", "lon", "governorate_iso", "kind",
                  "geo_precision", "precision_m", "confidence", "status", "candidates"]
STATUSES = ("matched", "fuzzy", "online", "ambiguous", "unresolved")
CONFIDENCE = {"name": 1.0, "name_ar": 1.0, "alias": 0.95}


@dataclass
class _Hit:
    status: str
    place_id: str | None = None
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()
    point: tuple[float, float] | None = None  # (lat, lon) for online hits
    name: str | None = None


class Geocoder:
    """Offline geocoder over the gazetteer.

    fuzzy_threshold: minimum rapidfuzz ratio (0–100) for a fuzzy match.
    ambiguity_margin: two different places scoring within this many points
    of each other make the answer ambiguous rather than a guess.
    """

    def __init__(self, places: gpd.GeoDataFrame | None = None, *, fuzzy_threshold: float = 85,
                 ambiguity_margin: float = 3, online: "OnlineGeocoder | None" = None):
        self.places = gazetteer() if places is None else places
        self.fuzzy_threshold = fuzzy_threshold
        self.ambiguity_margin = ambiguity_margin
        self.online = online
        self._by_id = self.places.set_index("place_id")
        # plain dicts of what results need per place: pandas .loc per hit would dominate batch time
        self._info: dict[str, dict] = self._by_id[["name", "lat", "lon", "governorate_iso", "kind",
                                                   "geo_precision", "precision_m"]].to_dict("index")
        spell = expand_aliases(self.places)
        spell["key"] = spell.spelling.map(normalise)
        spell = spell[spell.key != ""]
        self._index: dict[str, dict[str, str]] = {}
        for key, pid, how in zip(spell.key, spell.place_id, spell.how):
            best = self._index.setdefault(key, {})
            if pid not in best or CONFIDENCE[how] > CONFIDENCE[best[pid]]:
                best[pid] = how
        self._keys = list(self._index)

    # -- single names -------------------------------------------------------
    def _prefer(self, pids: list[str]) -> list[str]:
        """A city and the governorate named after it: the city wins (news usage)."""
        if len(pids) < 2:
            return pids
        info = self._info
        non_gov = [p for p in pids if info[p]["kind"] != "governorate"]
        govs = [p for p in pids if info[p]["kind"] == "governorate"]
        if len(non_gov) == 1 and all(info[g]["governorate_iso"] == info[non_gov[0]]["governorate_iso"]
                                     for g in govs):
            return non_gov
        return pids

    def _resolve_key(self, key: str) -> _Hit:
        if not key:
            return _Hit("unresolved")
        exact = self._index.get(key)
        if exact:
            pids = self._prefer(sorted(exact))
            if len(pids) == 1:
                return _Hit("matched", pids[0], CONFIDENCE[exact[pids[0]]])
            return _Hit("ambiguous", candidates=tuple(pids))
        scored = process.extract(key, self._keys, scorer=fuzz.ratio,
                                 score_cutoff=self.fuzzy_threshold, limit=10)
        if not scored:
            return _Hit("unresolved")
        best_by_pid: dict[str, float] = {}
        for k, score, _ in scored:
            for pid in self._index[k]:
                best_by_pid[pid] = max(best_by_pid.get(pid, 0.0), score)
        ranked = sorted(best_by_pid.items(), key=lambda kv: -kv[1])
        top = ranked[0][1]
        close = self._prefer([p for p, s in ranked if top - s <= self.ambiguity_margin])
        if len(close) > 1:
            return _Hit("ambiguous", candidates=tuple(sorted(close)))
        return _Hit("fuzzy", close[0], round(0.9 * top / 100, 3))

    # -- batches --------------------------------------------------------------
    def _fuzzy_many(self, keys: list[str]) -> list[_Hit]:
        """The fuzzy step of :meth:`_resolve_key` for many keys at once, on one core.

        Scores every key against every gazetteer spelling with rapidfuzz's ``cdist``
        (vectorised), keeps each key's ten best spellings like ``process.extract``
        did, takes the best score per place, then applies the same ambiguity rules.
        """
        if not keys:
            return []
        pids = sorted({pid for by in self._index.values() for pid in by})
        pid_pos = {p: i for i, p in enumerate(pids)}
        pairs = [(ki, pid_pos[pid]) for ki, k in enumerate(self._keys) for pid in self._index[k]]
        pairs.sort(key=lambda kp: kp[1])
        pair_key = np.array([k for k, _ in pairs])
        pair_pid = np.array([p for _, p in pairs])
        starts = np.flatnonzero(np.r_[True, pair_pid[1:] != pair_pid[:-1]])
        pid_of_group = pair_pid[starts]
        limit = min(10, len(self._keys))
        hits: list[_Hit] = []
        for lo in range(0, len(keys), 2048):
            chunk = keys[lo:lo + 2048]
            score = process.cdist(chunk, self._keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold,
                                  dtype=np.float64, workers=1)
            # only each key's ten best spellings count, as with process.extract(limit=10)
            crowded = np.flatnonzero((score > 0).sum(axis=1) > limit)
            if len(crowded):
                sub = score[crowded]
                tenth = np.partition(sub, -limit, axis=1)[:, -limit][:, None]
                score[crowded] = np.where(sub >= tenth, sub, 0.0)
            per_pid = np.zeros((len(chunk), len(pids)))
            per_pid[:, pid_of_group] = np.maximum.reduceat(score[:, pair_key], starts, axis=1)
            top = per_pid.max(axis=1)
            near = (per_pid > 0) & (top[:, None] - per_pid <= self.ambiguity_margin)
            n_near = near.sum(axis=1)
            only = near.argmax(axis=1)
            for i in range(len(chunk)):
                if top[i] <= 0:
                    hits.append(_Hit("unresolved"))
                    continue
                if n_near[i] == 1:
                    hits.append(_Hit("fuzzy", pids[only[i]], round(0.9 * float(top[i]) / 100, 3)))
                    continue
                row = per_pid[i]
                idx = np.flatnonzero(near[i])
                ranked = [pids[j] for j in idx[np.argsort(-row[idx], kind="stable")]]
                close = self._prefer(ranked)
                if len(close) > 1:
                    hits.append(_Hit("ambiguous", candidates=tuple(sorted(close))))
                else:
                    hits.append(_Hit("fuzzy", close[0], round(0.9 * float(top[i]) / 100, 3)))
        return hits

    def _resolve_many(self, keys: list[str]) -> list[_Hit]:
        """:meth:`_resolve_key` for distinct keys: exact look-ups first, the rest fuzzy in one batch."""
        hits: list[_Hit | None] = [None] * len(keys)
        fuzzy_at = []
        for i, key in enumerate(keys):
            if not key:
                hits[i] = _Hit("unresolved")
            elif key in self._index:
                hits[i] = self._resolve_key(key)
            else:
                fuzzy_at.append(i)
        for i, hit in zip(fuzzy_at, self._fuzzy_many([keys[i] for i in fuzzy_at])):
            hits[i] = hit
        return hits  # type: ignore[return-value]

    def geocode_names(self, names: Iterable[str]) -> gpd.GeoDataFrame:
        """One result row per input name, in input order (EPSG:4326).

        Work is done once per distinct spelling: names are factorised, each distinct
        normalised key is resolved once, and the per-key answers are spread back to
        the rows with array indexing (no per-row Python).
        """
        # factorise first: all later work is per distinct spelling (missing names become "")
        if not isinstance(names, (pd.Series, pd.Index)):
            names = pd.Series(list(names), dtype="object")
        q_codes, q_uniq = pd.factorize(names, use_na_sentinel=True)
        if isinstance(names.dtype, pd.StringDtype):  # every distinct value is text already
            q_text = list(np.asarray(q_uniq, dtype=object))
        else:
            q_text = [u if isinstance(u, str) else str(u) for u in q_uniq]
        q_uniq = np.array(q_text + [""], dtype=object)        # code -1 (missing) → the trailing ""
        uniq_keys = [normalise(q) for q in q_uniq]
        k_of_q, keys = pd.factorize(pd.Series(uniq_keys, dtype=object), sort=False)
        keys = list(keys)
        hits = self._resolve_many(keys)
        if self.online is not None:
            for q, k in zip(q_uniq, k_of_q):  # distinct queries in order of first appearance
                if hits[k].status == "unresolved" and q.strip():
                    found = self.online.lookup(q)
                    if found is not None:
                        hits[k] = _Hit("online", None, 0.5, point=(found["lat"], found["lon"]),
                                       name=found["name"])
        per_key = pd.DataFrame([self._row("", h) for h in hits], columns=RESULT_COLUMNS)
        row_key = k_of_q[q_codes]                               # q_codes -1 picks the "" spelling
        df = per_key.iloc[row_key].reset_index(drop=True)
        if isinstance(names.dtype, pd.StringDtype) and names.dtype.na_value is np.nan:
            # pandas' default text dtype: the input itself, missing → "" (no re-encoding)
            df["query"] = pd.Series(names, copy=False).fillna("").reset_index(drop=True)
        else:
            df["query"] = q_uniq[q_codes]
        df["geo_precision"] = df["geo_precision"].astype("Int64")
        lon, lat = per_key.lon.to_numpy(float), per_key.lat.to_numpy(float)
        geom = shapely.points(lon, lat)
        geom[np.isnan(lon) | np.isnan(lat)] = None
        # copy=False: df was built here; geopandas would otherwise copy every column
        return gpd.GeoDataFrame(df, geometry=from_shapely(geom, crs=CRS).take(row_key), crs=CRS, copy=False)

    def _row(self, query: str, hit: _Hit) -> dict:
        row = dict.fromkeys(RESULT_COLUMNS)
        row.update(query=query, status=hit.status, confidence=hit.confidence,
                   candidates="|".join(hit.candidates), lat=np.nan, lon=np.nan)
        if hit.place_id is not None:
            p = self._info[hit.place_id]
            row.update(place_id=hit.place_id, name=p["name"], lat=p["lat"], lon=p["lon"],
                       governorate_iso=p["governorate_iso"], kind=p["kind"],
                       geo_precision=p["geo_precision"], precision_m=p["precision_m"])
        elif hit.point is not None:
            row.update(name=hit.name, lat=hit.point[0], lon=hit.point[1], geo_precision=2)
        return row

    def geocode(self, df: pd.DataFrame, column: str, prefix: str = "geo_") -> gpd.GeoDataFrame:
        """Add geocoding results for ``df[column]`` as ``prefix``-named columns; keeps every row."""
        if column not in df.columns:
            raise KeyError(f"column {column!r} not in the table (columns: {list(df.columns)})")
        res = self.geocode_names(df[column].tolist())
        res = res.drop(columns=["query", "geometry"]).add_prefix(prefix)
        out = pd.concat([df.reset_index(drop=True), res.reset_index(drop=True)], axis=1)
        geom = [Point(x, y) if pd.notna(x) else None
                for x, y in zip(out[prefix + "lon"], out[prefix + "lat"])]
        return gpd.GeoDataFrame(out, geometry=geom, crs=CRS)


def geocode(names: Iterable[str], **kwargs) -> gpd.GeoDataFrame:
    """Convenience: geocode a list of names with a default offline :class:`Geocoder`."""
    return Geocoder(**kwargs).geocode_names(names)


class OnlineGeocoder:
    """Nominatim fallback for names the gazetteer lacks: restricted to Iraq, cached, rate-limited.

    Off unless constructed. ``domain``/``scheme`` point it at another Nominatim
    (the tests use one on 127.0.0.1). The cache is a JSON file so a repeated
    run asks the server nothing; misses are cached too, failures are not.

    Every look-up of one geocoder shares one deadline (``deadline_seconds`` from
    the first request): a silent or slow-dripping server cannot hold a run longer.
    A request that times out, fails to connect or gets a 5xx/429 answer is retried
    at most ``retries`` times; when the service still fails (or answers something
    that is not Nominatim JSON), or the deadline has passed, the geocoder stops
    asking, logs one warning line and every later name keeps its offline answer.
    A corrupt cache file is ignored and replaced by the next answer (warning); a
    cache that cannot be written (read-only folder) is kept in memory only (warning).

    Parameters
    ----------
    cache_path : path-like, optional
        JSON file of earlier answers.
    domain, scheme : str
        Where Nominatim is.
    user_agent : str
        Sent with every request (Nominatim's usage policy asks for one).
    min_delay_seconds : float
        Seconds between two requests (≥ 0).
    timeout : float
        Seconds one request may wait for the server to send anything.
    deadline_seconds : float
        Seconds for all look-ups of this geocoder together.
    retries : int
        Extra attempts for a request that failed in a way that may pass (0–5).
    """

    def __init__(self, cache_path: str | os.PathLike | None = None, *, domain: str = "nominatim.openstreetmap.org",
                 scheme: str = "https", user_agent: str = "iraq-atlas", min_delay_seconds: float = 1.0,
                 timeout: float = 10.0, deadline_seconds: float = 60.0, retries: int = 2):
        import math

        from iraq_atlas.errors import ParameterError

        for label, value, low in (("min_delay_seconds", min_delay_seconds, 0.0), ("timeout", timeout, None),
                                  ("deadline_seconds", deadline_seconds, None)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < (low or 0) \
                    or (low is None and value == 0):
                raise ParameterError(f"{label}: must be a number of seconds {'≥ 0' if low == 0 else '> 0'}, "
                                     f"not {value!r}")
        if not isinstance(retries, int) or not 0 <= retries <= 5:
            raise ParameterError(f"retries: must be a whole number 0–5, not {retries!r}")
        if scheme not in ("http", "https"):
            raise ParameterError(f"scheme: 'http' or 'https', not {scheme!r}")
        self.base_url = f"{scheme}://{domain}/search"
        self.user_agent = user_agent
        self.min_delay_seconds = float(min_delay_seconds)
        self.timeout = float(timeout)
        self.deadline_seconds = float(deadline_seconds)
        self.retries = retries
        self.cache_path = Path(cache_path) if cache_path else None
        self.warnings: list[str] = []
        self._cache: dict[str, dict | None] = self._load_cache()
        self._cache_writable = True
        self._last = 0.0
        self._started: float | None = None
        self._stopped: str | None = None
        self._lock = threading.Lock()
        self.requests_made = 0

    # -- cache ------------------------------------------------------------------
    def _warn(self, text: str) -> None:
        import logging

        self.warnings.append(text)
        logging.getLogger(__name__).warning("online geocoder: %s", text)

    def _load_cache(self) -> dict:
        if not self.cache_path or not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(
                    v is None or (isinstance(v, dict) and {"lat", "lon", "name"} <= set(v)) for v in data.values()):
                raise ValueError("not a mapping of names to answers")
            return data
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            self._warn(f"cache {self.cache_path.name} is unreadable ({type(exc).__name__}); starting afresh")
            return {}

    def _save(self) -> None:
        if not self.cache_path or not self._cache_writable:
            return
        try:
            from iraq_atlas.files import write_atomic

            write_atomic(self.cache_path, json.dumps(self._cache, ensure_ascii=False, indent=1))
        except OSError as exc:
            self._cache_writable = False
            self._warn(f"cannot write the cache {self.cache_path} ({exc.strerror or exc}); "
                       "answers are kept for this run only")

    # -- requests ---------------------------------------------------------------
    def _remaining(self) -> float:
        if self._started is None:
            self._started = time.monotonic()
        return self.deadline_seconds - (time.monotonic() - self._started)

    def _get(self, url: str, limit: float) -> tuple[int, bytes]:
        """(HTTP status, body) within ``limit`` seconds in all, or TimeoutError/OSError."""
        import urllib.error
        import urllib.request

        box: dict = {}
        deadline = time.monotonic() + limit

        def fetch() -> None:
            try:
                req = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                           "Accept": "application/json"})
                try:
                    resp = urllib.request.urlopen(req, timeout=min(self.timeout, limit))  # noqa: S310
                except urllib.error.HTTPError as exc:
                    box["result"] = (exc.code, b"")
                    return
                with resp:
                    chunks, size = [], 0
                    while True:
                        if time.monotonic() > deadline:
                            raise TimeoutError("answer still arriving at the deadline")
                        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                        if not chunk:
                            break
                        size += len(chunk)
                        if size > (8 << 20):
                            raise OSError("answer larger than 8 MB")
                        chunks.append(chunk)
                    box["result"] = (resp.status, b"".join(chunks))
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=fetch, name="iraq-atlas-nominatim", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():  # a slow drip: the daemon thread ends with its socket's timeout
            raise TimeoutError(f"no complete answer within {limit:.1f} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _ask(self, name: str) -> list | None:
        """Nominatim's JSON list for ``name``, or None after the service failed (and stopped)."""
        from urllib.parse import urlencode

        url = self.base_url + "?" + urlencode({"q": name, "format": "json", "limit": 1, "countrycodes": "iq",
                                               "addressdetails": 0})
        problem = ""
        for attempt in range(self.retries + 1):
            wait = max(self.min_delay_seconds - (time.monotonic() - self._last),
                       0.0 if attempt == 0 else min(0.5 * 2 ** (attempt - 1), 4.0))
            left = self._remaining()
            if left - max(wait, 0.0) <= 0:
                problem = problem or f"the {self.deadline_seconds:g} s deadline has passed"
                break
            if wait > 0:
                time.sleep(wait)
            self.requests_made += 1
            try:
                status, body = self._get(url, self._remaining())
            except (TimeoutError, OSError) as exc:  # URLError, ConnectionError and socket.timeout are OSErrors
                problem = f"no answer ({_short(exc)})"
                continue
            finally:
                self._last = time.monotonic()
            if status == 429 or status >= 500:
                problem = f"server error {status}"
                continue
            if status != 200:
                problem = f"unexpected HTTP status {status}"
                break
            try:
                answer = json.loads(body.decode("utf-8"))
            except ValueError:
                problem = "the answer is not JSON"
                break
            if not isinstance(answer, list):
                problem = "the answer is not a Nominatim result list"
                break
            return answer
        self._stopped = problem
        self._warn(f"{problem} for {name!r} at {self.base_url}; online look-ups stop, "
                   "names keep their offline answers")
        return None

    def lookup(self, name: str) -> dict | None:
        """{'lat', 'lon', 'name'} inside Iraq, or None; from cache when asked before.

        None also when the service has failed or the deadline has passed (see the
        class notes): the caller keeps its offline answer.
        """
        key = normalise(name)
        if key in self._cache:
            return self._cache[key]
        with self._lock:
            if self._stopped is not None:
                return None
            answer = self._ask(name)
        if answer is None:
            return None  # a failure is not a miss: never cached
        result = None
        try:
            hit = answer[0] if answer else None
            if hit is not None:
                lat, lon = float(hit["lat"]), float(hit["lon"])
                from iraq_atlas.places.spatial import in_iraq

                if in_iraq_bbox(pd.Series([lat]), pd.Series([lon])).iloc[0] and in_iraq(lat, lon, 5_000.0):
                    result = {"lat": lat, "lon": lon, "name": str(hit.get("display_name", name))}
        except (KeyError, TypeError, ValueError):
            self._warn(f"the answer for {name!r} has no usable lat/lon; treated as not found")
        self._cache[key] = result
        self._save()
        return result


def _short(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "reason", None) or exc).split()) or type(exc).__name__
    return text[:120]
