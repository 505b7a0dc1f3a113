"""Reading the election tables: one loader driven by each table's schema, and the cross-checked set.

The curated tables in ``geodata/elections/`` are read through
:func:`iraq_atlas.files.read_table` (text, with data row numbers), parsed to the
types their schema declares (:mod:`iraq_atlas.elections.schema`) and validated by
pandera and by the schema's table rules (329 seats a year, the governorates adding
up to the national total, known ISO codes and blocs, a source on every row). Any
breach is a :class:`~iraq_atlas.errors.DataError` naming file, row and column, so
a typo never turns into a wrong chart.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iraq_atlas.elections.schema import CITING, TABLES, TURNOUT_STAGES, table_schema
from iraq_atlas.files import data_path, read_table


def load_table(table: str, path: str | os.PathLike | None = None, **context: pd.DataFrame) -> pd.DataFrame:
    """Read one election table, parse it to its schema's types and validate it (every problem at once).

    Parameters
    ----------
    table : str
        A table of :data:`~iraq_atlas.elections.schema.TABLES`, e.g. ``"national_results"``.
    path : path-like, optional
        The CSV file (default: the curated one in ``geodata/elections/``).
    **context : pandas.DataFrame
        Loaded tables the schema's table rules check against (``national`` and
        ``governorate_seats`` for ``governorate_results``; ``sources``, the
        register of sources, for every table that cites one: each row's source
        must be registered and report that row's election. The curated tables
        are always checked against the curated register).

    Returns
    -------
    pandas.DataFrame
        The schema's columns (and any other column of the file), typed, in file order.

    Raises
    ------
    DataError
        A missing column, a cell that breaks a rule, a repeated key, a table rule
        broken, or a source about another election, each named with file, row
        (where one row is to blame) and column.

    Examples
    --------
    >>> t = load_table("national_turnout")
    >>> t.loc[t["year"] == 2025, ["stage", "turnout_pct"]].values.tolist()
    [['preliminary', 56.11], ['final', 56.11]]
    """
    schema = table_schema(table)
    if path is None and table in CITING and context.get("sources") is None:
        context["sources"] = _curated_sources()  # the curated tables answer to the curated register
    return read_table(Path(path) if path else data_path("elections", TABLES[table]), schema, **context)


def load_national_results(path: str | os.PathLike | None = None, *,
                          sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seats per list and year (final certified figures), validated; 329 seats each year.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``national_results.csv``).
    sources : pandas.DataFrame, optional
        The register of sources (:func:`load_sources`) the rows' sources are checked
        against; the curated table is always checked against the curated register.

    Returns
    -------
    pandas.DataFrame
        One row per year and list.

    Examples
    --------
    >>> n = load_national_results()
    >>> n.groupby("year")["seats"].sum().tolist()
    [329, 329, 329]
    """
    return load_table("national_results", path, sources=sources)


def load_governorate_seats(path: str | os.PathLike | None = None, *,
                           sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seats elected in each governorate per year (minority quota seats included), validated.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``governorate_seats.csv``).
    sources : pandas.DataFrame, optional
        The register of sources (:func:`load_sources`) the rows' sources are checked
        against; the curated table is always checked against the curated register.

    Returns
    -------
    pandas.DataFrame
        One row per year and governorate.

    Examples
    --------
    >>> g = load_governorate_seats()
    >>> int(g.loc[(g["year"] == 2021) & (g["iso_3166_2"] == "IQ-BG"), "seats"].iloc[0])
    71
    """
    return load_table("governorate_seats", path, sources=sources)


def load_governorate_results(path: str | os.PathLike | None = None, *,
                             national: pd.DataFrame | None = None,
                             governorate_seats: pd.DataFrame | None = None,
                             sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seats per list per governorate, where a source gives a complete breakdown.

    Each list_id must exist in the national results of the same year, with the same bloc;
    each governorate's rows must add up to its seat total.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``governorate_results.csv``).
    sources : pandas.DataFrame, optional
        The register of sources (:func:`load_sources`) the rows' sources are checked
        against; the curated table is always checked against the curated register.
    national, governorate_seats : pandas.DataFrame, optional
        The tables checked against (default: the curated ones).

    Returns
    -------
    pandas.DataFrame
        One row per year, governorate and list.

    Examples
    --------
    >>> r = load_governorate_results()
    >>> sorted(r["year"].unique().tolist())
    [2018, 2025]
    """
    national = load_national_results() if national is None else national
    governorate_seats = load_governorate_seats() if governorate_seats is None else governorate_seats
    return load_table("governorate_results", path, national=national, governorate_seats=governorate_seats,
                      sources=sources)


