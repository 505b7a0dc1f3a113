"""The 18 governorates and the crosswalk from any of their names or codes to ISO 3166-2:IQ.

ISO codes are the project's key. pycountry supplies the official list, so a
code that ISO does not know is rejected; the curated table adds OCHA p-codes,
geoBoundaries names, Arabic names and the spellings users meet in the wild.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pycountry

from iraq_atlas.files import data_path, read_table, split_list
from iraq_atlas.places.names import normalise
from iraq_atlas.places.schema import GOVERNORATE_COLUMNS, TABLES, table_schema

#: The columns of the curated governorate table (:data:`~iraq_atlas.places.schema.GOVERNORATE_COLUMNS`).
COLUMNS = GOVERNORATE_COLUMNS


@lru_cache(maxsize=1)
def iso_codes() -> dict[str, str]:
    """ISO 3166-2:IQ governorate codes and their official names (Kurdistan Region excluded).

    Returns
    -------
    dict of str to str
        The 18 codes, each with its name in pycountry's ISO 3166-2 list.

    Examples
    --------
    >>> len(iso_codes()), "IQ-BG" in iso_codes(), "IQ-KR" in iso_codes()
    (18, True, False)
    """
    return {s.code: s.name for s in pycountry.subdivisions.get(country_code="IQ")
            if s.type == "Governorate"}


def load_governorates(path=None) -> pd.DataFrame:
    """The governorate table, validated by its schema: 18 known ISO codes, unique p-codes, a source per row.

    Parameters
    ----------
    path : path-like, optional
        The CSV (default: the curated ``geodata/places/governorates.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per governorate, columns :data:`COLUMNS`.

    Raises
    ------
    DataError
        Every broken rule (:func:`iraq_atlas.places.schema.table_schema` ``("governorates")``),
        each naming file, row and column.

    Examples
    --------
    >>> g = load_governorates()
    >>> len(g), g.set_index("iso_3166_2").loc["IQ-BG", "ocha_pcode"]
    (18, 'IQG08')
    """
    return read_table(path or data_path("places", TABLES["governorates"]), table_schema("governorates"))


#: Admin1 names that are not ISO 3166-2:IQ governorates, with the rule that maps them.
#: Halabja has been a governorate in Kurdistan Region usage since 2014; ISO 3166-2:IQ and
#: OCHA COD-AB (2019) keep it inside Sulaymaniyah, so an admin1 value "Halabja" means IQ-SU.
ADMIN1_RULES: dict[str, str] = {
    "Halabja": "IQ-SU", "Halabjah": "IQ-SU", "Halabcha": "IQ-SU", "Helebce": "IQ-SU",
    "حلبجة": "IQ-SU", "هەڵەبجە": "IQ-SU",
}


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table = load_governorates()
    keys: dict[str, str] = {}
    for code, official in iso_codes().items():
        keys[normalise(official.replace(" Governorate", ""))] = code
    for r in table.itertuples():
        # codes are matched exactly in to_iso(): normalising "IQ-AN" would drop "an" as an article
        names = [r.name_en, r.name_ar, r.ocha_name, r.geoboundaries_name, *split_list(r.variants)]
        for n in names:
            if n:
                keys[normalise(n)] = r.iso_3166_2
                keys[normalise(n + " governorate")] = r.iso_3166_2
                keys[normalise(n + " province")] = r.iso_3166_2
    for n, iso in ADMIN1_RULES.items():
        for k in (n, n + " governorate", n + " province"):
            keys.setdefault(normalise(k), iso)
    return keys


def to_iso(value: str | None) -> str | None:
    """ISO 3166-2:IQ code for a governorate name, variant, Arabic name, p-code or code.

    Halabja (a governorate in Kurdistan Region usage) maps to IQ-SU by the rule in
    :data:`ADMIN1_RULES`; it is never rejected.

    Parameters
    ----------
    value : str or None
        A governorate name in any common spelling, an Arabic name, an OCHA p-code
        (``IQG08``) or an ISO code.

    Returns
    -------
    str or None
        The ISO 3166-2:IQ code, or None when nothing matches.

    Examples
    --------
    >>> to_iso("Ninewa"), to_iso("IQG08"), to_iso("Halabja"), to_iso("Atlantis")
    ('IQ-NI', 'IQ-BG', 'IQ-SU', None)
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    code = text.upper()
    if code in iso_codes():
        return code
    pcodes = _pcodes()
    if code in pcodes:
        return pcodes[code]
    found = _lookup().get(normalise(text))
    if found is None:
        from iraq_atlas.places.names import loose_key

        found = _loose_lookup().get(loose_key(text))
    return found


@lru_cache(maxsize=1)
def _loose_lookup() -> dict[str, str]:
    from iraq_atlas.places.names import loose_key

    out: dict[str, str] = {}
    clash: set[str] = set()
    for key, iso in _lookup().items():
        lk = loose_key(key)
        if lk in out and out[lk] != iso:
            clash.add(lk)
        out.setdefault(lk, iso)
    return {k: v for k, v in out.items() if k not in clash}


@lru_cache(maxsize=1)
def _pcodes() -> dict[str, str]:
    table = load_governorates()
    return {p.upper(): iso for p, iso in zip(table.ocha_pcode, table.iso_3166_2) if p}


def governorate_names() -> dict[str, str]:
    """ISO code → English display name from the curated table.

    Returns
    -------
    dict of str to str
        The 18 governorates' ``name_en``, keyed by ISO 3166-2:IQ code.

    Examples
    --------
    >>> governorate_names()["IQ-NI"]
    'Ninawa'
    """
    t = load_governorates()
    return dict(zip(t.iso_3166_2, t.name_en))


# A tile-grid cartogram: one square per governorate, placed to keep neighbours
# next to each other (north at the top). Used for maps when no polygons are at hand.
TILE_GRID: dict[str, tuple[int, int]] = {
    "IQ-NI": (0, 1), "IQ-DA": (0, 2), "IQ-AR": (0, 3),
    "IQ-AN": (1, 0), "IQ-SD": (1, 2), "IQ-KI": (1, 3), "IQ-SU": (1, 4),
    "IQ-KA": (2, 1), "IQ-BG": (2, 2), "IQ-DI": (2, 3),
    "IQ-NA": (3, 1), "IQ-BB": (3, 2), "IQ-WA": (3, 3),
    "IQ-MU": (4, 1), "IQ-QA": (4, 2), "IQ-MA": (4, 3),
    "IQ-DQ": (5, 2), "IQ-BA": (5, 3),
}
