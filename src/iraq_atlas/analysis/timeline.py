"""Time: political and election milestones, date windows, and the incidents-over-time chart.

Milestones come from two curated tables (``geodata/incidents/milestones.csv``
for political events, ``geodata/elections/milestones.csv`` for the electoral
calendar). Both are validated cell by cell; where the two tables record the
same kind of event on the same day, the chart draws one line for both.
Key incidents (the 5 Nov 2021 clash at the Green Zone gates and the 7 Nov 2021
drone strike on the Prime Minister's residence) are drawn as lines too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import data_path, read_csv
from iraq_atlas.incidents.validation import parse_dates
from iraq_atlas.vocab import EVENT_TYPES

MILESTONE_COLUMNS = ["date", "milestone_id", "label", "kind", "source_url"]
MILESTONE_KINDS = ("protest", "resignation", "killing", "government", "campaign", "special_voting",
                   "election_day", "results", "appeals", "ratification", "parliament_session")
# The incidents drawn as lines on the timeline: 5 Nov 2021 clash, 7 Nov 2021 drone strike.
KEY_INCIDENT_IDS = ("IRQIA0049", "IRQIA0050")
LINE_STYLES = {
    "campaign": ("#8d6e63", ":"), "special_voting": ("#000000", ":"), "election_day": ("#000000", "-"), "results": ("#455a64", "--"), "ratification": ("#455a64", ":"),
    "appeals": ("#90a4ae", ":"), "parliament_session": ("#6a1b9a", "-."), "government": ("#6a1b9a", "--"),
    "resignation": ("#8d6e63", "--"), "killing": ("#b71c1c", "-."), "protest": ("#1f77b4", ":"),
    "incident": ("#d62728", "-"),
}
FREQUENCIES = {"D": "day", "W": "week", "M": "month"}


def _read_milestones(path: Path, origin: str, problems: list[Problem]) -> pd.DataFrame:
    df = read_csv(path, required=MILESTONE_COLUMNS)
    name = path.name
    dates = parse_dates(df["date"])
    for r in df.loc[dates.isna(), "_row"]:
        problems.append(Problem(name, int(r), "date", "not a date (use YYYY-MM-DD)"))
    for r, k in df.loc[~df["kind"].isin(MILESTONE_KINDS), ["_row", "kind"]].itertuples(index=False):
        problems.append(Problem(name, int(r), "kind", f"unknown kind {k!r}; use one of {list(MILESTONE_KINDS)}"))
    for r in df.loc[~df["source_url"].str.match(r"https?://"), "_row"]:
        problems.append(Problem(name, int(r), "source_url", "every milestone needs a source URL"))
    for r in df.loc[df["label"] == "", "_row"]:
        problems.append(Problem(name, int(r), "label", "value is missing"))
    for r, m in df.loc[df["milestone_id"].duplicated(keep="first"), ["_row", "milestone_id"]].itertuples(index=False):
        problems.append(Problem(name, int(r), "milestone_id", f"duplicate id {m!r}"))
    return df.assign(date=dates, origin=origin).drop(columns="_row")


def load_milestones(political: str | os.PathLike | None = None,
                    elections: str | os.PathLike | None = None) -> pd.DataFrame:
    """Political and election milestones in one table sorted by date (DataError listing every bad cell).

    Parameters
    ----------
    political : path-like, optional
        Political milestones CSV (default: the shipped ``incidents/milestones.csv``).
    elections : path-like, optional
        Electoral calendar CSV (default: the shipped ``elections/milestones.csv``).

    Returns
    -------
    DataFrame
        ``date`` (datetime), ``milestone_id``, ``label``, ``kind``, ``source_url``
        and ``origin`` (``"political"`` or ``"elections"``), sorted by date then origin.

    Raises
    ------
    DataError
        Naming file, row and column of every bad date, kind, label, id or missing source URL.

    Examples
    --------
    >>> m = load_milestones()
    >>> m[m.date == "2021-10-10"][["milestone_id", "kind", "origin"]].values.tolist()
    [['ed_2021', 'election_day', 'elections'], ['election_day_2021', 'election_day', 'political']]
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "milestones.csv"
    ...     _ = p.write_text("date,milestone_id,label,kind,source_url\\n"
    ...                      "2021-13-01,x,A protest,protest,https://example.org/x\\n")
    ...     try:
    ...         load_milestones(political=p)
    ...     except DataError as exc:
    ...         print(exc.problems[0])
    milestones.csv, row 1, column 'date': not a date (use YYYY-MM-DD)
    """
    problems: list[Problem] = []
    parts = [_read_milestones(Path(political or data_path("incidents", "milestones.csv")), "political", problems),
             _read_milestones(Path(elections or data_path("elections", "milestones.csv")), "elections", problems)]
    if problems:
        raise DataError(problems)
    return pd.concat(parts, ignore_index=True).sort_values(["date", "origin"], kind="stable").reset_index(drop=True)


def key_incidents(incidents: pd.DataFrame, ids: tuple[str, ...] = KEY_INCIDENT_IDS) -> pd.DataFrame:
    """Incidents shaped as milestones (kind ``incident``), labelled from their own date, type and place.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with ``event_id_cnty``, ``event_date``, ``sub_event_type``, ``location`` and
        ``source_url`` (e.g. ``load_incidents().accepted``).
    ids : tuple of str
        The incidents to keep (default: the 5 Nov 2021 clash at the Green Zone gates and the
        7 Nov 2021 drone strike on the Prime Minister's residence).

    Returns
    -------
    pandas.DataFrame
        ``date``, ``milestone_id`` (the incident's id), ``label``, ``kind`` (``incident``),
        ``source_url`` and ``origin`` (``incidents``), one row per incident found: the shape of
        :func:`load_milestones`, so the two can be concatenated.

    Examples
    --------
    >>> inc = pd.DataFrame({"event_id_cnty": ["X1"], "event_date": [pd.Timestamp("2021-11-07")],
    ...                     "sub_event_type": ["Air/drone strike"], "location": ["Baghdad"], "source_url": [""]})
    >>> key_incidents(inc, ("X1",))[["milestone_id", "label", "kind"]].values.tolist()
    [['X1', '7 Nov 2021: air/drone strike, Baghdad', 'incident']]
    """
    hit = incidents[incidents["event_id_cnty"].isin(ids)]
    label = (hit["event_date"].dt.day.astype(str) + hit["event_date"].dt.strftime(" %b %Y") + ": " + hit["sub_event_type"].str.lower()
             + ", " + hit["location"])
    return pd.DataFrame({"date": hit["event_date"], "milestone_id": hit["event_id_cnty"], "label": label,
                         "kind": "incident", "source_url": hit["source_url"], "origin": "incidents"})


def select_window(df: pd.DataFrame, start=None, end=None, column: str = "date") -> pd.DataFrame:
    """Rows whose ``column`` date lies in [start, end] (either bound may be None).

    Parameters
    ----------
    df : pandas.DataFrame
        Any table with a datetime column.
    start, end : date-like, optional
        The bounds, both included; None or ``""`` leaves that side open.
    column : str
        The date column.

    Returns
    -------
    pandas.DataFrame
        The rows in the window, in their order, with their index.

    Examples
    --------
    >>> ms = pd.DataFrame({"date": pd.to_datetime(["2021-10-10", "2021-11-07", "2022-01-09"])})
    >>> select_window(ms, "2021-11-01", None)["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2021-11-07', '2022-01-09']
    >>> len(select_window(ms, end="2021-11-07"))
    2
    """
    keep = pd.Series(True, index=df.index)
    if start not in (None, ""):
        keep &= df[column] >= pd.Timestamp(start)
    if end not in (None, ""):
        keep &= df[column] <= pd.Timestamp(end)
    return df[keep]


def lines_for_chart(milestones: pd.DataFrame) -> pd.DataFrame:
    """One line per (date, kind): milestones recorded in both tables are merged, ids joined by '|'.

    Parameters
    ----------
    milestones : pandas.DataFrame
        ``date``, ``milestone_id``, ``label``, ``kind`` and ``source_url``
        (:func:`load_milestones`, possibly with :func:`key_incidents` added).

    Returns
    -------
    pandas.DataFrame
        ``date``, ``kind``, ``label`` and ``source_url`` (of the first milestone of each pair)
        and ``milestone_ids``, sorted by date and kind.

    Examples
    --------
    >>> ms = pd.DataFrame({"date": pd.to_datetime(["2021-10-10", "2021-10-10"]), "milestone_id": ["a", "b"],
    ...                    "label": ["Election day", "Polling day"], "kind": ["election_day", "election_day"],
    ...                    "source_url": ["", ""]})
    >>> lines_for_chart(ms)[["label", "milestone_ids"]].values.tolist()
    [['Election day', 'a|b']]
    """
    if milestones.empty:
        return milestones.assign(milestone_ids=pd.Series(dtype=str))
    g = milestones.groupby(["date", "kind"], sort=True)
    return g.agg(label=("label", "first"), milestone_ids=("milestone_id", "|".join),
                 source_url=("source_url", "first")).reset_index()


def counts_by_period(incidents: pd.DataFrame, start, end, freq: str = "W") -> pd.DataFrame:
    """Incidents per day / week (starting Monday) / month and event type, zero-filled over [start, end]."""
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {list(FREQUENCIES)}, not {freq!r}")
    rule = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    inc = select_window(incidents, start, end, "event_date")
    period = inc["event_date"].dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq]).dt.start_time
    table = pd.crosstab(period, inc["event_type"]) if len(inc) else pd.DataFrame()
    first = start.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq]).start_time
    index = pd.date_range(first, end, freq=rule)
    types = [t for t in EVENT_TYPES if t in table.columns] or list(EVENT_TYPES[:0])
    return table.reindex(index=index, columns=types, fill_value=0).fillna(0).astype(int).rename_axis("period")


