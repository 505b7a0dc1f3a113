"""Domain subcommands of ``iraq-atlas`` (elections, incidents, merge, map, geoparse).

Kept apart from cli.py so each domain adds its command in one place.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from datetime import date
from pathlib import Path

from iraq_atlas.cli.choices import LazyChoices
from iraq_atlas.errors import ParameterError
from iraq_atlas.vocab import TIME_ZONE

# read from the election tables and the source registry when a value is checked, not when the parser is built
_election_years = LazyChoices(lambda: importlib.import_module("iraq_atlas.elections.schema").YEARS)
_input_formats = LazyChoices(lambda: ("auto", *importlib.import_module("iraq_atlas.incidents.sources").FORMATS))


def register(sub: argparse._SubParsersAction, print_table) -> None:
    """Add the domain commands to the CLI."""
    _register_elections(sub, print_table)
    _register_incidents(sub, print_table)
    _register_geoparse(sub, print_table)
    _register_merge(sub, print_table)
    return None


def _register_elections(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas elections --year YEAR --by list|bloc|governorate``: seats from the validated tables."""
    e = sub.add_parser("elections", help="seats won in the 2018, 2021 or 2025 election, by list, bloc or governorate")
    when = e.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", type=int, choices=_election_years, metavar="YEAR", help="one of %(choices)s")
    when.add_argument("--years", metavar="Y1,Y2,...", help="with --by bloc: seats in each year and the change")
    e.add_argument("--by", choices=["list", "bloc", "governorate"], default="list",
                   help="governorate counts every seat elected there, minority quota seats included")
    e.add_argument("--governorate", metavar="ISO", help="with --by list: the seats each list won in one governorate")
    e.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.elections.aggregate import bloc_change_table, seats_table

        if args.years:
            if args.by != "bloc" or args.governorate:
                raise ParameterError("--years works with --by bloc (and no --governorate)")
            try:
                years = [int(y) for y in args.years.split(",") if y.strip()]
            except ValueError:
                raise ParameterError(f"--years: not a comma-separated list of years: {args.years!r}") from None
            try:
                table = bloc_change_table(years)
            except ParameterError as exc:
                raise ParameterError(f"--years: {exc}") from None
            print_table(table, args.format)
            return 0
        if args.governorate and args.by != "list":
            raise ParameterError("--governorate works with --by list")
        table = seats_table(args.year, args.by, governorate=args.governorate)
        print_table(table, args.format)
        return 0

    e.set_defaults(func=run)


def _incident_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", metavar="FILE", help="ACLED / UCDP GED export or curated-format CSV (default: curated set)")
    p.add_argument("--format-in", choices=_input_formats, default="auto", metavar="FORMAT",
                   help="input format, one of %(choices)s (default: guessed from the columns)")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")


def _incident_sources_args(p: argparse.ArgumentParser) -> None:
    """The incidents command's inputs: one or more sources, their format and mapping, the date window."""
    p.add_argument("--source", metavar="FILE", action="append",
                   help="ACLED / UCDP GED export, curated-format CSV, or your own table (CSV, Parquet, .xlsx, "
                        "GeoJSON); repeat for several (default: curated set)")
    _reader_args(p)
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")
    p.add_argument("--dedupe", action="store_true",
                   help="with two or more --source: one timeline, rows of the same event linked (none dropped)")
    p.add_argument("--distance-km", type=float, default=10.0, help="--dedupe: largest distance (default 10)")
    p.add_argument("--days", type=int, default=1, help="--dedupe: largest date difference (default 1)")
    p.add_argument("--pairs", metavar="FILE", help="--dedupe: write the candidate pairs for review here")


def _reader_args(p: argparse.ArgumentParser) -> None:
    """How a source is read: its format (from the source registry, checked lazily) and column mappings."""
    p.add_argument("--format-in", choices=_input_formats, default="auto", metavar="FORMAT",
                   help="input format, one of %(choices)s (default: guessed from the columns)")
    p.add_argument("--columns", metavar="MAP",
                   help="generic/geojson: schema=file column pairs, e.g. date=Date,latitude=Lat,longitude=Lon,"
                        "event_type=Type, or a YAML/JSON file of them")
    p.add_argument("--event-types", metavar="MAP",
                   help="generic/geojson: your type values onto ACLED's, e.g. 'Airstrike=Explosions/Remote "
                        "violence|Air/drone strike', or a YAML/JSON file")
    p.add_argument("--month-first", action="store_true", help="generic: read numeric dates as MM/DD/YYYY")


