"""Resolve place names to gazetteer points: exact → alias → spelling variant → fuzzy, never a silent wrong point.

Every input row comes back. A name that fits two places equally is
``ambiguous`` (with its candidates), a name of a place outside Iraq is
``foreign``, a name that fits none is ``unresolved``; only ``matched``,
``fuzzy`` and ``online`` rows carry a point. When one name fits several places
the rules of :meth:`Geocoder._choose` decide (rank of kind, a governorate hint,
population), and a tie stays ambiguous.
An optional online fallback (Nominatim via geopy) is off by default, cached on
disk and rate-limited.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import from_shapely
from rapidfuzz import fuzz, process

from iraq_atlas.places.answer_index import MAY_HINT
from iraq_atlas.places.gazetteer import _km, expand_aliases, foreign_names, gazetteer, in_iraq_bbox
from iraq_atlas.places.names import lines_matching, loose_from_normalised, loose_key, normalise, normalise_many
from iraq_atlas.vocab import CRS

RESULT_COLUMNS = ["query", "place_id", "name", "lat", "lon", "governorate_iso", "kind",
                  "geo_precision", "precision_m", "confidence", "status", "candidates",
                  "match", "point_from", "point_note", "source_url"]
#: The type of every result column, whatever the names asked (text columns are pandas' ``str``).
RESULT_DTYPES = {**dict.fromkeys(RESULT_COLUMNS, "str"), "lat": "float64", "lon": "float64",
                 "geo_precision": "Int64", "precision_m": "float64", "confidence": "float64"}
#: ``foreign``: the name is a place outside Iraq (never given a point); see :func:`foreign_names`.
STATUSES = ("matched", "fuzzy", "online", "ambiguous", "foreign", "unresolved")
CONFIDENCE = {"name": 1.0, "name_ar": 1.0, "alias": 0.95, "variant": 0.9}
#: Rank of a kind of place when one name fits several (lower wins): curated sites and
#: neighbourhoods, then GeoNames towns, then OCHA sub-districts, districts, governorates.
TIER = {"curated": 0, "city": 1, "subdistrict": 2, "district": 3, "governorate": 4}
#: Candidates of the same rank closer than this (km) are one place recorded twice: the first wins.
SAME_PLACE_KM = 10.0
#: Within one rank, a place this many times as populous as the next wins.
POPULATION_RATIO = 10.0
#: No fuzzy match for names whose comparison key is shorter than this.
MIN_FUZZY_CHARS = 5
#: Keys shorter than SHORT_KEY_CHARS need this fuzzy score: one letter changes a short name.
SHORT_KEY_CHARS, SHORT_KEY_SCORE = 8, 92.0

_GOV_WORDS = r"(?:province|governorate|governate|muhafaz(?:a|ah|at)|muhafadh(?:a|ah|at))"
_KIND_SUFFIX = [
    (re.compile(rf"^(?:the\s+)?{_GOV_WORDS}\s+of\s+(.+)$", re.I), "governorate"),
    (re.compile(rf"^(.+?)\s+{_GOV_WORDS}$", re.I), "governorate"),
    (re.compile(r"^(?:محافظة|محافظه)\s+(.+)$"), "governorate"),
    (re.compile(r"^(.+?)\s+(?:sub-?district|nahiy(?:a|ah|at)|nahia)$", re.I), "subdistrict"),
    (re.compile(r"^(?:nahiy(?:a|ah|at)|nahia|ناحية|ناحيه)\s+(.+)$", re.I), "subdistrict"),
    (re.compile(r"^(.+?)\s+(?:district|qada|qadaa|qadha|kaza)$", re.I), "district"),
    (re.compile(r"^(?:قضاء)\s+(.+)$"), "district"),
]
# cheap test: only queries containing one of these can carry a hint (see parse_query)
_MAY_HINT = MAY_HINT
_MAY_HINT_LOWER = re.compile(_MAY_HINT.pattern)  # the same on lower-cased ASCII text
#: the letters beyond ASCII that match a-z when case is ignored (İ ı ſ K; a test checks the list)
_FOLDS_TO_LATIN = re.compile("[\u0130\u0131\u017f\u212a]")
_HINT = re.compile(r"^(.+?)\s*(?:,|\(|،)\s*([^,()،]+?)\s*\)?\s*$")


def parse_query(text: str) -> tuple[str, str | None, str | None]:
    """Split a place query into (name, governorate hint, kind hint).

    ``"Hit, Anbar"`` and ``"Hit (Anbar)"`` carry a governorate hint; ``"Anbar province"``,
    ``"محافظة الأنبار"``, ``"Heet district"``, ``"nahiyat Amirli"`` carry a kind.

    Parameters
    ----------
    text : str
        The query as written.

    Returns
    -------
    tuple
        The name, an ISO 3166-2:IQ code or None, a kind (``governorate``, ``district``,
        ``subdistrict``) or None.

    Examples
    --------
    >>> parse_query("Hit, Anbar")
    ('Hit', 'IQ-AN', None)
    >>> parse_query("Nineveh Province")
    ('Nineveh', None, 'governorate')
    """
    from iraq_atlas.places.governorates import to_iso

    name, iso, kind = text.strip(), None, None
    m = _HINT.match(name)
    if m and to_iso(m.group(2)):
        name, iso = m.group(1).strip(), to_iso(m.group(2))
    for pat, k in _KIND_SUFFIX:
        km = pat.match(name)
        if km and km.group(1).strip():
            name, kind = km.group(1).strip(), k
            break
    return name, iso, kind


@dataclass
class _Hit:
    status: str
    place_id: str | None = None
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()
    point: tuple[float, float] | None = None  # (lat, lon) for online hits
    name: str | None = None
    match: str = ""


class Geocoder:
    """Offline geocoder over the gazetteer: exact → alias → spelling variant → fuzzy.

    Parameters
    ----------
    places : geopandas.GeoDataFrame, optional
        Gazetteer rows (default :func:`~iraq_atlas.places.gazetteer.gazetteer`).
    fuzzy_threshold : float, default 85
        Minimum rapidfuzz ratio (0–100) for a fuzzy match.
    ambiguity_margin : float, default 3
        Two different places scoring within this many points of each other (and not
        separated by rank, population or a hint) make the answer ambiguous.
    online : OnlineGeocoder, optional
        Asked for names nothing else resolves.

    Examples
    --------
    >>> g = Geocoder()
    >>> g.geocode_names(["Heet", "Damascus"])[["query", "status"]].values.tolist()
    [['Heet', 'matched'], ['Damascus', 'foreign']]
    """

    def __init__(self, places: gpd.GeoDataFrame | None = None, *, fuzzy_threshold: float = 85,
                 ambiguity_margin: float = 3, online: "OnlineGeocoder | None" = None,
                 foreign: pd.DataFrame | None = None):
        default = places is None and foreign is None
        self.places = gazetteer() if places is None else places
        self.fuzzy_threshold = fuzzy_threshold
        self.ambiguity_margin = ambiguity_margin
        self.online = online
        self._by_id = self.places.set_index("place_id")
        cols = ["name", "lat", "lon", "governorate_iso", "kind", "geo_precision", "precision_m", "source_url"]
        info = self._by_id.reindex(columns=cols + ["source", "population", "point_from"])
        info["source"] = info["source"].fillna("curated")
        info["population"] = pd.to_numeric(info["population"], errors="coerce").fillna(0.0)
        info["point_from"] = info["point_from"].fillna("")
        # plain dicts of what results need per place: pandas .loc per hit would dominate batch time
        self._info: dict[str, dict] = info.to_dict("index")
        for pid, p in self._info.items():
            p["tier"] = TIER["curated"] if p["source"] == "curated" and p["kind"] not in ("governorate",) \
                else TIER.get(p["kind"], 1)
        foreign = foreign_names() if foreign is None else foreign
        for r in foreign.itertuples():
            self._info[r.place_id] = {"name": r.name, "lat": np.nan, "lon": np.nan, "governorate_iso": None,
                                      "kind": "foreign", "geo_precision": pd.NA, "precision_m": np.nan,
                                      "source_url": r.source_url, "source": "foreign", "population": 0.0,
                                      "point_from": "", "tier": 9, "country": r.country_iso}
        spell = pd.concat([expand_aliases(self.places), expand_aliases(foreign)], ignore_index=True)
        spell["key"] = spell.spelling.map(normalise)
        spell["loose"] = spell.spelling.map(loose_key)
        spell = spell[spell.key != ""]
        self._index: dict[str, dict[str, str]] = {}
        self._loose: dict[str, dict[str, str]] = {}
        self._fuzzy_keys: set[str] = set()
        src = {pid: p["source"] for pid, p in self._info.items()}
        for key, loose, pid, how in zip(spell.key, spell.loose, spell.place_id, spell.how):
            best = self._index.setdefault(key, {})
            if pid not in best or CONFIDENCE[how] > CONFIDENCE[best[pid]]:
                best[pid] = how
            self._loose.setdefault(loose, {})[pid] = "variant"
            if how != "alias" or src.get(pid) != "geonames":
                self._fuzzy_keys.add(loose)
        self._keys = list(self._loose)
        self._fuzzy_prepare()
        self._row_cache: dict[str, dict] = {}
        # answers for every known spelling without hints, computed once
        self._pre: dict[str, _Hit] = {}
        for key in self._index:
            hit = self._exact(key, loose_from_normalised(key), None, None)
            if hit is not None:
                self._pre[key] = hit
        # ... and for every variant key, reached by a spelling that is not itself in the index
        self._pre_loose: dict[str, _Hit] = {}
        for loose, found in self._loose.items():
            status, pid, cands = self._choose(sorted(found), None, None, exact=set())
            self._pre_loose[loose] = _Hit("matched", pid, CONFIDENCE[found[pid]], match=found[pid]) \
                if status == "matched" else _Hit(status, candidates=cands, match="variant")
        # the rows of those answers as one table, and every gazetteer spelling as written → its row:
        # a query spelt as in the gazetteer is answered by one hash look-up, without normalising
        # (spellings with a kind or hint in them, "Barwana sub-district", are resolved here once; an
        # unresolved answer is left out, as the online fallback may still find it)
        raw = pd.unique(spell.spelling.to_numpy(dtype=object))
        raw_comp = self._composites(list(raw))
        pre_keys = list(self._pre)
        more = sorted(set(raw_comp) - set(pre_keys) - {""})
        answers = [self._pre[k] for k in pre_keys]
        for key, hit in zip(more, self._resolve_many(more)):
            if hit.status != "unresolved":
                pre_keys.append(key)
                answers.append(hit)
        self._pre_table = self._frame(answers)
        self._pre_pos = pd.Index(pre_keys, dtype=object)
        at = self._pre_pos.get_indexer(raw_comp)
        self._raw_pos = pd.Index(raw[at >= 0], dtype=object)
        self._raw_row = at[at >= 0]
        if default:  # the default gazetteer: keep its answers on disk for the command line
            from iraq_atlas.places import answer_index

            if answer_index.load_index() is None:
                answer_index.write_index(self)

    # -- choosing among candidates ----------------------------------------------------------
    def _choose(self, pids: list[str], iso: str | None = None, kind: str | None = None,
                exact: set[str] | frozenset[str] = frozenset()) -> tuple[str, str | None, tuple[str, ...]]:
        """(status, place_id, candidates) for places that all fit a name, by the documented rules.

        Order: foreign names lose to any Iraqi place that fits as well (and win alone, with no
        point); a governorate or kind hint narrows; a governorate's name means a place of that
        name inside it if there is one, else the governorate; then the best rank (:data:`TIER`) wins,
        and within a rank a spelling match (``exact``) beats a match by a variant rule;
        within it, places closer than :data:`SAME_PLACE_KM` are one, and a place
        :data:`POPULATION_RATIO` times as populous as the next wins; otherwise ambiguous.
        """
        info = self._info
        iraqi = [p for p in pids if info[p]["tier"] < 9]
        if not iraqi:
            return ("foreign", None, tuple(sorted(pids))) if pids else ("unresolved", None, ())
        cands = iraqi
        if iso:
            cands = [p for p in cands if info[p]["governorate_iso"] == iso]
        if kind:
            cands = [p for p in cands if info[p]["kind"] == kind]
        if not cands:
            return "ambiguous", None, tuple(sorted(iraqi))
        if len(cands) == 1:
            return "matched", cands[0], ()
        # a governorate and places of the same name: a town inside that governorate is what news
        # mean ("Baghdad" the city); admin units and places elsewhere lose to it ("Saladin", "Wasit")
        gov_isos = {info[p]["governorate_iso"] for p in cands if info[p]["kind"] == "governorate"}
        if gov_isos:
            inside = [p for p in cands if info[p]["kind"] != "governorate" and info[p]["tier"] <= TIER["city"]
                      and info[p]["governorate_iso"] in gov_isos]
            cands = inside if inside else [p for p in cands if info[p]["kind"] == "governorate"]
            if len(cands) == 1:
                return "matched", cands[0], ()

        def rank(p: str) -> tuple[int, int]:
            return info[p]["tier"], 0 if (not exact or p in exact) else 1

        top = min(rank(p) for p in cands)
        best = sorted((p for p in cands if rank(p) == top),
                      key=lambda p: (-info[p]["population"], p))
        if len(best) == 1:
            return "matched", best[0], ()
        first = info[best[0]]
        if all(pd.notna(info[p]["lat"]) for p in best) and all(
                _km(first["lat"], first["lon"], info[p]["lat"], info[p]["lon"]) <= SAME_PLACE_KM for p in best[1:]):
            return "matched", best[0], ()
        if first["population"] > 0 and first["population"] >= POPULATION_RATIO * info[best[1]]["population"]:
            return "matched", best[0], ()
        return "ambiguous", None, tuple(sorted(best))

    def _exact(self, key: str, loose: str, iso: str | None, kind: str | None) -> _Hit | None:
        exact = self._index.get(key, {})
        found = {**self._loose.get(loose, {}), **exact}
        if not found:
            return None
        status, pid, cands = self._choose(sorted(found), iso, kind, exact=set(exact))
        if status == "matched":
            return _Hit("matched", pid, CONFIDENCE[found[pid]], match=found[pid])
        return _Hit(status, candidates=cands, match="name" if exact else "variant")

    def _resolve_key(self, key: str) -> _Hit:
        """Resolve one composite key (see :meth:`_composite`) on its own."""
        return self._resolve_many([key])[0]

    @staticmethod
    def _composite(query: str) -> str:
        """The resolution key of a query: its normalised name, plus hints when it has any."""
        if not _MAY_HINT.search(query):
            return normalise(query)
        name, iso, kind = parse_query(query)
        key = normalise(name)
        return key if not (iso or kind) else "\x1f".join([key, iso or "", kind or ""])

    @staticmethod
    def _composites(queries: list[str]) -> list[str]:
        """:meth:`_composite` of many queries ("" for blank ones); names without hints normalised in one batch."""
        joined = "\n".join(queries)
        if joined.count("\n") != len(queries) - 1:  # some query holds a line break: one by one
            return [Geocoder._composite(q) if q.strip() else "" for q in queries]
        # a query may carry a hint if its lower-cased text has a hint word (what ignoring case means for
        # ASCII) or if it has one of the few other letters that match a-z when case is ignored; each such
        # query is then checked as a whole
        maybe = lines_matching(_MAY_HINT_LOWER, joined.lower()) | lines_matching(_FOLDS_TO_LATIN, joined)
        hinted = sorted(i for i in maybe if _MAY_HINT.search(queries[i]))
        if not hinted:
            return normalise_many(queries)
        out = normalise_many(queries)  # the hinted ones are replaced below
        parsed = [parse_query(queries[i]) for i in hinted]
        for i, (_, iso, kind), key in zip(hinted, parsed, normalise_many([p[0] for p in parsed])):
            out[i] = key if not (iso or kind) else "\x1f".join([key, iso or "", kind or ""])
        return out

    # -- batches --------------------------------------------------------------
    def _fuzzy_prepare(self) -> None:
        """Fuzzy candidates: the loose keys of names, Arabic names and curated/OCHA aliases, by length.

        GeoNames alternate names are matched exactly and by the variant rules only: they are
        most of the spellings, and a fuzzy hit on an obscure alternate is rarely right.
        """
        keys = sorted(self._fuzzy_keys)
        self._fz_keys = keys
        self._fz_len = np.array([len(k) for k in keys])
        self._fz_pids = [tuple(sorted(self._loose[k])) for k in keys]

    def _fuzzy_many(self, loose_keys: list[str], hints: list[tuple[str | None, str | None]]) -> list[_Hit]:
        """Fuzzy matches for many keys at once, on one core.

        Queries are grouped by length and scored (rapidfuzz ``cdist``, vectorised) only against
        spellings whose length allows the threshold (a ratio ≥ t needs a length ratio ≥
        t / (200 − t)); the places within the ambiguity margin of the best score then go
        through :meth:`_choose`.
        """
        hits: list[_Hit] = [_Hit("unresolved")] * len(loose_keys)
        if not loose_keys:
            return hits
        t = self.fuzzy_threshold
        lens = np.array([len(k) for k in loose_keys])
        f = t / (200.0 - t)
        for L in np.unique(lens):
            if L < MIN_FUZZY_CHARS:
                continue
            rows = np.flatnonzero(lens == L)
            need = max(t, SHORT_KEY_SCORE if L < SHORT_KEY_CHARS else 0.0)
            cols = np.flatnonzero((self._fz_len >= L * f) & (self._fz_len <= L / f))
            if not len(cols):
                continue
            ref = [self._fz_keys[c] for c in cols]
            for lo in range(0, len(rows), 4096):
                part = rows[lo:lo + 4096]
                score = process.cdist([loose_keys[r] for r in part], ref, scorer=fuzz.ratio, score_cutoff=need,
                                      dtype=np.uint8, workers=1)
                top = score.max(axis=1)
                ok = top > 0
                near = (score > 0) & (score.astype(np.int16) >= (top.astype(np.int16) - self.ambiguity_margin)[:, None])
                rr, cc = np.nonzero(near & ok[:, None])
                bounds = np.searchsorted(rr, np.arange(len(part) + 1))
                for j in np.flatnonzero(ok):
                    qi = int(part[j])
                    sel = cc[bounds[j]:bounds[j + 1]]
                    pids: dict[str, int] = {}
                    for c in sel:
                        sc = int(score[j, c])
                        for pid in self._fz_pids[cols[c]]:
                            if sc > pids.get(pid, -1):
                                pids[pid] = sc
                    iso, kind = hints[qi]
                    if len(pids) == 1 and not iso and not kind:
                        pid, sc = next(iter(pids.items()))
                        if self._info[pid]["tier"] >= 9:
                            hits[qi] = _Hit("foreign", candidates=(pid,), match="fuzzy")
                        else:
                            hits[qi] = _Hit("fuzzy", pid, round(0.9 * sc / 100, 3), match="fuzzy")
                        continue
                    status, pid, cands = self._choose(list(pids), iso, kind)
                    if status == "matched":
                        hits[qi] = _Hit("fuzzy", pid, round(0.9 * pids[pid] / 100, 3), match="fuzzy")
                    else:
                        hits[qi] = _Hit(status, candidates=cands, match="fuzzy")
        return hits

    def _resolve_many(self, keys: list[str]) -> list[_Hit]:
        """Resolve distinct composite keys: exact and variant look-ups first, the rest fuzzy in one batch."""
        hits: list[_Hit | None] = [None] * len(keys)
        fuzzy_at, fuzzy_keys, fuzzy_hints = [], [], []
        pre = self._pre
        for i, comp in enumerate(keys):
            if not comp:
                hits[i] = _Hit("unresolved")
                continue
            hit = pre.get(comp)
            if hit is not None:
                hits[i] = hit
                continue
            key, iso, kind = (comp.split("\x1f") + ["", ""])[:3]
            if not key:
                hits[i] = _Hit("unresolved")
                continue
            loose = loose_from_normalised(key)
            hit = None
            if key in self._index:
                hit = self._exact(key, loose, iso or None, kind or None)
            elif loose in self._loose:
                hit = self._pre_loose[loose] if not (iso or kind) else self._exact(key, loose, iso or None,
                                                                                    kind or None)
            if hit is not None:
                hits[i] = hit
            else:
                fuzzy_at.append(i)
                fuzzy_keys.append(loose)
                fuzzy_hints.append((iso or None, kind or None))
        for i, hit in zip(fuzzy_at, self._fuzzy_many(fuzzy_keys, fuzzy_hints)):
            hits[i] = hit
        return hits  # type: ignore[return-value]

    def geocode_names(self, names: Iterable[str]) -> gpd.GeoDataFrame:
        """One result row per input name, in input order (EPSG:4326).

        Work is done once per distinct spelling: names are factorised; a name spelt as in
        the gazetteer finds its answer row (built with the geocoder) by one hash look-up,
        without normalising; the other names are normalised in one batch, and only keys
        the gazetteer does not hold are resolved here; the answer rows are spread back to
        the input rows with array indexing (no per-row Python). Column types are fixed
        (:data:`RESULT_DTYPES`), whatever the answers. Only ``matched``, ``fuzzy`` and ``online``
        rows carry a point; ``point_from`` names the parent place whose point a place
        without its own coordinates was given, and ``point_note`` says how approximate it is.

        Parameters
        ----------
        names : iterable of str
            Place names; missing values come back ``unresolved``. A name may carry a
            governorate hint (``"Hit, Anbar"``) or a kind (``"Anbar province"``).

        Returns
        -------
        geopandas.GeoDataFrame
            Columns :data:`RESULT_COLUMNS` and a point geometry.

        Examples
        --------
        >>> r = Geocoder().geocode_names(["Kadhimi's house"]).iloc[0]
        >>> r.place_id, r.status, float(r.precision_m)
        ('pm_residence', 'matched', 2500.0)
        """
        # factorise first: all later work is per distinct spelling (missing names become "")
        if not isinstance(names, (pd.Series, pd.Index)):
            names = pd.Series(list(names), dtype="object")
        q_codes, q_uniq = pd.factorize(names, use_na_sentinel=True)
        if isinstance(names.dtype, pd.StringDtype):  # every distinct value is text already
            q_text = list(np.asarray(q_uniq, dtype=object))
        else:
            q_text = [u if isinstance(u, str) else str(u) for u in q_uniq]
        q_uniq = np.array(q_text + [""], dtype=object)        # code -1 (missing) → the trailing ""
        # each distinct query's row in the answer table: gazetteer spellings as written, then
        # normalised keys answered at construction, then the rest resolved here
        row_of_q = np.full(len(q_uniq), -1, dtype=np.intp)
        at = self._raw_pos.get_indexer(q_uniq[:-1])
        row_of_q[:-1] = np.where(at >= 0, self._raw_row[at], -1)
        miss = np.flatnonzero(row_of_q < 0)
        comp = self._composites(list(q_uniq[miss]))
        row_of_q[miss] = self._pre_pos.get_indexer(comp)
        rest = row_of_q[miss] < 0
        k_of_rest, keys = pd.factorize(pd.Series(comp, dtype=object)[rest], sort=False)
        hits = self._resolve_many(list(keys))
        if self.online is not None:
            for q, k in zip(q_uniq[miss[rest]], k_of_rest):  # distinct queries in order of first appearance
                if hits[k].status == "unresolved" and q.strip():
                    found = self.online.lookup(q)
                    if found is not None:
                        hits[k] = _Hit("online", None, 0.5, point=(found["lat"], found["lon"]),
                                       name=found["name"])
        table = self._pre_table
        if hits:
            table = pd.concat([table, self._frame(hits)], ignore_index=True)
        row_of_q[miss[rest]] = len(self._pre_table) + k_of_rest
        row_key = row_of_q[q_codes]                             # q_codes -1 picks the "" spelling
        df = table.take(row_key).reset_index(drop=True)
        if isinstance(names.dtype, pd.StringDtype) and names.dtype.na_value is np.nan:
            # pandas' default text dtype: the input itself, missing → "" (no re-encoding)
            df["query"] = pd.Series(names, copy=False).fillna("").reset_index(drop=True)
        else:
            df["query"] = pd.Series(q_uniq[q_codes], dtype="str")
        lon, lat = table.lon.to_numpy(float), table.lat.to_numpy(float)
        geom = shapely.points(lon, lat)
        geom[np.isnan(lon) | np.isnan(lat)] = None
        # copy=False: df was built here; geopandas would otherwise copy every column
        return gpd.GeoDataFrame(df, geometry=from_shapely(geom, crs=CRS).take(row_key), crs=CRS, copy=False)

    def _frame(self, hits: list[_Hit]) -> pd.DataFrame:
        """The result rows of ``hits`` (query left blank), with the fixed column types of :data:`RESULT_DTYPES`.

        Built by column: the place fields come from a table of every place's row (made once),
        taken by position; only the few rows without a place but with something to say
        (foreign names, online answers) are built one by one (:meth:`_row`).
        """
        if getattr(self, "_place_table", None) is None:
            pids = list(self._info)
            rows = [self._row("", _Hit("matched", pid)) for pid in pids] + [self._row("", _Hit("unresolved"))]
            table = pd.DataFrame(rows, columns=RESULT_COLUMNS).astype(RESULT_DTYPES)
            self._place_table = table.drop(columns=["status", "confidence", "match", "candidates"])
            self._place_pos = {pid: i for i, pid in enumerate(pids)}
        blank = len(self._place_pos)
        pos = np.array([self._place_pos.get(h.place_id, blank) if h.place_id is not None else blank for h in hits],
                       dtype=np.intp)
        out = self._place_table.take(pos).reset_index(drop=True)
        out["status"] = pd.array([h.status for h in hits], dtype="str")
        out["confidence"] = np.array([h.confidence for h in hits], dtype="float64")
        out["candidates"] = pd.array(["|".join(h.candidates) for h in hits], dtype="str")
        out["match"] = pd.array([h.match or None for h in hits], dtype="str")
        special = [i for i, h in enumerate(hits) if h.place_id is None and (h.point is not None or h.status == "foreign")]
        if special:
            own = pd.DataFrame([self._row("", hits[i]) for i in special], columns=RESULT_COLUMNS).astype(RESULT_DTYPES)
            own.index = special
            out = out[RESULT_COLUMNS]
            for col in RESULT_COLUMNS:
                out.loc[special, col] = own[col]
            return out.astype(RESULT_DTYPES)
        return out[RESULT_COLUMNS]

    def _row(self, query: str, hit: _Hit) -> dict:
        if hit.place_id is not None:
            base = self._row_cache.get(hit.place_id)
            if base is None:
                p = self._info[hit.place_id]
                base = dict.fromkeys(RESULT_COLUMNS)
                base.update(place_id=hit.place_id, name=p["name"], lat=p["lat"], lon=p["lon"],
                            governorate_iso=p["governorate_iso"], kind=p["kind"],
                            geo_precision=p["geo_precision"], precision_m=p["precision_m"],
                            source_url=p["source_url"], point_from=p["point_from"] or None,
                            point_note=self._point_note(p), candidates="")
                self._row_cache[hit.place_id] = base
            row = base.copy()
            row.update(query=query, status=hit.status, confidence=hit.confidence, match=hit.match or None)
            return row
        row = dict.fromkeys(RESULT_COLUMNS)
        row.update(query=query, status=hit.status, confidence=hit.confidence,
                   candidates="|".join(hit.candidates), lat=np.nan, lon=np.nan, match=hit.match or None)
        if hit.point is not None:
            row.update(name=hit.name, lat=hit.point[0], lon=hit.point[1], geo_precision=2)
        elif hit.status == "foreign":
            countries = sorted({self._info[c].get("country", "") for c in hit.candidates})
            row["point_note"] = "outside Iraq (" + ", ".join(countries) + "): no point is given"
        return row

    def _point_note(self, p: dict) -> str | None:
        prec = p["precision_m"]
        if p["point_from"]:
            parent = self._info.get(p["point_from"], {}).get("name", p["point_from"])
            return f"no point of its own: point of {parent} ({p['point_from']}), precision {prec:.0f} m"
        if p["kind"] == "governorate":
            return f"point of the governorate capital, precision {prec:.0f} m"
        if p["source"] == "ocha":
            return f"representative point of the area, precision {prec:.0f} m"
        if pd.notna(prec) and prec >= 1000 and p["kind"] != "city":
            return f"approximate point, precision {prec:.0f} m"
        return None

    def geocode(self, df: pd.DataFrame, column: str, prefix: str = "geo_") -> gpd.GeoDataFrame:
        """Add geocoding results for ``df[column]`` as ``prefix``-named columns; keeps every row."""
        if column not in df.columns:
            raise KeyError(f"column {column!r} not in the table (columns: {list(df.columns)})")
        found = self.geocode_names(df[column].tolist())
        res = pd.DataFrame(found.drop(columns=["query", "geometry"])).add_prefix(prefix)
        out = pd.concat([df.reset_index(drop=True), res.reset_index(drop=True)], axis=1)
        return gpd.GeoDataFrame(out, geometry=found.geometry.to_numpy(), crs=CRS)


def geocode(names: Iterable[str], **kwargs) -> gpd.GeoDataFrame:
    """Geocode a list of names with a default offline :class:`Geocoder`.

    Parameters
    ----------
    names : iterable of str
        Place names as news text spells them, in English or Arabic.
    **kwargs
        Passed to :class:`Geocoder` (for example ``places`` or ``fuzzy_threshold``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per name, in order: ``query``, ``status`` (matched, fuzzy, ambiguous,
        foreign, unresolved), ``place_id``, ``name``, ``lat``, ``lon``,
        ``governorate_iso``, precision and source columns, and the point.

    Examples
    --------
    >>> r = geocode(["Falluja", "الفلوجة", "Tehran"])
    >>> r[["status", "governorate_iso"]].fillna("").values.tolist()
    [['matched', 'IQ-AN'], ['matched', 'IQ-AN'], ['foreign', '']]
    >>> r.loc[0, "place_id"] == r.loc[1, "place_id"]
    True
    """
    return Geocoder(**kwargs).geocode_names(names)


class OnlineGeocoder:
    """Nominatim fallback for names the gazetteer lacks: restricted to Iraq, cached, rate-limited.

    Off unless constructed. ``domain``/``scheme`` point it at another Nominatim
    (the tests use one on 127.0.0.1). The cache is a JSON file so a repeated
    run asks the server nothing; misses are cached too, failures are not.

    Every look-up of one geocoder shares one deadline (``deadline_seconds`` from
    the first request): a silent or slow-dripping server cannot hold a run longer.
    A request that times out, fails to connect or gets a 5xx/429 answer is retried
    at most ``retries`` times; when the service still fails (or answers something
    that is not Nominatim JSON), or the deadline has passed, the geocoder stops
    asking, logs one warning line and every later name keeps its offline answer.
    A corrupt cache file is ignored and replaced by the next answer (warning); a
    cache that cannot be written (read-only folder) is kept in memory only (warning).

    Parameters
    ----------
    cache_path : path-like, optional
        JSON file of earlier answers.
    domain, scheme : str
        Where Nominatim is.
    user_agent : str
        Sent with every request (Nominatim's usage policy asks for one).
    min_delay_seconds : float
        Seconds between two requests (≥ 0).
    timeout : float
        Seconds one request may wait for the server to send anything.
    deadline_seconds : float
        Seconds for all look-ups of this geocoder together.
    retries : int
        Extra attempts for a request that failed in a way that may pass (0–5).
    """

    def __init__(self, cache_path: str | os.PathLike | None = None, *, domain: str = "nominatim.openstreetmap.org",
                 scheme: str = "https", user_agent: str = "iraq-atlas", min_delay_seconds: float = 1.0,
                 timeout: float = 10.0, deadline_seconds: float = 60.0, retries: int = 2):
        import math

        from iraq_atlas.errors import ParameterError

        for label, value, low in (("min_delay_seconds", min_delay_seconds, 0.0), ("timeout", timeout, None),
                                  ("deadline_seconds", deadline_seconds, None)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < (low or 0) \
                    or (low is None and value == 0):
                raise ParameterError(f"{label}: must be a number of seconds {'≥ 0' if low == 0 else '> 0'}, "
                                     f"not {value!r}")
        if not isinstance(retries, int) or not 0 <= retries <= 5:
            raise ParameterError(f"retries: must be a whole number 0–5, not {retries!r}")
        if scheme not in ("http", "https"):
            raise ParameterError(f"scheme: 'http' or 'https', not {scheme!r}")
        self.base_url = f"{scheme}://{domain}/search"
        self.user_agent = user_agent
        self.min_delay_seconds = float(min_delay_seconds)
        self.timeout = float(timeout)
        self.deadline_seconds = float(deadline_seconds)
        self.retries = retries
        self.cache_path = Path(cache_path) if cache_path else None
        self.warnings: list[str] = []
        self._cache: dict[str, dict | None] = self._load_cache()
        self._cache_writable = True
        self._last = 0.0
        self._started: float | None = None
        self._stopped: str | None = None
        self._lock = threading.Lock()
        self.requests_made = 0

    # -- cache ------------------------------------------------------------------
    def _warn(self, text: str) -> None:
        import logging

        self.warnings.append(text)
        logging.getLogger(__name__).warning("online geocoder: %s", text)

    def _load_cache(self) -> dict:
        if not self.cache_path or not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(
                    v is None or (isinstance(v, dict) and {"lat", "lon", "name"} <= set(v)) for v in data.values()):
                raise ValueError("not a mapping of names to answers")
            return data
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            self._warn(f"cache {self.cache_path.name} is unreadable ({type(exc).__name__}); starting afresh")
            return {}

    def _save(self) -> None:
        if not self.cache_path or not self._cache_writable:
            return
        try:
            from iraq_atlas.files import write_atomic

            write_atomic(self.cache_path, json.dumps(self._cache, ensure_ascii=False, indent=1))
        except OSError as exc:
            self._cache_writable = False
            self._warn(f"cannot write the cache {self.cache_path} ({exc.strerror or exc}); "
                       "answers are kept for this run only")

    # -- requests ---------------------------------------------------------------
    def _remaining(self) -> float:
        if self._started is None:
            self._started = time.monotonic()
        return self.deadline_seconds - (time.monotonic() - self._started)

    def _get(self, url: str, limit: float) -> tuple[int, bytes]:
        """(HTTP status, body) within ``limit`` seconds in all, or TimeoutError/OSError."""
        import urllib.error
        import urllib.request

        box: dict = {}
        deadline = time.monotonic() + limit

        def fetch() -> None:
            try:
                req = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                           "Accept": "application/json"})
                try:
                    resp = urllib.request.urlopen(req, timeout=min(self.timeout, limit))  # noqa: S310
                except urllib.error.HTTPError as exc:
                    box["result"] = (exc.code, b"")
                    return
                with resp:
                    chunks, size = [], 0
                    while True:
                        if time.monotonic() > deadline:
                            raise TimeoutError("answer still arriving at the deadline")
                        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                        if not chunk:
                            break
                        size += len(chunk)
                        if size > (8 << 20):
                            raise OSError("answer larger than 8 MB")
                        chunks.append(chunk)
                    box["result"] = (resp.status, b"".join(chunks))
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=fetch, name="iraq-atlas-nominatim", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():  # a slow drip: the daemon thread ends with its socket's timeout
            raise TimeoutError(f"no complete answer within {limit:.1f} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _ask(self, name: str) -> list | None:
        """Nominatim's JSON list for ``name``, or None after the service failed (and stopped)."""
        from urllib.parse import urlencode

        url = self.base_url + "?" + urlencode({"q": name, "format": "json", "limit": 1, "countrycodes": "iq",
                                               "addressdetails": 0})
        problem = ""
        for attempt in range(self.retries + 1):
            wait = max(self.min_delay_seconds - (time.monotonic() - self._last),
                       0.0 if attempt == 0 else min(0.5 * 2 ** (attempt - 1), 4.0))
            left = self._remaining()
            if left - max(wait, 0.0) <= 0:
                problem = problem or f"the {self.deadline_seconds:g} s deadline has passed"
                break
            if wait > 0:
                time.sleep(wait)
            self.requests_made += 1
            try:
                status, body = self._get(url, self._remaining())
            except (TimeoutError, OSError) as exc:  # URLError, ConnectionError and socket.timeout are OSErrors
                problem = f"no answer ({_short(exc)})"
                continue
            finally:
                self._last = time.monotonic()
            if status == 429 or status >= 500:
                problem = f"server error {status}"
                continue
            if status != 200:
                problem = f"unexpected HTTP status {status}"
                break
            try:
                answer = json.loads(body.decode("utf-8"))
            except ValueError:
                problem = "the answer is not JSON"
                break
            if not isinstance(answer, list):
                problem = "the answer is not a Nominatim result list"
                break
            return answer
        self._stopped = problem
        self._warn(f"{problem} for {name!r} at {self.base_url}; online look-ups stop, "
                   "names keep their offline answers")
        return None

    def lookup(self, name: str) -> dict | None:
        """{'lat', 'lon', 'name'} inside Iraq, or None; from cache when asked before.

        None also when the service has failed or the deadline has passed (see the
        class notes): the caller keeps its offline answer.
        """
        key = normalise(name)
        if key in self._cache:
            return self._cache[key]
        with self._lock:
            if self._stopped is not None:
                return None
            answer = self._ask(name)
        if answer is None:
            return None  # a failure is not a miss: never cached
        result = None
        try:
            hit = answer[0] if answer else None
            if hit is not None:
                lat, lon = float(hit["lat"]), float(hit["lon"])
                from iraq_atlas.places.spatial import in_iraq

                if in_iraq_bbox(pd.Series([lat]), pd.Series([lon])).iloc[0] and in_iraq(lat, lon, 5_000.0):
                    result = {"lat": lat, "lon": lon, "name": str(hit.get("display_name", name))}
        except (KeyError, TypeError, ValueError):
            self._warn(f"the answer for {name!r} has no usable lat/lon; treated as not found")
        self._cache[key] = result
        self._save()
        return result


def _short(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "reason", None) or exc).split()) or type(exc).__name__
    return text[:120]
