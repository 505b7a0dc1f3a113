"""Council of Representatives elections of 2018 and 2021: load, validate, aggregate, compare.

The curated tables in ``geodata/elections/`` are read through
:func:`iraq_atlas.files.read_csv`, checked against a declared schema and
against the rules that make the numbers trustworthy (329 seats a year, the
governorates adding up to the national total, known ISO codes and blocs, a
source on every row). Any breach is a :class:`DataError` naming file, row and
column, so a typo never turns into a wrong chart.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import data_path, read_csv, to_number
from iraq_atlas.places.governorates import governorate_names, iso_codes, to_iso
from iraq_atlas.vocab import BLOC_LABELS, BLOC_ORDER

YEARS: tuple[int, ...] = (2018, 2021, 2025)
TOTAL_SEATS = 329
BLOCS: tuple[str, ...] = tuple(BLOC_ORDER)
MILESTONE_KINDS = ("campaign", "special_voting", "election_day", "results", "appeals", "ratification",
                   "parliament_session", "government")
TURNOUT_STAGES = ("preliminary", "final")
TABLE_COLUMNS = ["year", "name", "iso_3166_2", "bloc", "seats"]
Grouping = Literal["list", "bloc", "governorate"]


@dataclass(frozen=True)
class Column:
    """One declared column: its kind and the rules a cell must meet."""

    name: str
    kind: str = "text"          # text, year, int, float, iso, bloc, url, date, choice
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


NATIONAL_SCHEMA = (
    Column("year", "year", True), Column("list_id", required=True), Column("list_name_en", required=True),
    Column("list_name_ar"), Column("leader"), Column("bloc", "bloc", True),
    Column("seats", "int", True, 0), Column("votes", "int", False, 0),
    Column("seats_preliminary", "int", False, 0), Column("source_url", "url", True), Column("note"),
)
GOVERNORATE_SEATS_SCHEMA = (
    Column("year", "year", True), Column("iso_3166_2", "iso", True), Column("seats", "int", True, 0),
    Column("women_quota", "int", False, 0), Column("minority_seats", "int", False, 0),
    Column("constituencies", "int", False, 1), Column("registered_voters", "int", False, 0),
    Column("votes_cast", "int", False, 0), Column("turnout_pct", "float", False, 0, 100),
    Column("source_url", "url", True), Column("note"),
)
GOVERNORATE_RESULTS_SCHEMA = (
    Column("year", "year", True), Column("iso_3166_2", "iso", True), Column("list_id", required=True),
    Column("bloc", "bloc", True), Column("seats", "int", True, 0), Column("votes", "int", False, 0),
    Column("source_url", "url", True), Column("note"),
)
NATIONAL_TURNOUT_SCHEMA = (
    Column("year", "year", True), Column("stage", "choice", True, choices=TURNOUT_STAGES),
    Column("registered_voters", "int", False, 0), Column("votes_cast", "int", False, 0),
    Column("turnout_pct", "float", True, 0, 100), Column("source_url", "url", True), Column("note"),
)
MILESTONES_SCHEMA = (
    Column("date", "date", True), Column("milestone_id", required=True), Column("label", required=True),
    Column("kind", "choice", True, choices=MILESTONE_KINDS), Column("source_url", "url", True),
)


# -- validation -------------------------------------------------------------------
def _validate(path: str | os.PathLike, schema: tuple[Column, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV and check every cell against the schema; returns typed frame and problems."""
    df = read_csv(path, required=[c.name for c in schema])
    file = Path(path).name
    problems: list[Problem] = []
    known_iso = iso_codes()
    for col in schema:
        raw = df[col.name]
        if col.kind in ("year", "int", "float"):
            num = to_number(df, col.name, file, integer=col.kind != "float", required=col.required,
                            minimum=col.minimum, maximum=col.maximum, problems=problems)
            if col.kind == "year":
                for r, v in zip(df["_row"], num):
                    if pd.notna(v) and int(v) not in YEARS:
                        problems.append(Problem(file, int(r), col.name,
                                                f"year {int(v)} is not one of {list(YEARS)}"))
            df[col.name] = num
            continue
        for r, v in zip(df["_row"], raw):
            if v == "":
                if col.required:
                    problems.append(Problem(file, int(r), col.name, "value is missing"))
                continue
            if col.kind == "iso" and v not in known_iso:
                hint = to_iso(v)
                problems.append(Problem(file, int(r), col.name, f"unknown ISO 3166-2:IQ code {v!r}"
                                        + (f" (did you mean {hint}?)" if hint else "")))
            elif col.kind == "bloc" and v not in BLOCS:
                problems.append(Problem(file, int(r), col.name, f"unknown bloc {v!r}; allowed: {', '.join(BLOCS)}"))
            elif col.kind == "choice" and v not in col.choices:
                problems.append(Problem(file, int(r), col.name, f"{v!r} is not one of {', '.join(col.choices)}"))
            elif col.kind == "url" and not v.startswith(("http://", "https://")):
                problems.append(Problem(file, int(r), col.name, f"source must be an http(s) URL, not {v!r}"))
            elif col.kind == "date":
                try:
                    dt.date.fromisoformat(v)
                except ValueError:
                    problems.append(Problem(file, int(r), col.name, f"not a date (YYYY-MM-DD): {v!r}"))
    return df, problems


