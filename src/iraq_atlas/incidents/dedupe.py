"""One timeline from several sources, with the rows that look like the same event linked.

Nothing is dropped: every row of every source stays in the timeline; a row
judged to record the same event as a row of an earlier source gets
``duplicate_of`` (that row's ``uid``) and ``match_score``. Every candidate pair
is listed for review, linked or not.

The rule (see docs/incidents.md for the reasoning behind the defaults): two rows
of *different* sources are candidates when

* their points lie within ``distance_km`` (great-circle distance) – or, when
  either row is placed only to its governorate (``geo_precision`` 3), they share
  the governorate;
* their dates lie within ``days`` of each other, widened by what the sources'
  date precision allows (a week-precise date by 6 days, a month-precise one by
  30);
* their event types are compatible: the same type, or both lethal organised
  violence (Battles, Explosions/Remote violence, Violence against civilians –
  UCDP codes every such event as one of two of them), or both Protests/Riots;
* their fatalities are compatible: unknown on either side, or ranges
  (``fatalities_low``–``fatalities_high``) that overlap, or figures that differ
  by at most ``fatalities_tolerance`` or by at most half of the larger one.

Each candidate gets a score in [0, 1] (distance 0.35, date 0.25, type 0.2,
fatalities 0.2). Pairs are taken best first; a row is linked to at most one row
of each other source, and a group never holds two rows of one source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EARTH_KM = 6371.0088
VIOLENT = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})
DEMONSTRATIONS = frozenset({"Protests", "Riots"})
DATE_SLACK = {1: 0, 2: 6, 3: 30}  # days added to the window by time_precision (day, week, month)
WEIGHTS = {"distance": 0.35, "date": 0.25, "type": 0.2, "fatalities": 0.2}
PAIR_COLUMNS = ["uid_a", "uid_b", "source_a", "source_b", "event_id_a", "event_id_b", "event_date_a",
                "event_date_b", "days_apart", "distance_km", "event_type_a", "event_type_b", "fatalities_a",
                "fatalities_b", "score", "linked", "note"]


@dataclass
class Linked:
    """The timeline (every row of every source, ``origin``, ``uid``, ``duplicate_of``, ``match_score``)
    and the candidate pairs for review.

    Examples
    --------
    >>> import pandas as pd
    >>> linked = Linked(pd.DataFrame({"origin": ["a", "b"], "uid": ["a:1", "b:1"],
    ...                               "duplicate_of": [pd.NA, "a:1"]}), pd.DataFrame(index=[0]))
    >>> linked.summary()
    '2 rows from 2 sources; 1 candidate pairs, 1 rows linked as duplicates (all rows kept)'
    """

    timeline: pd.DataFrame
    pairs: pd.DataFrame

    def summary(self) -> str:
        """One line: rows, sources, candidate pairs and linked rows.

        Returns
        -------
        str

        Examples
        --------
        >>> import pandas as pd
        >>> Linked(pd.DataFrame({"origin": ["a", "b", "b"], "uid": ["a:1", "b:1", "b:2"],
        ...                      "duplicate_of": [pd.NA, "a:1", pd.NA]}), pd.DataFrame(index=[0, 1])).summary()
        '3 rows from 2 sources; 2 candidate pairs, 1 rows linked as duplicates (all rows kept)'
        """
        linked = int(self.timeline["duplicate_of"].notna().sum())
        return (f"{len(self.timeline)} rows from {self.timeline['origin'].nunique()} sources; "
                f"{len(self.pairs)} candidate pairs, {linked} rows linked as duplicates (all rows kept)")


def types_compatible(a: str, b: str) -> bool:
    """Whether two ACLED event types could describe the same event.

    Equal types, two violent types, or two demonstration types are compatible.

    Parameters
    ----------
    a, b : str
        ACLED event types.

    Returns
    -------
    bool

    Examples
    --------
    >>> types_compatible("Explosions/Remote violence", "Battles"), types_compatible("Protests", "Battles")
    (True, False)
    """
    return a == b or (a in VIOLENT and b in VIOLENT) or (a in DEMONSTRATIONS and b in DEMONSTRATIONS)


def _haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").astype(float).to_numpy()


def _prepare(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(frame).copy()
    if "geometry" in df.columns and ("latitude" not in df.columns or "longitude" not in df.columns):
        df["latitude"], df["longitude"] = df.geometry.y, df.geometry.x
    for col, default in (("geo_precision", np.nan), ("time_precision", np.nan), ("fatalities", np.nan),
                         ("fatalities_low", np.nan), ("fatalities_high", np.nan), ("admin1", "")):
        if col not in df.columns:
            df[col] = default
    df.insert(0, "origin", name)
    df.insert(1, "uid", name + ":" + df["event_id_cnty"].astype(str))
    return df.reset_index(drop=True)


def link_duplicates(frames: dict[str, pd.DataFrame], distance_km: float = 10, days: int = 1, *,
                    fatalities_tolerance: int = 2, min_score: float = 0.0) -> Linked:
    """Link rows of different sources that record the same event; keep every row.

    Parameters
    ----------
    frames
        Source name → accepted incidents (the schema's columns); the first
        source is the reference: a duplicate points at the row of the earliest
        source in its group.
    distance_km
        Largest distance between two points of the same event.
    days
        Largest difference between two dates of the same event (widened by
        time precision, see the module documentation).
    fatalities_tolerance
        Fatality figures this close are always compatible.
    min_score
        Candidates scoring below this are listed but never linked.

    Returns
    -------
    Linked
        ``timeline`` (all rows, by date) and ``pairs`` (every candidate pair).

    Examples
    --------
    The same drone strike, reported by two sources 1.4 km apart:

    >>> import pandas as pd
    >>> def one(event_id, lat, lon):
    ...     return pd.DataFrame({"event_id_cnty": [event_id], "event_date": pd.to_datetime(["2021-11-07"]),
    ...                          "latitude": [lat], "longitude": [lon], "fatalities": [0],
    ...                          "event_type": ["Explosions/Remote violence"]})
    >>> linked = link_duplicates({"acled": one("IRQ1", 33.30, 44.39), "ucdp": one("645-9", 33.31, 44.40)})
    >>> linked.timeline[["uid", "duplicate_of"]].to_numpy().tolist()
    [['acled:IRQ1', nan], ['ucdp:645-9', 'acled:IRQ1']]
    >>> linked.summary()
    '2 rows from 2 sources; 1 candidate pairs, 1 rows linked as duplicates (all rows kept)'
    """
    if distance_km < 0 or days < 0:
        raise ValueError("distance_km and days must not be negative")
    names = list(frames)
    parts = [_prepare(n, frames[n]) for n in names]
    pairs = []
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            pairs.append(_candidates(parts[i], parts[j], distance_km, days, fatalities_tolerance))
    pairs = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(columns=PAIR_COLUMNS)
    timeline = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["origin", "uid"])
    rank = {n: k for k, n in enumerate(names)}
    duplicate_of = pd.Series(pd.NA, index=timeline["uid"], dtype=object)
    score_of = pd.Series(np.nan, index=timeline["uid"], dtype=float)
    group = {u: {u} for u in timeline["uid"]}
    origin = dict(zip(timeline["uid"], timeline["origin"]))
    linked, notes = [], []
    if len(pairs):
        pairs = pairs.sort_values(["score", "days_apart", "distance_km"], ascending=[False, True, True],
                                  kind="stable").reset_index(drop=True)
        for a, b, score in zip(pairs["uid_a"], pairs["uid_b"], pairs["score"]):
            ga, gb = group[a], group[b]
            if score < min_score:
                linked.append(False)
                notes.append(f"score below {min_score}")
            elif ga is gb:
                linked.append(False)
                notes.append("already in one group")
            elif {origin[u] for u in ga} & {origin[u] for u in gb}:
                linked.append(False)
                notes.append("a better match of the same source was linked first")
            else:
                merged = ga | gb
                for u in merged:
                    group[u] = merged
                linked.append(True)
                notes.append("")
                for u in (a, b):
                    score_of[u] = max(score, score_of[u]) if not np.isnan(score_of[u]) else score
        pairs["linked"], pairs["note"] = linked, notes
        seen = set()
        for u, g in group.items():
            if id(g) in seen or len(g) == 1:
                continue
            seen.add(id(g))
            head = min(g, key=lambda x: (rank[origin[x]], x))
            for member in g:
                if member != head:
                    duplicate_of[member] = head
    timeline["duplicate_of"] = duplicate_of.to_numpy()
    timeline["match_score"] = score_of.round(3).to_numpy()
    if "event_date" in timeline.columns:
        timeline = timeline.sort_values(["event_date", "origin"], kind="stable").reset_index(drop=True)
    return Linked(timeline, pairs[PAIR_COLUMNS] if len(pairs) else pd.DataFrame(columns=PAIR_COLUMNS))


def _candidates(a: pd.DataFrame, b: pd.DataFrame, distance_km: float, days: int, tol: int) -> pd.DataFrame:
    """Every pair (row of a, row of b) passing the four tests, scored."""
    if a.empty or b.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    da = pd.to_datetime(a["event_date"]).to_numpy("datetime64[D]").astype(np.int64)
    db = pd.to_datetime(b["event_date"]).to_numpy("datetime64[D]").astype(np.int64)
    slack = lambda df: pd.to_numeric(df["time_precision"], errors="coerce").map(DATE_SLACK).fillna(0)  # noqa: E731
    sa, sb = slack(a).to_numpy(), slack(b).to_numpy()
    order = np.argsort(db, kind="stable")
    db_sorted = db[order]
    max_sb = sb.max() if len(sb) else 0
    lat_a, lon_a, lat_b, lon_b = _num(a["latitude"]), _num(a["longitude"]), _num(b["latitude"]), _num(b["longitude"])
    coarse_a = (_num(a["geo_precision"]) >= 3)
    coarse_b = (_num(b["geo_precision"]) >= 3)
    adm_a, adm_b = a["admin1"].astype(str).to_numpy(), b["admin1"].astype(str).to_numpy()
    fa, fb = _num(a["fatalities"]), _num(b["fatalities"])
    la, ha = _range(a, fa)
    lb, hb = _range(b, fb)
    ta, tb = a["event_type"].astype(str).to_numpy(), b["event_type"].astype(str).to_numpy()
    rows = []
    for i in range(len(a)):
        lo = np.searchsorted(db_sorted, da[i] - days - sa[i] - max_sb, "left")
        hi = np.searchsorted(db_sorted, da[i] + days + sa[i] + max_sb, "right")
        if lo >= hi:
            continue
        js = order[lo:hi]
        gap = np.abs(db[js] - da[i])
        window = days + np.maximum(sa[i], sb[js])
        dist = _haversine(lat_a[i], lon_a[i], lat_b[js], lon_b[js])
        near = (dist <= distance_km) | ((coarse_a[i] | coarse_b[js]) & (adm_a[i] == adm_b[js]) & (adm_a[i] != ""))
        types = np.array([types_compatible(ta[i], t) for t in tb[js]], dtype=bool)
        unknown = np.isnan(fa[i]) | np.isnan(fb[js])
        overlap = (la[i] <= hb[js]) & (lb[js] <= ha[i])
        diff = np.abs(fa[i] - fb[js])
        close = (diff <= tol) | (diff <= 0.5 * np.fmax(fa[i], fb[js]))
        fat_ok = unknown | overlap | close
        ok = (gap <= window) & near & types & fat_ok
        for k in np.flatnonzero(ok):
            j = js[k]
            d_score = max(0.0, 1 - dist[k] / distance_km) if distance_km > 0 and dist[k] <= distance_km else \
                (1.0 if dist[k] == 0 else 0.25)
            t_score = 1.0 - gap[k] / (window[k] + 1)
            y_score = 1.0 if ta[i] == tb[j] else 0.5
            f_score = 0.5 if unknown[k] else (1.0 if diff[k] == 0 else max(0.0, 1 - diff[k] / max(fa[i], fb[j], 1)))
            score = (WEIGHTS["distance"] * d_score + WEIGHTS["date"] * t_score + WEIGHTS["type"] * y_score
                     + WEIGHTS["fatalities"] * f_score)
            rows.append({"uid_a": a["uid"].iat[i], "uid_b": b["uid"].iat[j], "source_a": a["origin"].iat[i],
                         "source_b": b["origin"].iat[j], "event_id_a": a["event_id_cnty"].iat[i],
                         "event_id_b": b["event_id_cnty"].iat[j], "event_date_a": a["event_date"].iat[i],
                         "event_date_b": b["event_date"].iat[j], "days_apart": int(gap[k]),
                         "distance_km": round(float(dist[k]), 2), "event_type_a": ta[i], "event_type_b": tb[j],
                         "fatalities_a": None if np.isnan(fa[i]) else int(fa[i]),
                         "fatalities_b": None if np.isnan(fb[j]) else int(fb[j]),
                         "score": round(float(score), 3), "linked": False, "note": ""})
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _range(df: pd.DataFrame, used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Low and high fatality figures (the figure used where a bound is unknown)."""
    lo = _num(df["fatalities_low"])
    hi = _num(df["fatalities_high"])
    return np.where(np.isnan(lo), used, lo), np.where(np.isnan(hi), used, hi)