def add_source_args(p: argparse.ArgumentParser) -> None:
    """One ``--source``, read as the incidents command reads it (format, mappings), and the date window.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The sub-command's parser.

    Returns
    -------
    None

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_source_args(p)
    >>> args = p.parse_args(["--format-in", "generic", "--columns", "date=Date"])
    >>> args.format_in, args.columns, args.source
    ('generic', 'date=Date', None)
    """
    p.add_argument("--source", metavar="FILE",
                   help="ACLED / UCDP GED export, curated-format CSV, or your own table (CSV, Parquet, .xlsx, "
                        "GeoJSON) read with --columns (default: curated set)")
    _reader_args(p)
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day kept")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day kept")


def load_mapped_source(args):
    """Load the ``--source`` of :func:`add_source_args` for the checked ``--start``/``--end`` window.

    Parameters
    ----------
    args : argparse.Namespace
        ``source``, ``format_in``, ``columns``, ``event_types``, ``month_first``, ``start``, ``end``.

    Returns
    -------
    iraq_atlas.incidents.validation.IncidentSet

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_source_args(p)
    >>> len(load_mapped_source(p.parse_args(["--start", "2021-10-01", "--end", "2021-10-31"])).accepted) > 0
    True
    """
    from iraq_atlas.incidents.load import load_incidents

    start, end = _window(args)
    options = _source_options(args)
    return load_incidents(args.source, _format_of(args.source, args.format_in, options), start, end, **options)


def _source_options(args) -> dict:
    """Reader options from the command line (only those given, so curated/ACLED/UCDP take none)."""
    from iraq_atlas.incidents.mappings import parse_mapping

    options = {"columns": parse_mapping(args.columns, "--columns"),
               "event_types": parse_mapping(args.event_types, "--event-types"),
               "dayfirst": False if args.month_first else None}
    return {k: v for k, v in options.items() if v is not None}


def _source_names(files: list[str]) -> list[str]:
    """One name per source for the timeline: the file's stem, numbered when two share it."""
    from pathlib import Path

    names = []
    for f in files:
        stem = Path(f).stem or "source"
        name, k = stem, 2
        while name in names:
            name, k = f"{stem}_{k}", k + 1
        names.append(name)
    return names


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def cli_date(value: str | None, option: str) -> date | None:
    """A command-line date: exactly YYYY-MM-DD and a real calendar day, else ParameterError.

    Parameters
    ----------
    value : str or None
        The text given (None or empty: no date).
    option : str
        The option's name, for the message (``--start``).

    Returns
    -------
    datetime.date or None

    Raises
    ------
    ParameterError
        ``07/11/2021``, ``2021``, ``now``, ``2021-02-30`` and every other text.
    """
    if value is None or value == "":
        return None
    text = value.strip()
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ParameterError(f"{option}: not a date {_one_line(value)!r}: use YYYY-MM-DD, e.g. 2021-11-07")


