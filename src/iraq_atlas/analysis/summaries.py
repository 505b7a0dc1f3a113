"""Per-governorate summaries: incidents, casualties, seats and bloc seats in one row per governorate.

One row per governorate (all 18, zero rows included); see ``docs/merge.md`` for
every column. Incidents are selected by their recorded ``event_date`` in the
period [start, end] (both included); ``coarse_dates`` counts those whose
precision is a week or a month. Seats come from :mod:`iraq_atlas.elections`;
bloc columns stay empty where no per-governorate list breakdown is published.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from iraq_atlas.analysis.joins import FLAG_NAMES, join_incidents
from iraq_atlas.analysis.windows import possible_dates
from iraq_atlas.elections.load import ElectionData
from iraq_atlas.elections.schema import YEARS
from iraq_atlas.files import write_atomic
from iraq_atlas.places.governorates import governorate_names, iso_codes
from iraq_atlas.vocab import BLOC_ORDER, EVENT_TYPES

CAUSALITY_CAPTION = ("Association only: incidents and seat changes both reflect many things (population, "
                     "security presence, media coverage, who is counted). A pattern here is not evidence "
                     "that violence moved votes or that votes caused violence.")



def event_type_column(event_type: str) -> str:
    """Summary column name of an ACLED event type.

    Parameters
    ----------
    event_type : str
        An ACLED event type.

    Returns
    -------
    str

    Examples
    --------
    >>> event_type_column("Explosions/Remote violence")
    'type_explosions_remote_violence'
    """
    return "type_" + "".join(c if c.isalnum() else "_" for c in event_type.lower()).strip("_").replace("__", "_")


def _sum_known(values: pd.Series, fallback: pd.Series | None = None) -> pd.Series:
    """Counts ready to sum: numbers, unknown kept as <NA> (never 0), ``fallback`` filling unknowns.

    Sums skip unknown rows; :func:`governorate_summary` reports how many rows each
    sum left out (``fatalities_unknown``, ``injuries_unknown``), so a source that
    records no injuries (ACLED, UCDP) reads "0 known, N not counted", not "0".
    """
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    if fallback is not None:
        v = v.fillna(pd.to_numeric(fallback, errors="coerce").astype("Float64"))
    return v


def change_years(elections: ElectionData, year: int | None = None) -> tuple[int, int] | None:
    """The two elections a per-governorate seat change is measured between.

    The later one is ``year`` (default: the latest election with a published
    per-governorate list breakdown), the earlier one the latest election before it
    with a breakdown. None when ``year`` has no breakdown or no earlier election has one.

    Parameters
    ----------
    elections : ElectionData
        The loaded tables.
    year : int, optional
        The later election.

    Returns
    -------
    (int, int) or None

    Examples
    --------
    >>> from iraq_atlas.elections import load_elections
    >>> data = load_elections()
    >>> change_years(data), change_years(data, 2025), change_years(data, 2021), change_years(data, 2018)
    ((2018, 2025), (2018, 2025), None, None)
    """
    have = sorted({int(y) for y in elections.governorate_results["year"].unique()})
    later = have[-1] if year is None and have else year
    if later is None or int(later) not in have:
        return None
    earlier = [y for y in have if y < int(later)]
    return (earlier[-1], int(later)) if earlier else None


def _years_text(years: list[int]) -> str:
    if not years:
        return "not published"
    if len(years) == 1:
        return f"{years[0]} only"
    return ", ".join(map(str, years[:-1])) + f" and {years[-1]}"


def bloc_seats(elections: ElectionData, change: tuple[int, int] | None = None) -> pd.DataFrame:
    """Seats per governorate and bloc for each year with a published breakdown (wide, ISO-indexed).

    Parameters
    ----------
    elections : ElectionData
        The loaded tables.
    change : (int, int), optional
        The elections ``change_<bloc>`` compares (default: :func:`change_years`).

    Returns
    -------
    pandas.DataFrame
        ``seats_<year>_<bloc>`` for every election year (empty where that year's
        breakdown is not published, 0 for a bloc without seats where it is),
        ``change_<bloc>`` and ``bloc_data`` (the years with a breakdown).

    Examples
    --------
    >>> from iraq_atlas.elections import load_elections
    >>> b = bloc_seats(load_elections())
    >>> b.loc["IQ-NA", "bloc_data"], pd.isna(b.loc["IQ-BG", "seats_2021_sunni"])
    ('2018 and 2025', True)
    """
    res = elections.governorate_results
    g = res.groupby(["year", "iso_3166_2", "bloc"])["seats"].sum().reset_index()
    have = {int(y): set(g.loc[g["year"] == y, "iso_3166_2"]) for y in g["year"].unique()}
    codes = sorted(iso_codes())
    out = pd.DataFrame(index=pd.Index(codes, name="iso_3166_2"))
    for year in YEARS:
        part = g[g["year"] == year].pivot_table(index="iso_3166_2", columns="bloc", values="seats", aggfunc="sum")
        known = pd.Series([c in have.get(year, set()) for c in codes], index=codes)
        for bloc in BLOC_ORDER:
            col = part[bloc] if bloc in part.columns else pd.Series(dtype=float)
            vals = col.reindex(codes)
            out[f"seats_{year}_{bloc}"] = vals.where(~known, vals.fillna(0)).where(known).astype("Int64")
    change = change if change is not None else change_years(elections)
    for bloc in BLOC_ORDER:
        if change is None:
            out[f"change_{bloc}"] = pd.array([pd.NA] * len(codes), dtype="Int64")
        else:
            out[f"change_{bloc}"] = (out[f"seats_{change[1]}_{bloc}"] - out[f"seats_{change[0]}_{bloc}"]).astype("Int64")
    out["bloc_data"] = [_years_text([y for y in YEARS if c in have.get(y, set())]) for c in codes]
    out.attrs["change_years"] = change
    return out


def governorate_summary(joined: pd.DataFrame, elections: ElectionData, start=None, end=None, *,
                        governorates: Sequence[str] | None = None,
                        change: tuple[int, int] | None = None) -> pd.DataFrame:
    """One row per governorate (all 18 unless ``governorates`` narrows it), zero rows included.

    Incidents are selected by their Baghdad day in [start, end] (both included)
    and counted under ``governorate`` (see :func:`~iraq_atlas.analysis.joins.join_incidents`).
    ``fatalities`` and ``injuries`` sum the known figures; ``fatalities_unknown`` and
    ``injuries_unknown`` count the rows whose figure is unknown (not counted). Seats
    and incidents per seat are given for every election year, bloc seats where a
    per-governorate breakdown is published, and the change in Iran-aligned seats
    between the two elections of ``change`` (default: :func:`change_years`), which
    ``attrs["change_years"]`` records.

    Parameters
    ----------
    joined : pandas.DataFrame
        Incidents from :func:`~iraq_atlas.analysis.joins.join_incidents`.
    elections : ElectionData
        The loaded election tables.
    start, end : date-like, optional
        The period (both days included).
    governorates : sequence of str, optional
        ISO codes to keep (default: all 18).
    change : (int, int), optional
        The two elections the seat change compares.

    Returns
    -------
    pandas.DataFrame
        One row per governorate; the columns are listed in ``docs/merge.md``.

    Examples
    --------
    >>> from iraq_atlas.elections import load_elections
    >>> from iraq_atlas.places.boundaries import tile_grid_boundaries
    >>> none = pd.DataFrame(columns=["event_date", "time_precision", "governorate", "event_type", "fatalities",
    ...                              "fatalities_low", "fatalities_high", "injuries", "injuries_low",
    ...                              "injuries_high", *FLAG_NAMES])
    >>> s = governorate_summary(none, load_elections()).set_index("iso_3166_2")
    >>> int(s.loc["IQ-BG", "seats_2025"]), int(s.loc["IQ-BG", "incidents"]), s.attrs["change_years"]
    (71, 0, (2018, 2025))
    """
    span = possible_dates(joined)
    keep = pd.Series(True, index=joined.index)
    if start not in (None, ""):
        keep &= span["day"] >= pd.Timestamp(start)
    if end not in (None, ""):
        keep &= span["day"] <= pd.Timestamp(end)
    inc = joined[keep]
    codes = [c for c in sorted(iso_codes())]
    if governorates:
        codes = [c for c in codes if c in set(governorates)]
    out = pd.DataFrame({"iso_3166_2": codes})
    out["governorate"] = out["iso_3166_2"].map(governorate_names())
    grp = inc.groupby("governorate")
    out["incidents"] = out["iso_3166_2"].map(grp.size()).fillna(0).astype(int)
    for kind in ("fatalities", "injuries"):
        used = _sum_known(inc[kind])
        low = _sum_known(inc[f"{kind}_low"], inc[kind])
        high = _sum_known(inc[f"{kind}_high"], inc[kind])
        g = inc["governorate"]
        out[kind] = out["iso_3166_2"].map(used.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_low"] = out["iso_3166_2"].map(low.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_high"] = out["iso_3166_2"].map(high.groupby(g).sum()).fillna(0).astype(int)
        out[f"{kind}_unknown"] = out["iso_3166_2"].map(used.isna().groupby(g).sum()).fillna(0).astype(int)
    seats = elections.governorate_seats.pivot_table(index="iso_3166_2", columns="year", values="seats",
                                                    aggfunc="sum")
    newest_first = sorted(YEARS, reverse=True)
    for year in newest_first:
        col = seats[year] if year in seats.columns else pd.Series(dtype=float)
        out[f"seats_{year}"] = out["iso_3166_2"].map(col).astype("Int64")
        per = out["incidents"] / out[f"seats_{year}"].astype("Float64")
        out[f"incidents_per_seat_{year}"] = per.round(4)
    for t in EVENT_TYPES:
        out[event_type_column(t)] = out["iso_3166_2"].map(
            (inc["event_type"] == t).groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    coarse = pd.to_numeric(inc["time_precision"], errors="coerce").fillna(1) > 1
    out["coarse_dates"] = out["iso_3166_2"].map(coarse.groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    for f in FLAG_NAMES:
        out[f"n_{f}"] = out["iso_3166_2"].map(inc[f].groupby(inc["governorate"]).sum()).fillna(0).astype(int)
    blocs = bloc_seats(elections, change)
    pair = blocs.attrs["change_years"]
    for year in YEARS:
        out[f"iran_aligned_{year}"] = out["iso_3166_2"].map(blocs[f"seats_{year}_iran_aligned"]).astype("Int64")
    out["iran_aligned_change"] = out["iso_3166_2"].map(blocs["change_iran_aligned"]).astype("Int64")
    out["bloc_data"] = out["iso_3166_2"].map(blocs["bloc_data"])
    why = (f"unknown: no per-governorate bloc breakdown for both {pair[0]} and {pair[1]}" if pair
           else "unknown: no two elections with per-governorate bloc breakdowns")
    out["iran_aligned_change_status"] = np.where(out["iran_aligned_change"].notna(), "known", why)
    bloc_cols = [c for c in blocs.columns if c.startswith(("seats_20", "change_"))]
    out = out.join(blocs[bloc_cols], on="iso_3166_2")
    first = ["iso_3166_2", "governorate", "incidents", "fatalities", *(f"seats_{y}" for y in newest_first),
             *(f"incidents_per_seat_{y}" for y in newest_first)]
    out = out[first + [c for c in out.columns if c not in first]]
    out.attrs["change_years"] = pair
    return out


def summary_table(source: str | os.PathLike | None = None, format: str = "auto", start=None, end=None,
                  boundaries_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The CLI's per-governorate summary: load incidents, join them, add seats (one call).

    Parameters
    ----------
    source : path-like, optional
        An incident file (default: the curated set).
    format : str
        Its format (``auto`` guesses from the columns).
    start, end : date-like, optional
        The period.
    boundaries_path : path-like, optional
        Governorate boundaries (default: the usual search).

    Returns
    -------
    pandas.DataFrame
        :func:`governorate_summary` of the loaded incidents.

    Examples
    --------
    >>> s = summary_table(start="2025-10-12", end="2025-12-10").set_index("iso_3166_2")
    >>> int(s["incidents"].sum()), int(s.loc["IQ-BG", "incidents"])
    (5, 2)
    """
    from iraq_atlas.elections.load import load_elections
    from iraq_atlas.incidents import load_incidents
    from iraq_atlas.places.boundaries import load_boundaries

    adm1 = load_boundaries("ADM1", boundaries_path)
    loaded = load_incidents(source, format, start, end, boundaries=None if adm1.is_fallback else adm1)
    joined = join_incidents(loaded.accepted, adm1)
    return governorate_summary(joined, load_elections(), start, end)


