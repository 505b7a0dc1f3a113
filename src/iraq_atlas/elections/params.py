"""Parameters of the election views: years, governorates, grouping, and the election cycle of a milestone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from iraq_atlas.elections.schema import YEARS
from iraq_atlas.errors import ParameterError
from iraq_atlas.places.governorates import iso_codes, to_iso

if TYPE_CHECKING:
    from iraq_atlas.elections.load import ElectionData


def check_years(years: list[str] | list[int]) -> list[int]:
    """Parse the ``years`` parameter: any of the election years, sorted, each once.

    Parameters
    ----------
    years : list of str or int
        Election years as given (text or numbers).

    Returns
    -------
    list of int

    Examples
    --------
    >>> check_years(["2025", "2018", "2025"])
    [2018, 2025]
    """
    out = []
    for y in years:
        try:
            v = int(str(y).strip())
        except ValueError:
            raise ParameterError(f"parameter 'years': {y!r} is not a year") from None
        if v not in YEARS:
            raise ParameterError(f"parameter 'years': {v} is not one of {list(YEARS)}")
        out.append(v)
    if not out:
        raise ParameterError(f"parameter 'years': give at least one of {', '.join(map(str, YEARS))}")
    return sorted(set(out))


def check_governorates(governorates: list[str]) -> list[str]:
    """Parse the ``governorates`` parameter to ISO codes (names and p-codes accepted; empty = all).

    Parameters
    ----------
    governorates : list of str
        Names, ISO 3166-2:IQ codes or OCHA p-codes.

    Returns
    -------
    list of str
        ISO codes in the order given; all 18 when the list is empty.

    Examples
    --------
    >>> check_governorates(["Nineveh", "IQ-BG"])
    ['IQ-NI', 'IQ-BG']
    """
    out = []
    for g in governorates:
        iso = to_iso(g)
        if iso is None:
            raise ParameterError(f"parameter 'governorates': unknown governorate {g!r}")
        out.append(iso)
    return out or sorted(iso_codes())


def check_grouping(grouping: str) -> str:
    """Check the ``grouping`` parameter: 'bloc' or 'list'.

    Parameters
    ----------
    grouping : str

    Returns
    -------
    str
        ``grouping`` itself.

    Examples
    --------
    >>> check_grouping("list")
    'list'
    """
    if grouping not in ("bloc", "list"):
        raise ParameterError(f"parameter 'grouping': {grouping!r} is not 'bloc' or 'list'")
    return grouping


def milestones_for(milestones: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Milestones of the chosen elections: dated in the election year or the year after.

    (The 2021 cycle ran to the new government of October 2022, the 2025 one into 2026.)

    Parameters
    ----------
    milestones : pandas.DataFrame
        With a datetime ``date`` column.
    years : list of int
        Election years.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> m = pd.DataFrame({"date": pd.to_datetime(["2021-10-10", "2022-10-27", "2025-11-11"])})
    >>> milestones_for(m, [2021])["date"].dt.year.tolist()
    [2021, 2022]
    """
    y = milestones["date"].dt.year
    return milestones[y.isin(years) | (y - 1).isin(years)].reset_index(drop=True)


def cycle_of(day) -> int:
    """The election cycle a date belongs to: the latest election year not after the date's year.

    A campaign before election day belongs to that year's cycle; the government
    formation of the following year(s) to it too, until the next election year.
    Dates before the first election year belong to its cycle.

    Parameters
    ----------
    day : date-like
        A date, a timestamp or ``YYYY-MM-DD`` text.

    Returns
    -------
    int
        One of :data:`~iraq_atlas.elections.schema.YEARS`.

    Examples
    --------
    >>> cycle_of("2025-10-03"), cycle_of("2022-10-27"), cycle_of("2026-05-14"), cycle_of("2019-10-01")
    (2025, 2021, 2025, 2018)
    """
    year = pd.Timestamp(day).year if not isinstance(day, dt.date) else day.year
    earlier = [y for y in YEARS if y <= year]
    return earlier[-1] if earlier else YEARS[0]


def breakdown_years(data: ElectionData) -> list[int]:
    """Election years with a per-governorate list breakdown for at least one governorate.

    Parameters
    ----------
    data : ElectionData
        The loaded tables.

    Returns
    -------
    list of int
        Sorted.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_elections
    >>> breakdown_years(load_elections())
    [2018, 2025]
    """
    return sorted({int(y) for y in data.governorate_results["year"].dropna().unique()})


__all__ = ["check_years", "check_governorates", "check_grouping", "milestones_for", "cycle_of", "breakdown_years"]
