"""The election tables' contracts, declared with pandera: columns, types, cell rules, keys, table rules.

Each curated table of ``geodata/elections/`` has one :class:`pandera.pandas.DataFrameSchema`
(:func:`table_schema`). Its columns give the type a cell is parsed to (``Int64``,
``float64``, ``datetime64[ns]`` or text), whether it may be empty (``nullable``)
and the checks a value must pass, each with the reason shown when it fails
(``{value!r}`` is replaced by the bad value). The schema's ``unique`` keys reject
repeated rows. What needs the whole table, or another table, is written as a
*table rule* in the schema's ``metadata["rules"]``: a function ``rule(df, file,
context)`` returning :class:`~iraq_atlas.errors.Problem` objects (the seats of a
year adding up to 329, every governorate present, the lists of a governorate
adding up to its allocation). :func:`iraq_atlas.elections.load.load_table` reads a
file through its schema (with :func:`iraq_atlas.files.read_table`, as the place tables are read).

pandera is imported when a schema is first asked for, so importing the package stays quick.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from iraq_atlas.errors import Problem
from iraq_atlas.vocab import BLOC_ORDER

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

YEARS: tuple[int, ...] = (2018, 2021, 2025)
TOTAL_SEATS = 329
BLOCS: tuple[str, ...] = tuple(BLOC_ORDER)
MILESTONE_KINDS = ("campaign", "special_voting", "election_day", "results", "appeals", "ratification",
                   "parliament_session", "government")
TURNOUT_STAGES = ("preliminary", "final")
#: table name → file name in ``geodata/elections/``
TABLES: dict[str, str] = {"national_results": "national_results.csv",
                          "governorate_seats": "governorate_seats.csv",
                          "governorate_results": "governorate_results.csv",
                          "national_turnout": "national_turnout.csv",
                          "milestones": "milestones.csv",
                          "sources": "sources.csv"}
#: the tables whose rows cite a source of the register (``sources.csv``)
CITING: tuple[str, ...] = ("national_results", "governorate_seats", "governorate_results", "national_turnout",
                           "milestones")

Rule = Callable[["pd.DataFrame", str, dict], list[Problem]]


# -- table rules ---------------------------------------------------------------------
def _rows(df: pd.DataFrame) -> str:
    rows = df["_row"].astype(int)
    return f"rows {rows.min()}–{rows.max()}" if len(rows) > 1 else f"row {rows.iloc[0]}"


def _year_totals(what: str) -> Rule:
    """Every election year present, and its seats adding up to the national total."""
    def rule(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
        problems = []
        for year in YEARS:
            part = df[df["year"] == year]
            if part.empty:
                problems.append(Problem(file, None, "year", f"no rows for {year}"))
                continue
            total = int(part["seats"].fillna(0).sum())
            if total != TOTAL_SEATS:
                problems.append(Problem(file, None, "seats", f"{year} ({_rows(part)}): {what} add up to {total}, "
                                                             f"not the national total of {TOTAL_SEATS}"))
        return problems
    rule.__doc__ = f"The {what} of every election year add up to {TOTAL_SEATS}."
    return rule


def _quota_within_seats(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """A governorate's minority quota seats are part of its seats, never more."""
    over = df[(df["minority_seats"] > df["seats"]).fillna(False)]
    return [Problem(file, int(r.row_no), "minority_seats",
                    f"{int(r.minority_seats)} quota seats exceed the governorate's {int(r.seats)} seats")
            for r in over.rename(columns={"_row": "row_no"}).itertuples()]