def _duplicates(df: pd.DataFrame, keys: list[str], file: str, problems: list[Problem]) -> None:
    dup = df.duplicated(keys, keep="first")
    for r in df.loc[dup].rename(columns={"_row": "row_no"}).itertuples():
        values = [getattr(r, k) for k in keys]
        key = ", ".join(f"{k}={int(v) if isinstance(v, float) and v.is_integer() else v}"
                        for k, v in zip(keys, values))
        problems.append(Problem(file, int(r.row_no), keys[-1], f"duplicate row for {key}"))


def _rows(df: pd.DataFrame) -> str:
    rows = df["_row"].astype(int)
    return f"rows {rows.min()}–{rows.max()}" if len(rows) > 1 else f"row {rows.iloc[0]}"


def _year_totals(df: pd.DataFrame, file: str, what: str, problems: list[Problem]) -> None:
    """Every year present, and its seats adding up to the national total."""
    for year in YEARS:
        part = df[df["year"] == year]
        if part.empty:
            problems.append(Problem(file, None, "year", f"no rows for {year}"))
            continue
        total = int(part["seats"].fillna(0).sum())
        if total != TOTAL_SEATS:
            problems.append(Problem(file, None, "seats",
                                    f"{year} ({_rows(part)}): {what} add up to {total}, not the national "
                                    f"total of {TOTAL_SEATS}"))