def load_milestones(path: str | os.PathLike | None = None, *,
                    sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Election milestones (election day, results, appeals, ratification, first session) with dates.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``milestones.csv``).
    sources : pandas.DataFrame, optional
        The register of sources (:func:`load_sources`) the rows' sources are checked
        against; the curated table is always checked against the curated register.

    Returns
    -------
    pandas.DataFrame
        One row per milestone, sorted by date.

    Examples
    --------
    >>> m = load_milestones()
    >>> str(m.set_index("milestone_id").loc["ed_2025", "date"].date())
    '2025-11-11'
    """
    out = load_table("milestones", path, sources=sources)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def load_national_turnout(path: str | os.PathLike | None = None, *,
                          sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """National turnout as IHEC announced it, one row per year and stage (preliminary/final), validated.

    ``turnout_pct`` is the announced percentage, not recomputed from the counts; counts may be empty.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``national_turnout.csv``).
    sources : pandas.DataFrame, optional
        The register of sources (:func:`load_sources`) the rows' sources are checked
        against; the curated table is always checked against the curated register.

    Returns
    -------
    pandas.DataFrame
        Sorted by year, preliminary before final.

    Examples
    --------
    >>> load_national_turnout()[["year", "stage"]].values.tolist()[:2]
    [[2018, 'preliminary'], [2021, 'preliminary']]
    """
    out = load_table("national_turnout", path, sources=sources)
    rank = out["stage"].map({st: i for i, st in enumerate(TURNOUT_STAGES)})
    return out.assign(_r=rank).sort_values(["year", "_r"]).drop(columns="_r").reset_index(drop=True)


def load_sources(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The register of the election tables' sources: publisher, publication date and the election reported.

    Every ``source_url`` of the curated election tables is in the register, and
    the election a source reports is the election of each row that cites it
    (checked when the tables are loaded), so a row never rests on an article
    about another election.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``sources.csv``).

    Returns
    -------
    pandas.DataFrame
        ``source_url``, ``publisher``, ``published`` (``YYYY-MM-DD``, ``YYYY-MM`` or
        ``YYYY``, empty when unknown), ``election`` (empty for a general page) and
        ``date_evidence`` (how the date is known).

    Examples
    --------
    >>> s = load_sources().set_index("source_url")
    >>> row = s.loc["https://akhbarmsr.news/5055"]
    >>> row["published"], int(row["election"])
    ('2021-10-09', 2021)
    """
    return load_table("sources", path)


@functools.cache
def _curated_sources() -> pd.DataFrame:
    return load_sources()


def _empty_turnout() -> pd.DataFrame:
    return pd.DataFrame(columns=list(table_schema("national_turnout").columns))


@dataclass
class ElectionData:
    """All the election tables, validated against each other.

    Made by :func:`load_elections`, which checks the tables against each other:
    every governorate result names a list of the national results of the same
    year (same bloc), and each governorate's rows add up to its seat total.

    Parameters
    ----------
    national : DataFrame
        Seats and votes per list and election year (:func:`load_national_results`).
    governorate_seats : DataFrame
        Seats, quotas and turnout per governorate and year (:func:`load_governorate_seats`).
    governorate_results : DataFrame
        Seats per list, governorate and year (:func:`load_governorate_results`).
    milestones : DataFrame
        The electoral calendar (:func:`load_milestones`).
    national_turnout : DataFrame
        National turnout per year and stage (:func:`load_national_turnout`).
    sources : DataFrame or None
        The register of the tables' sources (:func:`load_sources`), None for a
        folder without one.

    Examples
    --------
    >>> data = load_elections()
    >>> seats = data.governorate_seats.groupby("year").seats.sum()
    >>> {int(year): int(total) for year, total in seats.items()}
    {2018: 329, 2021: 329, 2025: 329}
    >>> n = data.national.set_index(["year", "list_id"]).seats
    >>> int(n[2018, "saairun"]), int(n[2021, "sadrist"])
    (54, 73)
    """

    national: pd.DataFrame
    governorate_seats: pd.DataFrame
    governorate_results: pd.DataFrame
    milestones: pd.DataFrame
    national_turnout: pd.DataFrame = field(default_factory=_empty_turnout)
    sources: pd.DataFrame | None = None


def load_elections(folder: str | os.PathLike | None = None) -> ElectionData:
    """Load and cross-check the election tables from ``folder`` (default: the curated geodata).

    Parameters
    ----------
    folder : path-like, optional
        A folder holding the five tables under their usual names, and optionally
        the register of their sources (``sources.csv``): when it is there, every
        row's source must be in it and report the row's election.

    Returns
    -------
    ElectionData
        The validated tables.

    Examples
    --------
    >>> data = load_elections()
    >>> len(data.governorate_seats)
    54
    """
    base = Path(folder) if folder else data_path("elections")
    register = base / TABLES["sources"]
    sources = _curated_sources() if folder is None else load_sources(register) if register.exists() else None
    national = load_national_results(base / TABLES["national_results"], sources=sources)
    seats = load_governorate_seats(base / TABLES["governorate_seats"], sources=sources)
    results = load_governorate_results(base / TABLES["governorate_results"], national=national,
                                       governorate_seats=seats, sources=sources)
    return ElectionData(national, seats, results, load_milestones(base / TABLES["milestones"], sources=sources),
                        load_national_turnout(base / TABLES["national_turnout"], sources=sources),
                        None if sources is None else sources.copy())  # the cached register stays as read


__all__ = ["load_table", "load_national_results", "load_governorate_seats", "load_governorate_results",
           "load_milestones", "load_national_turnout", "load_sources", "ElectionData", "load_elections"]