def _every_governorate(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """A year with rows has a row for each of the 18 governorates."""
    from iraq_atlas.places.governorates import iso_codes

    problems = []
    for year in YEARS:
        present = df["year"] == year
        missing = sorted(set(iso_codes()) - set(df.loc[present, "iso_3166_2"]))
        if missing and present.any():
            problems.append(Problem(file, None, "iso_3166_2", f"{year}: governorates missing: {missing}"))
    return problems


def _lists_match_national(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """Each list of a governorate breakdown is a list of that year's national results, with its bloc."""
    blocs = {(int(r.year), r.list_id): r.bloc for r in context["national"].itertuples()}
    problems = []
    for r in df.rename(columns={"_row": "row_no"}).itertuples():
        key = (int(r.year), r.list_id)
        if key not in blocs:
            problems.append(Problem(file, int(r.row_no), "list_id",
                                    f"list {r.list_id!r} is not in the national results for {int(r.year)}"))
        elif blocs[key] != r.bloc:
            problems.append(Problem(file, int(r.row_no), "bloc",
                                    f"bloc {r.bloc!r} differs from {blocs[key]!r} in the national results"))
    return problems


def _breakdown_adds_up(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """The lists of a governorate add up to the seats the governorate elects."""
    totals = {(int(r.year), r.iso_3166_2): int(r.seats) for r in context["governorate_seats"].itertuples()}
    problems = []
    for (year, iso), part in df.groupby(["year", "iso_3166_2"]):
        expected, got = totals.get((int(year), iso)), int(part["seats"].sum())
        if expected is not None and got != expected:
            problems.append(Problem(file, None, "seats", f"{int(year)} {iso} ({_rows(part)}): lists add up to "
                                                         f"{got}, but the governorate elects {expected}"))
    return problems


def _source_reports_the_row_year(df: pd.DataFrame, file: str, context: dict) -> list[Problem]:
    """Each row's source is in the register and reports the election the row belongs to.

    A row belongs to the election of its ``year`` (a milestone: to the cycle of its
    date, :func:`~iraq_atlas.elections.params.cycle_of`). A source registered with
    no election (a general page) may support any row. Checked when the register is
    given as ``sources`` (the curated tables are always checked against theirs).
    """
    sources = context.get("sources")
    if sources is None:
        return []
    import pandas as pd

    from iraq_atlas.elections.params import cycle_of

    reports = {r.source_url: (None if pd.isna(r.election) else int(r.election)) for r in sources.itertuples()}
    register = TABLES["sources"]
    problems = []
    for r in df.rename(columns={"_row": "row_no"}).itertuples():
        year = int(r.year) if "year" in df.columns else cycle_of(r.date)
        if r.source_url not in reports:
            problems.append(Problem(file, int(r.row_no), "source_url",
                                    f"source not in the register {register}: {r.source_url}"))
        elif reports[r.source_url] not in (None, year):
            problems.append(Problem(file, int(r.row_no), "source_url",
                                    f"the source reports the {reports[r.source_url]} election ({register}), "
                                    f"but the row is about {year}: {r.source_url}"))
    return problems


# -- the schemas ------------------------------------------------------------------------
def _columns(pa) -> dict[str, Callable[..., Any]]:
    """Column makers shared by the tables (each returns a fresh pandera Column)."""
    from iraq_atlas.places.governorates import iso_codes

    years = list(YEARS)

    def text(required: bool = False, *checks):
        return pa.Column(str, list(checks), nullable=not required)

    def count(required: bool = False, minimum: int = 0):
        return pa.Column("Int64", pa.Check.ge(minimum, error=f"must be ≥ {minimum}"), nullable=not required)

    def percent(required: bool = False):
        return pa.Column("float64", [pa.Check.ge(0, error="must be ≥ 0"), pa.Check.le(100, error="must be ≤ 100")],
                         nullable=not required)

    def choice(options, required: bool = True):
        return text(required, pa.Check.isin(list(options), error=f"{{value!r}} is not one of {', '.join(options)}"))

    return {
        "year": lambda: pa.Column("Int64", pa.Check.isin(years, error=f"year {{value}} is not one of {years}")),
        "text": text, "count": count, "percent": percent, "choice": choice,
        "iso": lambda: text(True, pa.Check.isin(sorted(iso_codes()), name="iso_code",
                                               error="unknown ISO 3166-2:IQ code {value!r}")),
        "bloc": lambda: text(True, pa.Check.isin(list(BLOCS),
                                                error=f"unknown bloc {{value!r}}; allowed: {', '.join(BLOCS)}")),
        "url": lambda: text(True, pa.Check.str_matches(r"^https?://",
                                                      error="source must be an http(s) URL, not {value!r}")),
        "date": lambda: pa.Column("datetime64[ns]"),
        "partial_date": lambda: text(False, pa.Check.str_matches(
            r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$",
            error="not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")),
        "election": lambda: pa.Column("Int64", pa.Check.isin(years, error=f"election {{value}} is not one of {years}"),
                                      nullable=True),
    }


@functools.cache
def table_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one election table.

    Parameters
    ----------
    table : str
        One of :data:`TABLES` (``national_results``, ``governorate_seats``,
        ``governorate_results``, ``national_turnout``, ``milestones``, and the
        register of their sources, ``sources``).

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Columns with their types and checks, ``unique`` keys, and ``metadata``:
        ``file`` (the curated file's name), ``rules`` (table rules),
        ``context`` (the other tables the rules need) and ``hints`` (the
        correction suggested beside an unknown governorate code).

    Examples
    --------
    >>> s = table_schema("national_turnout")
    >>> s.metadata["file"], s.unique
    ('national_turnout.csv', ['year', 'stage'])
    >>> str(s.columns["turnout_pct"].dtype), s.columns["turnout_pct"].nullable
    ('float64', False)
    """
    import pandera.pandas as pa

    from iraq_atlas.places.schema import iso_hint

    if table not in TABLES:
        raise ValueError(f"table must be one of {list(TABLES)}, not {table!r}")
    c = _columns(pa)
    text, count, percent, choice = c["text"], c["count"], c["percent"], c["choice"]
    specs: dict[str, tuple[dict, list[str], tuple[Rule, ...], tuple[str, ...]]] = {
        "national_results": (
            {"year": c["year"](), "list_id": text(True), "list_name_en": text(True), "list_name_ar": text(),
             "leader": text(), "bloc": c["bloc"](), "seats": count(True), "votes": count(),
             "seats_preliminary": count(), "source_url": c["url"](), "note": text()},
            ["year", "list_id"], (_year_totals("list seats"),), ()),
        "governorate_seats": (
            {"year": c["year"](), "iso_3166_2": c["iso"](), "seats": count(True), "women_quota": count(),
             "minority_seats": count(), "constituencies": count(minimum=1), "registered_voters": count(),
             "votes_cast": count(), "turnout_pct": percent(), "source_url": c["url"](), "note": text()},
            ["year", "iso_3166_2"], (_quota_within_seats, _every_governorate, _year_totals("governorate seats")),
            ()),
        "governorate_results": (
            {"year": c["year"](), "iso_3166_2": c["iso"](), "list_id": text(True), "bloc": c["bloc"](),
             "seats": count(True), "votes": count(), "source_url": c["url"](), "note": text()},
            ["year", "iso_3166_2", "list_id"], (_lists_match_national, _breakdown_adds_up),
            ("national", "governorate_seats")),
        "national_turnout": (
            {"year": c["year"](), "stage": choice(TURNOUT_STAGES), "registered_voters": count(),
             "votes_cast": count(), "turnout_pct": percent(True), "source_url": c["url"](), "note": text()},
            ["year", "stage"], (), ()),
        "milestones": (
            {"date": c["date"](), "milestone_id": text(True), "label": text(True), "kind": choice(MILESTONE_KINDS),
             "source_url": c["url"]()},
            ["milestone_id"], (), ()),
        "sources": (
            {"source_url": c["url"](), "publisher": text(True), "published": c["partial_date"](),
             "election": c["election"](), "date_evidence": text(True)},
            ["source_url"], (), ()),
    }
    columns, keys, rules, context = specs[table]
    if table in CITING:
        rules = (*rules, _source_reports_the_row_year)
    return pa.DataFrameSchema(columns, unique=keys, report_duplicates="exclude_first", strict=False,
                              name=table, metadata={"file": TABLES[table], "rules": rules, "context": context,
                                        "hints": {"iso_3166_2": iso_hint}})


__all__ = ["YEARS", "TOTAL_SEATS", "BLOCS", "MILESTONE_KINDS", "TURNOUT_STAGES", "TABLES", "CITING", "table_schema"]
