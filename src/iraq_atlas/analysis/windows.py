"""Dates and windows: Baghdad calendar days, the possible dates of an event, windows around milestones.

Rules (each one is tested in ``tests/analysis/test_merge.py``)
------------------------------------------------------

* Dates are Asia/Baghdad calendar days. ``event_date`` in ACLED, UCDP and the
  curated set is already a local date and is used as written; a
  time-zone-aware timestamp is first converted to Asia/Baghdad
  (:func:`baghdad_day`), so 21:30 UTC on 9 Oct 2021 is 10 Oct 2021.
* For a milestone on day M and ``N`` days: ``before`` is [M − N, M − 1] and
  ``after`` is [M, M + N − 1], both ends included. The milestone day counts
  as *after*; each window holds exactly N days.
* An event's possible dates: ``time_precision`` 1 (or empty) is its day;
  2 (week) is any day from ``event_date`` − 6 to ``event_date`` + 6 (every
  7-day week that contains the recorded date); 3 (month) is the calendar
  month of ``event_date``. An event is counted in a window only when all its
  possible dates fall inside the window. When they only partly overlap it
  goes to that window's ``imprecise`` column instead; it is never dropped
  silently and never counted twice.
* The summary period [start, end] (both included) selects incidents by their
  recorded ``event_date``; ``coarse_dates`` counts those whose precision is a
  week or a month.

Baghdad (:func:`baghdad_focus`):
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from iraq_atlas.errors import ParameterError
from iraq_atlas.places.governorates import governorate_names, iso_codes
from iraq_atlas.vocab import TIME_ZONE


def baghdad_day(values) -> pd.Series:
    """Asia/Baghdad calendar day of each value (naive dates are taken as local already).

    Parameters
    ----------
    values : array-like
        Dates, texts or timestamps (time-zone aware or naive).

    Returns
    -------
    pandas.Series
        Midnight of each local day, naive.

    Examples
    --------
    >>> utc = pd.to_datetime(["2021-10-09 21:30"]).tz_localize("UTC")
    >>> baghdad_day(utc).dt.strftime("%Y-%m-%d").tolist()
    ['2021-10-10']
    """
    s = pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert(TIME_ZONE).dt.tz_localize(None).dt.normalize()
    s = pd.to_datetime(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert(TIME_ZONE).dt.tz_localize(None).dt.normalize()
    return s.dt.normalize()


def possible_dates(incidents: pd.DataFrame) -> pd.DataFrame:
    """First and last day an event may have happened, from ``event_date`` and ``time_precision``.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``event_date`` and ``time_precision`` (1 day, 2 week, 3 month; empty is a day).

    Returns
    -------
    pandas.DataFrame
        ``day, first_day, last_day, time_precision``, on the incidents' index.

    Examples
    --------
    >>> inc = pd.DataFrame({"event_date": pd.to_datetime(["2021-10-10", "2021-10-10"]), "time_precision": [2, 3]})
    >>> span = possible_dates(inc)
    >>> span["first_day"].dt.strftime("%d %b").tolist(), span["last_day"].dt.strftime("%d %b").tolist()
    (['04 Oct', '01 Oct'], ['16 Oct', '31 Oct'])
    """
    day = baghdad_day(incidents["event_date"]).set_axis(incidents.index)
    prec = pd.to_numeric(incidents["time_precision"], errors="coerce").fillna(1).astype(int)
    week, month = prec == 2, prec == 3
    first, last = day.copy(), day.copy()
    first[week] = day[week] - pd.Timedelta(days=6)
    last[week] = day[week] + pd.Timedelta(days=6)
    first[month] = day[month].dt.to_period("M").dt.start_time
    last[month] = day[month].dt.to_period("M").dt.end_time.dt.normalize()
    return pd.DataFrame({"day": day, "first_day": first, "last_day": last, "time_precision": prec})


def find_milestone(milestones: pd.DataFrame, milestone_id: str) -> pd.Series:
    """The milestone row with this id (ValueError naming the parameter when unknown).

    Parameters
    ----------
    milestones : pandas.DataFrame
        With a ``milestone_id`` column.
    milestone_id : str
        The id looked for.

    Returns
    -------
    pandas.Series
        The row.

    Examples
    --------
    >>> m = pd.DataFrame({"milestone_id": ["ed_2025"], "date": pd.to_datetime(["2025-11-11"])})
    >>> str(find_milestone(m, "ed_2025")["date"].date())
    '2025-11-11'
    """
    hit = milestones[milestones["milestone_id"] == milestone_id]
    if hit.empty:
        raise ParameterError(f"parameter 'milestone': unknown milestone_id {milestone_id!r}; "
                         f"known ids include {sorted(milestones['milestone_id'])[:40]}")
    return hit.iloc[0]


def milestone_windows(milestones: pd.DataFrame, milestone_ids: Sequence[str], days: int) -> pd.DataFrame:
    """Before/after windows of ``days`` days around each milestone (see the module documentation).

    Parameters
    ----------
    milestones : pandas.DataFrame
        ``milestone_id``, ``date`` and ``label``.
    milestone_ids : sequence of str
        The milestones to centre on.
    days : int
        Days in each window (at least 1).

    Returns
    -------
    pandas.DataFrame
        ``milestone_id, milestone_date, label, window, start, end``: two rows per milestone.

    Examples
    --------
    >>> m = pd.DataFrame({"milestone_id": ["ed_2025"], "date": pd.to_datetime(["2025-11-11"]), "label": ["vote"]})
    >>> w = milestone_windows(m, ["ed_2025"], 30)
    >>> [(r.window, f"{r.start:%d %b}", f"{r.end:%d %b}") for r in w.itertuples()]
    [('before', '12 Oct', '10 Nov'), ('after', '11 Nov', '10 Dec')]
    """
    if int(days) < 1:
        raise ParameterError(f"parameter 'window_days': must be at least 1, not {days}")
    rows = []
    for mid in milestone_ids:
        m = find_milestone(milestones, mid)
        day = baghdad_day([m["date"]]).iloc[0]
        d = pd.Timedelta(days=int(days))
        rows.append({"milestone_id": mid, "milestone_date": day, "label": m["label"], "window": "before",
                     "start": day - d, "end": day - pd.Timedelta(days=1)})
        rows.append({"milestone_id": mid, "milestone_date": day, "label": m["label"], "window": "after",
                     "start": day, "end": day + d - pd.Timedelta(days=1)})
    return pd.DataFrame(rows, columns=["milestone_id", "milestone_date", "label", "window", "start", "end"])


def window_membership(incidents: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and window it touches: ``status`` 'in' (whole range inside) or 'imprecise'.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With ``event_date`` and ``time_precision``.
    windows : pandas.DataFrame
        From :func:`milestone_windows`.

    Returns
    -------
    pandas.DataFrame
        ``row`` (the incident's index label), ``milestone_id``, ``window``, ``status``.

    Examples
    --------
    >>> m = pd.DataFrame({"milestone_id": ["ed"], "date": pd.to_datetime(["2021-10-10"]), "label": ["vote"]})
    >>> inc = pd.DataFrame({"event_date": pd.to_datetime(["2021-10-09", "2021-10-10"]), "time_precision": [1, 2]})
    >>> window_membership(inc, milestone_windows(m, ["ed"], 3))[["row", "window", "status"]].values.tolist()
    [[0, 'before', 'in'], [1, 'before', 'imprecise'], [1, 'after', 'imprecise']]
    """
    span = possible_dates(incidents)
    parts = []
    for w in windows.itertuples(index=False):
        inside = (span["first_day"] >= w.start) & (span["last_day"] <= w.end)
        overlap = (span["first_day"] <= w.end) & (span["last_day"] >= w.start)
        hit = overlap.to_numpy()
        parts.append(pd.DataFrame({"row": incidents.index[hit], "milestone_id": w.milestone_id,
                                   "window": w.window,
                                   "status": np.where(inside.to_numpy()[hit], "in", "imprecise")}))
    cols = ["row", "milestone_id", "window", "status"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def window_counts(joined: pd.DataFrame, windows: pd.DataFrame, *, by_governorate: bool = False,
                  governorates: Sequence[str] | None = None) -> pd.DataFrame:
    """Incidents, fatalities and imprecise events per window (and per governorate, zeros included).

    Parameters
    ----------
    joined : pandas.DataFrame
        Incidents with ``event_date``, ``time_precision``, ``fatalities`` (and ``governorate``
        when counted by governorate).
    windows : pandas.DataFrame
        From :func:`milestone_windows`.
    by_governorate : bool
        One row per window and governorate.
    governorates : sequence of str, optional
        ISO codes for the rows (default: all 18).

    Returns
    -------
    pandas.DataFrame
        The windows with ``incidents``, ``fatalities`` and ``imprecise``.

    Examples
    --------
    >>> m = pd.DataFrame({"milestone_id": ["ed"], "date": pd.to_datetime(["2021-10-10"]), "label": ["vote"]})
    >>> inc = pd.DataFrame({"event_date": pd.to_datetime(["2021-10-09", "2021-10-11"]), "time_precision": [1, 1],
    ...                     "fatalities": [2, 0], "governorate": ["IQ-BG", "IQ-BA"]})
    >>> c = window_counts(inc, milestone_windows(m, ["ed"], 3))
    >>> c[["window", "incidents", "fatalities"]].values.tolist()
    [['before', 1, 2], ['after', 1, 0]]
    """
    mem = window_membership(joined, windows)
    fat = pd.to_numeric(joined["fatalities"], errors="coerce")
    mem["fatalities"] = fat.reindex(mem["row"]).to_numpy() if len(mem) else []
    keys = ["milestone_id", "window"]
    base = windows.copy()
    if by_governorate:
        mem["iso_3166_2"] = joined["governorate"].reindex(mem["row"]).to_numpy() if len(mem) else []
        codes = list(governorates) if governorates else sorted(iso_codes())
        base = base.merge(pd.DataFrame({"iso_3166_2": codes}), how="cross")
        base.insert(base.columns.get_loc("iso_3166_2") + 1, "governorate", base["iso_3166_2"].map(governorate_names()))
        keys = keys + ["iso_3166_2"]
    inn = mem[mem["status"] == "in"].groupby(keys).agg(incidents=("row", "size"),
                                                      fatalities=("fatalities", lambda s: s.sum(min_count=1)))
    imp = mem[mem["status"] == "imprecise"].groupby(keys).size().rename("imprecise")
    out = base.join(inn, on=keys).join(imp, on=keys)
    out["incidents"] = out["incidents"].fillna(0).astype(int)
    out["fatalities"] = out["fatalities"].fillna(0).astype(int)
    out["imprecise"] = out["imprecise"].fillna(0).astype(int)
    return out.reset_index(drop=True)


__all__ = ["baghdad_day", "possible_dates", "find_milestone", "milestone_windows", "window_membership",
           "window_counts"]