# -- output ---------------------------------------------------------------------------------
def incident_table(joined: pd.DataFrame) -> pd.DataFrame:
    """The joined incidents as a plain table (no geometry; dates as YYYY-MM-DD) for CSV and Parquet.

    Parameters
    ----------
    joined : pandas.DataFrame
        Any incident table (a GeoDataFrame's geometry is dropped).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> incident_table(pd.DataFrame({"event_date": pd.to_datetime(["2025-11-11"])}))["event_date"].tolist()
    ['2025-11-11']
    """
    out = pd.DataFrame(joined.drop(columns=[c for c in ("geometry",) if c in joined.columns])).copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
        elif isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    return out


def write_tables(tables: dict[str, pd.DataFrame], folder: str | os.PathLike, prefix: str = "") -> list[Path]:
    """Write each table as ``<prefix><name>.csv`` and ``.parquet``, each file atomically.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Name → table (passed through :func:`incident_table`).
    folder : path-like
        Created if missing.
    prefix : str
        Put before each name, e.g. ``"04_"``.

    Returns
    -------
    list of Path
        Every file written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_tables({"t": pd.DataFrame({"a": [1]})}, d, "04_")]
    ['04_t.csv', '04_t.parquet']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        df = incident_table(df)
        paths.append(write_atomic(folder / f"{prefix}{name}.csv", df.to_csv(index=False, lineterminator="\n")))
        paths.append(write_atomic(folder / f"{prefix}{name}.parquet", df.to_parquet(index=False)))
    return paths


__all__ = ["CAUSALITY_CAPTION", "event_type_column", "change_years", "bloc_seats", "governorate_summary", "summary_table",
           "incident_table", "write_tables"]