def _finish(df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    if problems:
        raise DataError(problems)
    return df.drop(columns="_row").reset_index(drop=True)


def load_national_results(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Seats per list and year (final certified figures), validated; 329 seats each year."""
    path = path or data_path("elections", "national_results.csv")
    file = Path(path).name
    df, problems = _validate(path, NATIONAL_SCHEMA)
    if not problems:
        _duplicates(df, ["year", "list_id"], file, problems)
        _year_totals(df, file, "list seats", problems)
    return _finish(df, problems)


def load_governorate_seats(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Seats elected in each governorate per year (minority quota seats included), validated."""
    path = path or data_path("elections", "governorate_seats.csv")
    file = Path(path).name
    df, problems = _validate(path, GOVERNORATE_SEATS_SCHEMA)
    if not problems:
        _duplicates(df, ["year", "iso_3166_2"], file, problems)
        for r in df[df["minority_seats"].notna() & (df["minority_seats"] > df["seats"])].rename(
                columns={"_row": "row_no"}).itertuples():
            problems.append(Problem(file, int(r.row_no), "minority_seats",
                                    f"{int(r.minority_seats)} quota seats exceed the governorate's {int(r.seats)} seats"))
        for year in YEARS:
            missing = sorted(set(iso_codes()) - set(df.loc[df["year"] == year, "iso_3166_2"]))
            if missing and (df["year"] == year).any():
                problems.append(Problem(file, None, "iso_3166_2", f"{year}: governorates missing: {missing}"))
        _year_totals(df, file, "governorate seats", problems)
    return _finish(df, problems)


def load_governorate_results(path: str | os.PathLike | None = None, *,
                             national: pd.DataFrame | None = None,
                             governorate_seats: pd.DataFrame | None = None) -> pd.DataFrame:
    """Seats per list per governorate, where a source gives a complete breakdown.

    Each list_id must exist in the national results of the same year, with the same bloc;
    each governorate's rows must add up to its seat total.
    """
    path = path or data_path("elections", "governorate_results.csv")
    file = Path(path).name
    national = load_national_results() if national is None else national
    governorate_seats = load_governorate_seats() if governorate_seats is None else governorate_seats
    df, problems = _validate(path, GOVERNORATE_RESULTS_SCHEMA)
    if not problems:
        _duplicates(df, ["year", "iso_3166_2", "list_id"], file, problems)
        blocs = {(int(r.year), r.list_id): r.bloc for r in national.itertuples()}
        for r in df.rename(columns={"_row": "row_no"}).itertuples():
            key = (int(r.year), r.list_id)
            if key not in blocs:
                problems.append(Problem(file, int(r.row_no), "list_id",
                                        f"list {r.list_id!r} is not in the national results for {int(r.year)}"))
            elif blocs[key] != r.bloc:
                problems.append(Problem(file, int(r.row_no), "bloc",
                                        f"bloc {r.bloc!r} differs from {blocs[key]!r} in the national results"))
        totals = {(int(r.year), r.iso_3166_2): int(r.seats) for r in governorate_seats.itertuples()}
        for (year, iso), part in df.groupby(["year", "iso_3166_2"]):
            expected, got = totals.get((int(year), iso)), int(part["seats"].sum())
            if expected is not None and got != expected:
                problems.append(Problem(file, None, "seats", f"{int(year)} {iso} ({_rows(part)}): lists add up to "
                                        f"{got}, but the governorate elects {expected}"))
    return _finish(df, problems)


def load_milestones(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Election milestones (election day, results, appeals, ratification, first session) with dates."""
    path = path or data_path("elections", "milestones.csv")
    file = Path(path).name
    df, problems = _validate(path, MILESTONES_SCHEMA)
    if not problems:
        _duplicates(df, ["milestone_id"], file, problems)
    out = _finish(df, problems)
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def load_national_turnout(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """National turnout as IHEC announced it, one row per year and stage (preliminary/final), validated.

    ``turnout_pct`` is the announced percentage, not recomputed from the counts; counts may be empty.
    """
    path = path or data_path("elections", "national_turnout.csv")
    file = Path(path).name
    df, problems = _validate(path, NATIONAL_TURNOUT_SCHEMA)
    if not problems:
        _duplicates(df, ["year", "stage"], file, problems)
    out = _finish(df, problems)
    out["year"] = out["year"].astype(int)
    for col in ("registered_voters", "votes_cast"):
        out[col] = out[col].astype("Int64")
    rank = out["stage"].map({st: i for i, st in enumerate(TURNOUT_STAGES)})
    return out.assign(_r=rank).sort_values(["year", "_r"]).drop(columns="_r").reset_index(drop=True)


def _empty_turnout() -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in NATIONAL_TURNOUT_SCHEMA])


@dataclass
class ElectionData:
    """All the election tables, validated against each other."""

    national: pd.DataFrame
    governorate_seats: pd.DataFrame
    governorate_results: pd.DataFrame
    milestones: pd.DataFrame
    national_turnout: pd.DataFrame = field(default_factory=_empty_turnout)


def load_elections(folder: str | os.PathLike | None = None) -> ElectionData:
    """Load and cross-check the election tables from ``folder`` (default: the curated geodata)."""
    base = Path(folder) if folder else data_path("elections")
    national = load_national_results(base / "national_results.csv")
    seats = load_governorate_seats(base / "governorate_seats.csv")
    results = load_governorate_results(base / "governorate_results.csv", national=national,
                                       governorate_seats=seats)
    return ElectionData(national, seats, results, load_milestones(base / "milestones.csv"),
                        load_national_turnout(base / "national_turnout.csv"))


# -- aggregates ---------------------------------------------------------------------
def _share(seats: pd.Series) -> pd.Series:
    return (seats / TOTAL_SEATS * 100).round(2)


def _bloc_rank(bloc: pd.Series) -> pd.Series:
    return bloc.map({b: i for i, b in enumerate(BLOCS)})


def seats_by_list(national: pd.DataFrame) -> pd.DataFrame:
    """One row per year and list: seats and share of the 329 seats, largest first."""
    df = national[["year", "list_id", "list_name_en", "leader", "bloc", "seats"]].copy()
    df["seats"] = df["seats"].astype(int)
    df["share_pct"] = _share(df["seats"])
    return df.sort_values(["year", "seats", "list_name_en"], ascending=[True, False, True]).reset_index(drop=True)


def seats_by_bloc(national: pd.DataFrame) -> pd.DataFrame:
    """Seats and share per year and bloc (blocs in the palette's order; only blocs that won seats)."""
    df = national.groupby(["year", "bloc"], as_index=False).agg(seats=("seats", "sum"), lists=("list_id", "size"))
    df["seats"] = df["seats"].astype(int)
    df = df[df["seats"] > 0].copy()
    df["label"] = df["bloc"].map(BLOC_LABELS)
    df["share_pct"] = _share(df["seats"])
    df = df.assign(_r=_bloc_rank(df["bloc"])).sort_values(["year", "_r"]).drop(columns="_r")
    return df[["year", "bloc", "label", "lists", "seats", "share_pct"]].reset_index(drop=True)


def seats_by_governorate(governorate_seats: pd.DataFrame) -> pd.DataFrame:
    """Seats per year and governorate with quotas and constituencies, names in English."""
    names = governorate_names()
    cols = ["year", "iso_3166_2", "seats", "minority_seats", "women_quota", "constituencies"]
    df = governorate_seats[cols].copy()
    df.insert(2, "name", df["iso_3166_2"].map(names))
    df["share_pct"] = _share(df["seats"].astype(int))
    return df.sort_values(["year", "seats", "name"], ascending=[True, False, True]).reset_index(drop=True)


def governorate_blocs(results: pd.DataFrame) -> pd.DataFrame:
    """Seats per year, governorate and bloc, only where a complete breakdown is published."""
    df = results.groupby(["year", "iso_3166_2", "bloc"], as_index=False)["seats"].sum()
    df["seats"] = df["seats"].astype(int)
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df = df.assign(_r=_bloc_rank(df["bloc"])).sort_values(["year", "iso_3166_2", "_r"]).drop(columns="_r")
    return df.reset_index(drop=True)


def breakdown_coverage(governorate_seats: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """For every year and governorate: is a list-by-list breakdown published? (marks the gaps)."""
    have = set(zip(results["year"].astype(int), results["iso_3166_2"]))
    df = governorate_seats[["year", "iso_3166_2", "seats"]].copy()
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df["breakdown"] = [("published" if (int(y), i) in have else "not published")
                       for y, i in zip(df["year"], df["iso_3166_2"])]
    return df.sort_values(["year", "name"]).reset_index(drop=True)


def turnout(governorate_seats: pd.DataFrame) -> pd.DataFrame:
    """Turnout per year and governorate, with status 'published' or 'not published' (never zero-filled)."""
    df = governorate_seats[["year", "iso_3166_2", "registered_voters", "votes_cast", "turnout_pct"]].copy()
    df.insert(2, "name", df["iso_3166_2"].map(governorate_names()))
    df["status"] = df["turnout_pct"].notna().map({True: "published", False: "not published"})
    return df.sort_values(["year", "name"]).reset_index(drop=True)


NATIONAL_TURNOUT_COLUMNS = ["year", "stage", "registered_voters", "votes_cast", "turnout_pct", "source_url"]


def national_turnout_table(data: ElectionData | pd.DataFrame) -> pd.DataFrame:
    """One row per year: the final national turnout where published, else the preliminary one.

    ``stage`` says which figure the row is; ``data`` is an :class:`ElectionData` or its
    ``national_turnout`` frame.
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
    """Seats and share per bloc in two elections and the change (a bloc absent in one year counts 0)."""
    out = _change(seats_by_bloc(national), "bloc", first, second).reset_index(names="bloc")
    out.insert(1, "label", out["bloc"].map(BLOC_LABELS))
    out = out.assign(_r=_bloc_rank(out["bloc"])).sort_values("_r").drop(columns="_r")
    return out.reset_index(drop=True)


def list_successors(national: pd.DataFrame, first: int = 2018, second: int = 2021) -> pd.DataFrame:
    """Pairs of lists that are the same list in both elections.

    A pair matches on the same ``list_id``; failing that, on the same single named
    leader and the same bloc (Sairoon in 2018 and the Sadrist Bloc in 2021 are both
    Muqtada al-Sadr's). Joint lists with two leaders never match, so mergers stay apart.
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
    """Seat and share change for lists that ran in both elections (see :func:`list_successors`)."""
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

    Examples
    --------
    >>> seats_table(2025, "list", governorate="IQ-AR")["seats"].sum()
    np.int64(16)
    """
    year = int(year)
    if year not in YEARS:
        raise ValueError(f"year must be one of {list(YEARS)}, not {year}")
    if by not in ("list", "bloc", "governorate"):
        raise ValueError(f"by must be 'list', 'bloc' or 'governorate', not {by!r}")
    data = data or load_elections()
    if governorate is not None:
        if by != "list":
            raise ValueError("a governorate is given with by='list' only")
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
        raise ValueError("give at least two election years")
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


# -- notebook parameters ----------------------------------------------------------------
def check_years(years: list[str] | list[int]) -> list[int]:
    """Parse the ``years`` parameter: one or both of 2018 and 2021, in order."""
    out = []
    for y in years:
        try:
            v = int(str(y).strip())
        except ValueError:
            raise ValueError(f"parameter 'years': {y!r} is not a year") from None
        if v not in YEARS:
            raise ValueError(f"parameter 'years': {v} is not one of {list(YEARS)}")
        out.append(v)
    if not out:
        raise ValueError("parameter 'years': give at least one of 2018, 2021")
    return sorted(set(out))


def check_governorates(governorates: list[str]) -> list[str]:
    """Parse the ``governorates`` parameter to ISO codes (names and p-codes accepted; empty = all)."""
    out = []
    for g in governorates:
        iso = to_iso(g)
        if iso is None:
            raise ValueError(f"parameter 'governorates': unknown governorate {g!r}")
        out.append(iso)
    return out or sorted(iso_codes())


def check_grouping(grouping: str) -> str:
    """Check the ``grouping`` parameter: 'bloc' or 'list'."""
    if grouping not in ("bloc", "list"):
        raise ValueError(f"parameter 'grouping': {grouping!r} is not 'bloc' or 'list'")
    return grouping


def milestones_for(milestones: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Milestones of the chosen elections: dated in the election year or the year after
    (the 2021 cycle ran to the new government of October 2022)."""
    y = milestones["date"].dt.year
    return milestones[y.isin(years) | (y - 1).isin(years)].reset_index(drop=True)


