"""Aggregating the election tables: seats by list, bloc and governorate, turnout, and change across elections.

Every function takes validated tables (:mod:`iraq_atlas.elections.load`) and returns a
new frame; nothing here reads a file except where a function loads the curated set by default.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from iraq_atlas.elections.load import ElectionData, load_elections
from iraq_atlas.elections.params import check_governorates, check_years
from iraq_atlas.elections.schema import BLOCS, TOTAL_SEATS, TURNOUT_STAGES, YEARS
from iraq_atlas.errors import DataError, ParameterError, Problem
from iraq_atlas.places.governorates import governorate_names
from iraq_atlas.vocab import BLOC_LABELS

TABLE_COLUMNS = ["year", "name", "iso_3166_2", "bloc", "seats"]
Grouping = Literal["list", "bloc", "governorate"]


def _share(seats: pd.Series) -> pd.Series:
    return (seats / TOTAL_SEATS * 100).round(2)


def _bloc_rank(bloc: pd.Series) -> pd.Series:
    return bloc.map({b: i for i, b in enumerate(BLOCS)})


def seats_by_list(national: pd.DataFrame) -> pd.DataFrame:
    """One row per year and list: seats and share of the 329 seats, largest first.

    Parameters
    ----------
    national : pandas.DataFrame
        National results (:func:`~iraq_atlas.elections.load.load_national_results`).

    Returns
    -------
    pandas.DataFrame
        ``year, list_id, list_name_en, leader, bloc, seats, share_pct``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_national_results
    >>> top = seats_by_list(load_national_results()).groupby("year").head(1)
    >>> top[["year", "list_id", "seats"]].values.tolist()
    [[2018, 'saairun', 54], [2021, 'sadrist', 73], [2025, 'rdc', 46]]
    """
    df = national[["year", "list_id", "list_name_en", "leader", "bloc", "seats"]].copy()
    df["seats"] = df["seats"].astype(int)
    df["share_pct"] = _share(df["seats"])
    return df.sort_values(["year", "seats", "list_name_en"], ascending=[True, False, True]).reset_index(drop=True)


def seats_by_bloc(national: pd.DataFrame) -> pd.DataFrame:
    """Seats and share per year and bloc (blocs in the palette's order; only blocs that won seats).

    Parameters
    ----------
    national : pandas.DataFrame
        National results.

    Returns
    -------
    pandas.DataFrame
        ``year, bloc, label, lists, seats, share_pct``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_national_results
    >>> b = seats_by_bloc(load_national_results()).set_index(["year", "bloc"])
    >>> int(b.loc[(2021, "iran_aligned"), "seats"]), float(b.loc[(2021, "sadrist"), "share_pct"])
    (22, 22.19)
    """
    df = national.groupby(["year", "bloc"], as_index=False).agg(seats=("seats", "sum"), lists=("list_id", "size"))
    df["seats"] = df["seats"].astype(int)
    df = df[df["seats"] > 0].copy()
    df["label"] = df["bloc"].map(BLOC_LABELS)
    df["share_pct"] = _share(df["seats"])
    df = df.assign(_r=_bloc_rank(df["bloc"])).sort_values(["year", "_r"]).drop(columns="_r")
    return df[["year", "bloc", "label", "lists", "seats", "share_pct"]].reset_index(drop=True)


def seats_by_governorate(governorate_seats: pd.DataFrame) -> pd.DataFrame:
    """Seats per year and governorate with quotas and constituencies, names in English.

    Parameters
    ----------
    governorate_seats : pandas.DataFrame
        The governorate allocation table.

    Returns
    -------
    pandas.DataFrame
        ``year, iso_3166_2, name, seats, minority_seats, women_quota, constituencies, share_pct``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_governorate_seats
    >>> g = seats_by_governorate(load_governorate_seats())
    >>> first = g[g["year"] == 2018].iloc[0]
    >>> first["name"], int(first["seats"])
    ('Baghdad', 71)
    """
    names = governorate_names()
    cols = ["year", "iso_3166_2", "seats", "minority_seats", "women_quota", "constituencies"]
    df = governorate_seats[cols].copy()
    df.insert(2, "name", df["iso_3166_2"].map(names))
    df["share_pct"] = _share(df["seats"].astype(int))
    return df.sort_values(["year", "seats", "name"], ascending=[True, False, True]).reset_index(drop=True)


def governorate_blocs(results: pd.DataFrame) -> pd.DataFrame:
    """Seats per year, governorate and bloc, only where a complete breakdown is published.

    Parameters
    ----------
    results : pandas.DataFrame
        Per-governorate list results.

    Returns
    -------
    pandas.DataFrame
        ``year, iso_3166_2, name, bloc, seats``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_governorate_results
    >>> g = governorate_blocs(load_governorate_results())
    >>> g[(g["year"] == 2025) & (g["iso_3166_2"] == "IQ-AR")][["bloc", "seats"]].values.tolist()
    [['kurdish', 15], ['minority_quota', 1]]
    """
    df = results.groupby(["year", "iso_3166_2", "bloc"], as_index=False)["seats"].sum()
    df["seats"] = df["seats"].astype(int)
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df = df.assign(_r=_bloc_rank(df["bloc"])).sort_values(["year", "iso_3166_2", "_r"]).drop(columns="_r")
    return df.reset_index(drop=True)


def breakdown_coverage(governorate_seats: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """For every year and governorate: is a list-by-list breakdown published? (marks the gaps).

    Parameters
    ----------
    governorate_seats, results : pandas.DataFrame
        The allocation and the per-governorate list results.

    Returns
    -------
    pandas.DataFrame
        ``year, iso_3166_2, name, seats, breakdown`` (``published`` or ``not published``).

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_elections
    >>> d = load_elections()
    >>> c = breakdown_coverage(d.governorate_seats, d.governorate_results)
    >>> published = c[c["breakdown"] == "published"]
    >>> sorted(set(published["year"].tolist())), len(published)
    ([2018, 2025], 10)
    """
    have = set(zip(results["year"].astype(int), results["iso_3166_2"]))
    df = governorate_seats[["year", "iso_3166_2", "seats"]].copy()
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df["breakdown"] = [("published" if (int(y), i) in have else "not published")
                       for y, i in zip(df["year"], df["iso_3166_2"])]
    return df.sort_values(["year", "name"]).reset_index(drop=True)


def turnout(governorate_seats: pd.DataFrame) -> pd.DataFrame:
    """Turnout per year and governorate, with status 'published' or 'not published' (never zero-filled).

    Parameters
    ----------
    governorate_seats : pandas.DataFrame
        The allocation table (it carries the turnout columns).

    Returns
    -------
    pandas.DataFrame
        ``year, iso_3166_2, name, registered_voters, votes_cast, turnout_pct, status``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_governorate_seats
    >>> t = turnout(load_governorate_seats()).set_index(["year", "iso_3166_2"])
    >>> float(t.loc[(2025, "IQ-AR"), "turnout_pct"]), t.loc[(2018, "IQ-AR"), "status"]
    (71.82, 'not published')
    """
    df = governorate_seats[["year", "iso_3166_2", "registered_voters", "votes_cast", "turnout_pct"]].copy()
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df["status"] = df["turnout_pct"].notna().map({True: "published", False: "not published"})
    return df.sort_values(["year", "name"]).reset_index(drop=True)


NATIONAL_TURNOUT_COLUMNS = ["year", "stage", "registered_voters", "votes_cast", "turnout_pct", "source_url"]


def national_turnout_table(data: ElectionData | pd.DataFrame) -> pd.DataFrame:
    """One row per year: the final national turnout where published, else the preliminary one.

    ``stage`` says which figure the row is.

    Parameters
    ----------
    data : ElectionData or pandas.DataFrame
        The loaded tables, or their ``national_turnout`` frame.

    Returns
    -------
    pandas.DataFrame
        :data:`NATIONAL_TURNOUT_COLUMNS`, one row per year.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_elections
    >>> national_turnout_table(load_elections())[["year", "stage", "turnout_pct"]].values.tolist()
    [[2018, 'preliminary', 44.52], [2021, 'final', 44.0], [2025, 'final', 56.11]]
    """
    df = data.national_turnout if isinstance(data, ElectionData) else data
    if df.empty:
        return pd.DataFrame(columns=NATIONAL_TURNOUT_COLUMNS)
    rank = df["stage"].map({st: i for i, st in enumerate(TURNOUT_STAGES)})
    best = df.assign(_r=rank).sort_values(["year", "_r"]).groupby("year", as_index=False).tail(1)
    out = best[NATIONAL_TURNOUT_COLUMNS].copy()
    out["year"] = out["year"].astype(int)
    return out.sort_values("year").reset_index(drop=True)


def _change(frame: pd.DataFrame, key: str, first: int, second: int) -> pd.DataFrame:
    a = frame[frame["year"] == first].set_index(key)
    b = frame[frame["year"] == second].set_index(key)
    out = pd.DataFrame(index=a.index.union(b.index, sort=False))
    out[f"seats_{first}"] = a["seats"].reindex(out.index).fillna(0).astype(int)
    out[f"seats_{second}"] = b["seats"].reindex(out.index).fillna(0).astype(int)
    out["change"] = out[f"seats_{second}"] - out[f"seats_{first}"]
    out[f"share_{first}"] = _share(out[f"seats_{first}"])
    out[f"share_{second}"] = _share(out[f"seats_{second}"])
    out["share_change_pp"] = (out[f"share_{second}"] - out[f"share_{first}"]).round(2)
    return out


def change_by_bloc(national: pd.DataFrame, first: int = 2018, second: int = 2021) -> pd.DataFrame:
    """Seats and share per bloc in two elections and the change (a bloc absent in one year counts 0).

    Parameters
    ----------
    national : pandas.DataFrame
        National results.
    first, second : int
        The two elections.

    Returns
    -------
    pandas.DataFrame
        ``bloc, label, seats_<first>, seats_<second>, change, share_…, share_change_pp``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_national_results
    >>> c = change_by_bloc(load_national_results(), 2021, 2025).set_index("bloc")
    >>> c.loc["sadrist", ["seats_2021", "seats_2025", "change"]].tolist()
    [73, 0, -73]
    """
    out = _change(seats_by_bloc(national), "bloc", first, second).reset_index(names="bloc")
    out.insert(1, "label", out["bloc"].map(BLOC_LABELS))
    out = out.assign(_r=_bloc_rank(out["bloc"])).sort_values("_r").drop(columns="_r")
    return out.reset_index(drop=True)


def list_successors(national: pd.DataFrame, first: int = 2018, second: int = 2021) -> pd.DataFrame:
    """Pairs of lists that are the same list in both elections.

    A pair matches on the same ``list_id``; failing that, on the same single named
    leader and the same bloc (Sairoon in 2018 and the Sadrist Bloc in 2021 are both
    Muqtada al-Sadr's). Joint lists with two leaders never match, so mergers stay apart.

    Parameters
    ----------
    national : pandas.DataFrame
        National results.
    first, second : int
        The two elections.

    Returns
    -------
    pandas.DataFrame
        ``list_id_<first>, list_id_<second>, matched_by`` (``list_id`` or ``leader``).

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_national_results
    >>> p = list_successors(load_national_results()).set_index("list_id_2018")
    >>> p.loc["saairun"].tolist()
    ['sadrist', 'leader']
    """
    a = national[national["year"] == first]
    b = national[national["year"] == second]
    pairs = []
    used_b: set[str] = set()
    for r in a.itertuples():
        if r.list_id in set(b["list_id"]):
            pairs.append((r.list_id, r.list_id, "list_id"))
            used_b.add(r.list_id)
    taken_a = {p[0] for p in pairs}
    for r in a.itertuples():
        leader = (r.leader or "").strip()
        if r.list_id in taken_a or not leader or ";" in leader or "(" in leader:
            continue
        hits = b[(b["leader"] == leader) & (b["bloc"] == r.bloc) & ~b["list_id"].isin(used_b)]
        if len(hits) == 1:
            pairs.append((r.list_id, hits.iloc[0]["list_id"], "leader"))
            used_b.add(hits.iloc[0]["list_id"])
    return pd.DataFrame(pairs, columns=[f"list_id_{first}", f"list_id_{second}", "matched_by"])


def change_by_list(national: pd.DataFrame, first: int = 2018, second: int = 2021) -> pd.DataFrame:
    """Seat and share change for lists that ran in both elections (see :func:`list_successors`).

    Parameters
    ----------
    national : pandas.DataFrame
        National results.
    first, second : int
        The two elections.

    Returns
    -------
    pandas.DataFrame
        ``list_id, name, bloc, matched_by, seats_<first>, seats_<second>, change, share_…``.

    Examples
    --------
    >>> from iraq_atlas.elections.load import load_national_results
    >>> c = change_by_list(load_national_results()).set_index("list_id")
    >>> c.loc["fatah", ["seats_2018", "seats_2021", "change"]].tolist()
    [48, 17, -31]
    """
    pairs = list_successors(national, first, second)
    a = national[national["year"] == first].set_index("list_id")
    b = national[national["year"] == second].set_index("list_id")
    rows = []
    for p in pairs.itertuples(index=False):
        ia, ib, how = p
        name_a, name_b = a.at[ia, "list_name_en"], b.at[ib, "list_name_en"]
        rows.append({"list_id": ib, "name": name_b if name_a == name_b else f"{name_a} → {name_b}",
                     "bloc": b.at[ib, "bloc"], "matched_by": how,
                     f"seats_{first}": int(a.at[ia, "seats"]), f"seats_{second}": int(b.at[ib, "seats"])})
    out = pd.DataFrame(rows, columns=["list_id", "name", "bloc", "matched_by", f"seats_{first}", f"seats_{second}"])
    out["change"] = out[f"seats_{second}"] - out[f"seats_{first}"]
    out[f"share_{first}"] = _share(out[f"seats_{first}"])
    out[f"share_{second}"] = _share(out[f"seats_{second}"])
    out["share_change_pp"] = (out[f"share_{second}"] - out[f"share_{first}"]).round(2)
    big = out[[f"seats_{first}", f"seats_{second}"]].max(axis=1)
    return out.assign(_big=big).sort_values(["_big", "name"], ascending=[False, True]).drop(columns="_big") \
        .reset_index(drop=True)


def seats_table(year: int, by: Grouping = "list", data: ElectionData | None = None, *,
                governorate: str | None = None) -> pd.DataFrame:
    """The CLI table ``year,name,iso_3166_2,bloc,seats`` for one election.

    ``by="governorate"`` counts every seat elected in each governorate (minority
    quota seats included) and fills ``iso_3166_2``; for lists and blocs it is empty.
    ``governorate`` (with ``by="list"``) gives the seats each list won inside one
    governorate, where a source published the breakdown (DataError otherwise).

    Parameters
    ----------
    year : int
        An election year.
    by : {"list", "bloc", "governorate"}
        The grouping.
    data : ElectionData, optional
        Loaded tables (default: the curated ones).
    governorate : str, optional
        A governorate (ISO code, name or p-code), with ``by="list"``.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`.

    Examples
    --------
    >>> seats_table(2025, "list", governorate="IQ-AR")["seats"].sum()
    np.int64(16)
    """
    year = int(year)
    if year not in YEARS:
        raise ParameterError(f"year must be one of {list(YEARS)}, not {year}")
    if by not in ("list", "bloc", "governorate"):
        raise ParameterError(f"by must be 'list', 'bloc' or 'governorate', not {by!r}")
    data = data or load_elections()
    if governorate is not None:
        if by != "list":
            raise ParameterError("a governorate is given with by='list' only")
        iso = check_governorates([governorate])[0]
        res = data.governorate_results
        part = res[(res["year"] == year) & (res["iso_3166_2"] == iso)]
        if part.empty:
            raise DataError([Problem("governorate_results.csv", None, "iso_3166_2",
                                     f"no per-list breakdown of {year} for {iso} in the sources")])
        names = data.national[data.national["year"] == year].set_index("list_id")["list_name_en"]
        df = part.assign(name=part["list_id"].map(names).fillna(part["list_id"]))
        df = df.sort_values(["seats", "name"], ascending=[False, True])
        df = df.assign(year=df["year"].astype(int), seats=df["seats"].astype(int))
        return df[TABLE_COLUMNS].reset_index(drop=True)
    if by == "list":
        df = seats_by_list(data.national)
        df = df[df["year"] == year].rename(columns={"list_name_en": "name"})
        df["iso_3166_2"] = ""
    elif by == "bloc":
        df = seats_by_bloc(data.national)
        df = df[df["year"] == year].rename(columns={"label": "name"})
        df["iso_3166_2"] = ""
    else:
        df = seats_by_governorate(data.governorate_seats)
        df = df[df["year"] == year].copy()
        df["bloc"] = ""
    df["year"] = df["year"].astype(int)
    df["seats"] = df["seats"].astype(int)
    return df[TABLE_COLUMNS].reset_index(drop=True)


def bloc_change_table(years: list[int], data: ElectionData | None = None) -> pd.DataFrame:
    """Seats per bloc in each of several elections, and the change from the first to the last.

    Parameters
    ----------
    years : list of int
        Election years, e.g. ``[2018, 2021, 2025]`` (sorted; at least two).
    data : ElectionData, optional
        Loaded tables (default: the curated ones).

    Returns
    -------
    pandas.DataFrame
        ``bloc, label, seats_<year>…, change``; a bloc without seats in a year has 0 there.

    Examples
    --------
    >>> t = bloc_change_table([2018, 2021, 2025]).set_index("bloc")
    >>> int(t.loc["sadrist", "seats_2025"])
    0
    """
    years = check_years(years)
    if len(years) < 2:
        raise ParameterError("give at least two election years")
    data = data or load_elections()
    by = seats_by_bloc(data.national)
    wide = by[by["year"].isin(years)].pivot_table(index="bloc", columns="year", values="seats", aggfunc="sum",
                                                  fill_value=0)
    wide = wide.reindex(columns=years, fill_value=0).astype(int)
    wide.columns = [f"seats_{y}" for y in years]
    wide["change"] = wide[f"seats_{years[-1]}"] - wide[f"seats_{years[0]}"]
    wide = wide.assign(_r=_bloc_rank(pd.Series(wide.index, index=wide.index))).sort_values("_r").drop(columns="_r")
    wide.insert(0, "label", wide.index.map(BLOC_LABELS))
    return wide.reset_index()


