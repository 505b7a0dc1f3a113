"""``iraq-atlas fetch acled|ucdp`` and ``iraq-atlas incidents diff``: download snapshots, compare them.

Hooked into the command line by :func:`add_parsers`. Credentials come from the
environment or the private credentials file
(:mod:`iraq_atlas.incidents.api.credentials`), never from the command line, so
they appear neither in the shell history nor in the process list.
"""

from __future__ import annotations

import argparse
import sys

from iraq_atlas.errors import ServiceError


def _fail(exc: Exception) -> int:
    print(f"iraq-atlas: error: {exc}", file=sys.stderr)
    return 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day (included)")
    p.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day (included)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="snapshot file (.parquet, or .csv); a folder gets a dated file name")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV here")
    p.add_argument("--base-url", help="service base URL (default: the public API, or the environment variable)")
    p.add_argument("--deadline", type=float, default=900.0, metavar="SECONDS",
                   help="the whole download ends by then (default 900)")
    p.add_argument("--retries", type=int, default=4, help="retries after a 429 / 5xx / lost connection (default 4)")
    p.add_argument("--page-size", type=int, help="rows per request (default: ACLED 5000, UCDP 1000)")
    p.add_argument("--allow-empty", action="store_true",
                   help="write an empty snapshot instead of failing when nothing comes back")


def _size(args) -> dict:
    return {"page_size": args.page_size} if args.page_size else {}


def cmd_fetch_acled(args) -> int:
    """Run ``fetch acled``."""
    from iraq_atlas.incidents.api.acled import fetch_acled
    from iraq_atlas.incidents.api.snapshots import write_snapshot

    try:
        snap = fetch_acled(args.country, args.start, args.end, base_url=args.base_url,
                           allow_empty=args.allow_empty, deadline_seconds=args.deadline, max_retries=args.retries,
                           **_size(args))
    except ServiceError as exc:
        return _fail(exc)
    path = write_snapshot(snap, args.out, csv=args.csv)
    print(f"{path}: {len(snap.frame)} ACLED event(s), retrieved {snap.retrieved_at}")
    return 0


def cmd_fetch_ucdp(args) -> int:
    """Run ``fetch ucdp``."""
    from iraq_atlas.incidents.api.snapshots import write_snapshot
    from iraq_atlas.incidents.api.ucdp import fetch_ucdp

    try:
        snap = fetch_ucdp(args.start, args.end, candidate=args.candidate, version=args.version,
                          base_url=args.base_url, allow_empty=args.allow_empty, deadline_seconds=args.deadline,
                          max_retries=args.retries, **_size(args))
    except ServiceError as exc:
        return _fail(exc)
    path = write_snapshot(snap, args.out, csv=args.csv)
    print(f"{path}: {len(snap.frame)} UCDP {snap.query['dataset']} {snap.query['version']} event(s), "
          f"retrieved {snap.retrieved_at}")
    return 0


def cmd_incidents_diff(args) -> int:
    """Run ``incidents diff``."""
    from iraq_atlas.incidents.diff import diff_tables

    result = diff_tables(args.old, args.new, args.id_column)
    table = result.table
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        sys.stdout.write(table.to_json(orient="records", force_ascii=False) + "\n")
    else:
        print(table.to_string(index=False) if len(table) else "(no differences)")
    notes = [result.summary()]
    if result.columns_added:
        notes.append("columns only in NEW: " + ", ".join(result.columns_added))
    if result.columns_removed:
        notes.append("columns only in OLD: " + ", ".join(result.columns_removed))
    print("; ".join(notes), file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``fetch`` (with ``acled`` and ``ucdp``) to the command line (``incidents diff``: :func:`add_diff_parser`).

    Examples
    --------
    >>> p = argparse.ArgumentParser(prog="iraq-atlas")
    >>> add_parsers(p.add_subparsers(dest="command"))
    >>> p.parse_args(["fetch", "ucdp", "--start", "2024-01-01", "--end", "2024-01-31", "--out", "u.parquet"]).candidate
    False
    """
    f = sub.add_parser("fetch", help="download ACLED or UCDP events into a dated snapshot (needs credentials)")
    fsub = f.add_subparsers(dest="service", required=True)

    a = fsub.add_parser("acled", help="ACLED events (IRAQ_ATLAS_ACLED_EMAIL / IRAQ_ATLAS_ACLED_PASSWORD)")
    a.add_argument("--country", default="Iraq", help="ACLED country name (default Iraq)")
    _common(a)
    a.set_defaults(func=cmd_fetch_acled)

    u = fsub.add_parser("ucdp", help="UCDP GED or GED Candidate events located in Iraq (IRAQ_ATLAS_UCDP_TOKEN)")
    u.add_argument("--candidate", action="store_true", help="the monthly GED Candidate release")
    u.add_argument("--version", help="dataset version: YY.1 for GED, YY.0.M for Candidate (default: the latest "
                                     "expected release)")
    _common(u)
    u.set_defaults(func=cmd_fetch_ucdp)


def add_diff_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``diff OLD NEW`` under the ``incidents`` command (``iraq-atlas incidents diff``).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``incidents`` command's sub-commands.

    Returns
    -------
    argparse.ArgumentParser
        The ``diff`` parser.

    Examples
    --------
    >>> p = argparse.ArgumentParser(prog="iraq-atlas incidents")
    >>> d = add_diff_parser(p.add_subparsers(dest="action"))
    >>> p.parse_args(["diff", "old.csv", "new.csv", "--format", "csv"]).id_column
    'event_id_cnty'
    """
    d = sub.add_parser("diff", help="added, deleted and changed events between two snapshots or exports",
                       description="Compare two downloads of the same events by event id: one row per added "
                                   "or deleted event, one per changed field (old and new values).")
    d.add_argument("old", help="earlier snapshot or export (.parquet or .csv)")
    d.add_argument("new", help="later snapshot or export (.parquet or .csv)")
    d.add_argument("--id-column", default="event_id_cnty", help="event id column (UCDP GED: id)")
    d.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    d.set_defaults(func=cmd_incidents_diff)
    return d