def _one_line(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _window(args) -> tuple[str | None, str | None]:
    """``--start`` and ``--end`` checked (strict dates, start ≤ end), as YYYY-MM-DD texts."""
    start, end = cli_date(args.start, "--start"), cli_date(args.end, "--end")
    if start and end and start > end:
        raise ParameterError(f"--start {start} is after --end {end}")
    return (start.isoformat() if start else None), (end.isoformat() if end else None)


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def check_outputs(outputs: dict[str, str | None], inputs: list[str | os.PathLike | None]) -> None:
    """Refuse an output option that names an input file (it would be overwritten).

    Parameters
    ----------
    outputs : dict
        Option name (``--out``) → path given, or None.
    inputs : list
        Paths read by the command (None entries are skipped).

    Raises
    ------
    ParameterError
        Naming the option and the file.
    """
    given = [(k, v) for k, v in outputs.items() if v]
    for option, out in given:
        for src in inputs:
            if src and _same_file(out, src):
                raise ParameterError(f"{option} {out} is an input of this command; write to another file")
        if Path(out).is_dir():
            raise ParameterError(f"{option} {out} is a folder; give a file name")
    for i, (opt_a, a) in enumerate(given):
        for opt_b, b in given[i + 1:]:
            if _same_file(a, b):
                raise ParameterError(f"{opt_a} and {opt_b} name the same file {a}")


def _boundaries_inputs(path: str | None) -> list[str]:
    """The files a ``--boundaries`` value may read (the file itself, or everything in the folder)."""
    if not path:
        return []
    p = Path(path)
    return [str(f) for f in p.iterdir()] if p.is_dir() else [path]


def load_boundaries_arg(path: str | None):
    """``--boundaries``: governorate boundaries, or ParameterError naming what is wrong with the path.

    Parameters
    ----------
    path : str or None
        A boundary file or folder (None: the library's default choice).

    Returns
    -------
    iraq_atlas.places.boundaries.Boundaries
    """
    from iraq_atlas.places.boundaries import load_boundaries

    if path:
        p = Path(path)
        if not p.exists():
            raise ParameterError(f"--boundaries: {path} does not exist")
        if p.is_file() and p.suffix.lower() in {".csv", ".tsv", ".txt", ".xlsx", ".xls"}:
            raise ParameterError(f"--boundaries: {p.name} is a table ({p.suffix.lower()}), not a boundary file; "
                                 "give a GeoJSON, GeoPackage or shapefile, or a folder holding one")
    try:
        return load_boundaries("ADM1", path)
    except FileNotFoundError as exc:  # a folder without an ADM1 file
        raise ParameterError(f"--boundaries: {_one_line(exc, 200)}") from None
    except Exception as exc:
        from pyogrio.errors import DataSourceError

        if isinstance(exc, DataSourceError):
            raise ParameterError(f"--boundaries: {Path(path).name} is not a readable boundary file "
                                 "(GeoJSON, GeoPackage or shapefile)") from None
        raise


def load_source(args, *, boundaries=None):
    """Load ``--source`` (checked first: a CSV file, a known format) for the window given.

    Returns
    -------
    iraq_atlas.incidents.validation.IncidentSet
    """
    from iraq_atlas.files import check_csv_file
    from iraq_atlas.incidents.load import load_incidents

    start, end = _window(args)
    fmt = args.format_in
    if args.source:
        check_csv_file(args.source)
        fmt = _format_of(args.source, fmt)
    return load_incidents(args.source, fmt, start, end, boundaries=boundaries)


def _format_of(source, fmt: str, options: dict | None = None) -> str:
    """The format to read ``source`` with: ``--format-in``, or the one its columns show.

    With ``--format-in auto`` and no ``--columns`` the file is checked (missing, a folder,
    empty, Excel, not UTF-8) and its header read; ParameterError naming ``--format-in``
    when no format recognises it. Anything else is left to ``load_incidents``.
    """
    from iraq_atlas.files import check_csv_file
    from iraq_atlas.incidents.sources import FORMATS, detect_format
    from iraq_atlas.incidents.sources._common import file_kind

    if fmt not in ("auto", "", None) or not source or (options or {}).get("columns") is not None:
        return fmt
    path = Path(source)
    if not path.exists() or path.is_dir() or file_kind(path) == "csv":
        check_csv_file(path)
    try:
        return detect_format(path)
    except ValueError:
        raise ParameterError(f"--source {path.name}: cannot tell the format from its columns; pass --format-in "
                             f"{', '.join(FORMATS)} (generic and geojson read your own columns with --columns)"
                             ) from None


def report_counts(loaded, extra: str = "") -> None:
    """``accepted N, rejected M, excluded K`` on stderr (every command that loads incidents says it)."""
    print(f"accepted {len(loaded.accepted)}, rejected {len(loaded.rejected)}, excluded {len(loaded.excluded)}"
          + extra, file=sys.stderr)


def _register_incidents(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas incidents`` (validated table) and ``iraq-atlas map`` (self-contained incident map)."""
    i = sub.add_parser("incidents", help="validate curated, ACLED, UCDP or your own incidents; print accepted "
                                         "rows (incidents diff OLD NEW: what changed between two downloads)")
    from iraq_atlas.cli.fetch_commands import add_diff_parser

    add_diff_parser(i.add_subparsers(dest="incidents_action", metavar="{diff}",
                                     help="diff OLD NEW: added, deleted and changed events (without it: "
                                          "validate and print the --source files)"))
    _incident_sources_args(i)
    i.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    i.add_argument("--rejected", metavar="FILE", help="write rejected rows with reasons here (default: stderr)")

    def run_incidents(args) -> int:
        import pandas as pd

        from iraq_atlas.files import write_atomic
        from iraq_atlas.incidents.load import load_incidents
        from iraq_atlas.incidents.schema import as_table

        sources = args.source or [None]
        check_outputs({"--rejected": args.rejected, "--pairs": args.pairs}, sources)
        start, end = _window(args)
        options = _source_options(args)
        if args.dedupe and len(sources) < 2:
            raise ParameterError("--dedupe needs two or more --source files")
        loaded = [load_incidents(src, _format_of(src, args.format_in, options), start, end, **options)
                  for src in sources]
        if args.dedupe:
            from iraq_atlas.incidents.dedupe import link_duplicates

            names = _source_names([s.file for s in loaded])
            linked = link_duplicates({n: s.accepted for n, s in zip(names, loaded)}, args.distance_km, args.days)
            table = linked.timeline
            out = as_table(table)
            out.insert(0, "origin", table["origin"].to_numpy())
            for col in ("uid", "duplicate_of", "match_score"):
                out[col] = table[col].to_numpy()
            print_table(out, args.format)
            if args.pairs:
                write_atomic(args.pairs, linked.pairs.to_csv(index=False, lineterminator="\n"))
        else:
            accepted = pd.concat([s.accepted for s in loaded], ignore_index=True) if len(loaded) > 1 \
                else loaded[0].accepted
            print_table(as_table(accepted), args.format)
        rejected = pd.concat([s.rejected for s in loaded], ignore_index=True) if len(loaded) > 1 \
            else loaded[0].rejected
        if args.rejected:
            write_atomic(args.rejected, rejected.to_csv(index=False, lineterminator="\n"))
        elif len(rejected):
            rejected.to_csv(sys.stderr, index=False, lineterminator="\n")
        for s in loaded:
            if len(loaded) > 1:
                print(f"{s.file}: ", end="", file=sys.stderr)
            report_counts(s, f"; {'; '.join(s.notes)}" if getattr(s, "notes", None) else "")
        if args.dedupe:
            print(linked.summary(), file=sys.stderr)
        return 0

    i.set_defaults(func=run_incidents)

    m = sub.add_parser("map", help="write the incident map as one self-contained HTML page")
    _incident_source_args(m)
    m.add_argument("--out", metavar="PATH.html", required=True)
    m.add_argument("--boundaries", metavar="PATH", help="governorate boundaries file or folder")
    m.add_argument("--cluster", choices=["auto", "yes", "no"], default="auto")

    def run_map(args) -> int:
        from iraq_atlas.viz.maps import save_incident_map

        check_outputs({"--out": args.out}, [args.source, *_boundaries_inputs(args.boundaries)])
        loaded = load_source(args)
        boundaries = load_boundaries_arg(args.boundaries)
        cluster = {"auto": None, "yes": True, "no": False}[args.cluster]
        path = save_incident_map(loaded.accepted, args.out, boundaries=boundaries, cluster=cluster)  # atomic
        report_counts(loaded, f"; map: {path}")
        return 0

    m.set_defaults(func=run_map)


def _register_geoparse(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas geoparse FILE ... --published YYYY-MM-DD``: places, dates, casualties in article text."""
    g = sub.add_parser("geoparse", help="find places, dates, casualty figures and events in news text")
    g.add_argument("files", nargs="+", metavar="FILE", help="text files or folders of .txt files")
    g.add_argument("--published", required=True, metavar="YYYY-MM-DD", help=f"publication date ({TIME_ZONE})")
    g.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.geoparse import cli_table

        cli_date(args.published, "--published")
        print_table(cli_table(args.files, args.published), args.format)
        return 0

    g.set_defaults(func=run)


def _register_merge(sub: argparse._SubParsersAction, print_table) -> None:
    """``iraq-atlas merge``: incidents per governorate with seats, one row per governorate (zeros kept)."""
    g = sub.add_parser("merge", help="incidents per governorate joined with the seats of every election (all 18 governorates)")
    _incident_source_args(g)
    g.add_argument("--boundaries", metavar="PATH", help="governorate boundaries file or folder")
    g.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    def run(args) -> int:
        from iraq_atlas.analysis import governorate_summary, join_incidents
        from iraq_atlas.elections.load import load_elections

        start, end = _window(args)
        adm1 = load_boundaries_arg(args.boundaries)
        loaded = load_source(args, boundaries=None if adm1.is_fallback else adm1)
        table = governorate_summary(join_incidents(loaded.accepted, adm1), load_elections(), start, end)
        print_table(table, args.format)
        report_counts(loaded)
        return 0

    g.set_defaults(func=run)
