"""UCDP Georeferenced Event Dataset (GED) CSV exports, mapped onto ACLED's columns and scales.

UCDP records no injuries: they stay unknown (never 0).

The UCDP GED → ACLED mapping (written down because the scales differ):

===================  ==========================================  ==============
UCDP ``where_prec``  meaning in UCDP                             geo_precision
===================  ==========================================  ==============
1                    exact location                              1
2                    within about 25 km of a known point         2
3                    only the district (2nd-order admin unit)    2
4                    only the governorate (1st-order unit)       3
5                    a linear feature or a region (border, road) 3
6                    only the country                            rejected
7                    international waters or airspace            rejected
===================  ==========================================  ==============

===================  ==========================================  ==============
UCDP ``date_prec``   meaning in UCDP                             time_precision
===================  ==========================================  ==============
1                    exact day                                   1 (day)
2                    within 2–6 days                             2 (week)
3                    within a week                               2 (week)
4                    within a month                              3 (month)
5                    more than a month                           3 (month, the coarsest ACLED has)
===================  ==========================================  ==============

``event_date`` is UCDP's ``date_start``. ``type_of_violence`` 1 (state-based)
and 2 (non-state) become Battles / Armed clash, 3 (one-sided) becomes Violence
against civilians / Attack: UCDP does not say whether violence was remote, so
this is the closest ACLED pair, not an equivalent. ``best``/``low``/``high``
become ``fatalities``/``fatalities_low``/``fatalities_high``; ``side_a`` and
``side_b`` the actors; ``where_description`` the location; ``adm_1``/``adm_2``
admin1/admin2; ``source_office`` the source and ``source_headline`` the notes.
Ids become ``UCDP-<id>``. Rows whose ``country`` is not Iraq are excluded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.files import field_count_problems
from iraq_atlas.incidents.sources._common import IRAQ_GW_CODE, IRAQ_NAMES, _read_export

name = "ucdp"
description = "a UCDP GED CSV export (precision codes and violence types mapped onto ACLED's)"
kinds = ("csv",)
require_source_url = False

#: The columns of a UCDP GED export and of the UCDP API's records, in the order of the GED codebook.
#: The importer needs those in REQUIRED, reads a few more when present and ignores the rest.
UCDP_COLUMNS = ["id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
                "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
                "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
                "source_article", "source_office", "source_date", "source_headline", "source_original",
                "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude",
                "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
                "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best",
                "high", "low"]
UCDP_WHERE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
UCDP_DATE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
UCDP_VIOLENCE = {"1": ("Battles", "Armed clash"), "2": ("Battles", "Armed clash"),
                 "3": ("Violence against civilians", "Attack")}
REQUIRED = ["id", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude",
            "date_prec", "date_start", "best", "low", "high"]


def sniff(header: set[str]) -> bool:
    """True for a header with UCDP GED's violence type, location precision and best estimate.

    Parameters
    ----------
    header : set of str
        The file's column names (see :func:`iraq_atlas.incidents.sources.read_header`).

    Returns
    -------
    bool

    Examples
    --------
    >>> sniff({"id", "type_of_violence", "where_prec", "best"})
    True
    """
    return {"type_of_violence", "where_prec", "best"} <= header


def read(path: Path, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A UCDP GED export as text rows in the schema, with the rows' UCDP-specific problems.

    Parameters
    ----------
    path : Path
        The GED or GED Candidate CSV.
    **options
        None are taken (a ParameterError names any given).

    Returns
    -------
    frame : pandas.DataFrame
        Every row as text in the schema's columns (mapped as in the tables above),
        with ``_row``, ``dataset`` and ``_country``.
    problems : pandas.DataFrame
        Unknown codes and too coarse locations (``_row``, ``column``, ``reason``).

    Raises
    ------
    DataError
        When a required column is missing.

    Examples
    --------
    A located battle, and a one-sided event known only to the country:

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ged.csv").write_text(
    ...     "id,type_of_violence,side_a,side_b,where_prec,where_description,adm_1,latitude,longitude,"
    ...     "country,date_prec,date_start,best,low,high\\n"
    ...     "244657,1,Government of Iraq,IS,1,Mosul town,Nineveh province,36.335,43.119,"
    ...     "Iraq,1,2017-06-01,5,4,7\\n"
    ...     "244658,3,IS,Civilians,6,Iraq,,33.0,44.0,Iraq,4,2017-06-02,2,2,2\\n")
    >>> frame, problems = read(d / "ged.csv")
    >>> frame[["event_id_cnty", "event_type", "sub_event_type", "time_precision"]].values.tolist()
    [['UCDP-244657', 'Battles', 'Armed clash', '1'], ['UCDP-244658', 'Violence against civilians', 'Attack', '3']]
    >>> problems[["_row", "column"]].values.tolist()
    [[2, 'where_prec']]
    """
    from iraq_atlas.incidents.sources import no_options
    from iraq_atlas.incidents.validation import _flag

    no_options(name, options)
    raw = _read_export(path, REQUIRED)
    if "country" not in raw.columns and "country_id" not in raw.columns:
        raise DataError([Problem(path.name, None, "country", "required column is missing (or country_id)")])
    get = lambda c: raw[c] if c in raw.columns else pd.Series("", index=raw.index)  # noqa: E731
    violence = raw["type_of_violence"].map(UCDP_VIOLENCE)
    df = pd.DataFrame({
        "_row": raw["_row"],
        "event_id_cnty": np.where(raw["id"] != "", "UCDP-" + raw["id"], ""),
        "event_date": raw["date_start"].str.slice(0, 10),
        "time_precision": raw["date_prec"].map({k: str(v) for k, v in UCDP_DATE_PREC.items()}).where(
            raw["date_prec"].isin(UCDP_DATE_PREC.keys()), raw["date_prec"]),
        "event_type": violence.map(lambda v: v[0] if isinstance(v, tuple) else ""),
        "sub_event_type": violence.map(lambda v: v[1] if isinstance(v, tuple) else ""),
        "actor1": raw["side_a"], "assoc_actor_1": "", "actor2": raw["side_b"],
        "admin1": get("adm_1"), "admin2": get("adm_2"), "location": get("where_description"),
        "latitude": raw["latitude"], "longitude": raw["longitude"],
        "geo_precision": raw["where_prec"].map({k: str(v) for k, v in UCDP_WHERE_PREC.items()}).where(
            raw["where_prec"].isin(UCDP_WHERE_PREC.keys()), ""),
        "source": get("source_office"), "notes": get("source_headline"),
        "fatalities": raw["best"], "fatalities_low": raw["low"], "fatalities_high": raw["high"],
        "injuries": "", "injuries_low": "", "injuries_high": "", "target": "", "place_id": "",
        "time_local": "", "source_url": "", "dataset": "ucdp",
    })
    df = df.astype({"time_precision": str, "geo_precision": str})
    country = get("country").str.lower()
    df["_country"] = np.where(country.isin(IRAQ_NAMES) | (get("country_id") == IRAQ_GW_CODE), "Iraq",
                              get("country").where(get("country") != "", "country_id " + get("country_id")))
    problems = [
        _flag(raw, ~raw["type_of_violence"].isin(UCDP_VIOLENCE.keys()), "type_of_violence",
              "type_of_violence " + raw["type_of_violence"].map(repr) + " is not 1, 2 or 3"),
        _flag(raw, raw["where_prec"].isin(["6", "7"]), "where_prec",
              "where_prec " + raw["where_prec"] + ": only the country (6) or international waters/airspace "
              "(7) is known, too coarse to place on a map"),
        _flag(raw, ~raw["where_prec"].isin(list(UCDP_WHERE_PREC) + ["6", "7"]), "where_prec",
              "where_prec " + raw["where_prec"].map(repr) + " is not a UCDP precision code 1–7"),
        _flag(raw, ~raw["date_prec"].isin(UCDP_DATE_PREC.keys()), "date_prec",
              "date_prec " + raw["date_prec"].map(repr) + " is not a UCDP precision code 1–5"),
    ]
    return df, pd.concat([field_count_problems(path)] + problems, ignore_index=True)
