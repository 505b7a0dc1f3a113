"""Draft incidents from a text, and accepting the reviewed ones into the incident data.

Each event phrase is linked to the nearest place and date in its sentence (else
its paragraph, at most ``CONTEXT_SENTENCES`` sentences away) and to the casualty
figures near it; drafts of one event told twice (headline and body) are merged.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.geoparse.clean import CleanText, clean_text
from iraq_atlas.geoparse.dates import as_published
from iraq_atlas.geoparse.mentions import mention_records
from iraq_atlas.geoparse.places import _place_index, place_table

__all__ = ["CONTEXT_SENTENCES", "INCIDENT_COLUMNS", "DRAFT_COLUMNS", "draft_incidents", "accept_drafts"]

INCIDENT_COLUMNS = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
                    "actor1", "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude",
                    "longitude", "geo_precision", "source", "notes", "fatalities", "fatalities_low",
                    "fatalities_high", "injuries", "injuries_low", "injuries_high", "target",
                    "place_id", "time_local", "source_url"]
DRAFT_COLUMNS = INCIDENT_COLUMNS + ["status", "evidence", "evidence_start", "evidence_end",
                                    "date_start", "date_end", "confidence"]
CONTEXT_SENTENCES = 2  # "paragraph" fallback: at most this many sentences away, same paragraph
_ELECTION_AFTER = re.compile(r"['’]?s?\s+(?:parliamentary\s+|general\s+|early\s+|national\s+)*"
                             r"(?:elections?|polls?|vote|ballot)\b", re.IGNORECASE)
_RIOT_WORDS = re.compile(r"\b(?:protesters|demonstrators|supporters|crowds?|fans|stones|tear\s+gas|storm)\b",
                         re.IGNORECASE)
# "the attack", "the bombing", "التفجير": a definite event phrase refers back to one already told
_DEFINITE = re.compile(r"\b(?:the|this|that)\s+$|(?<![\w])[وبل]?ال(?=[\u0621-\u064a])", re.IGNORECASE)
_DRONE_WORD = re.compile(r"\bdrones?\b", re.IGNORECASE)
_VIOLENT_PROTEST = re.compile(r"\bstorm|stones|burn|tear\s+gas", re.IGNORECASE)
# when one sentence names several kinds of event, the more specific type describes it
_TYPE_RANK = {"Explosions/Remote violence": 0, "Battles": 1, "Violence against civilians": 2, "Riots": 3,
              "Protests": 4, "Strategic developments": 5}


def _by_sentence(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(r["sentence"], []).append(r)
    return out


def _near(index: dict[int, list[dict]], ev: dict) -> list[dict]:
    out = []
    for s in range(ev["sentence"] - CONTEXT_SENTENCES, ev["sentence"] + CONTEXT_SENTENCES + 1):
        out.extend(r for r in index.get(s, ()) if r["paragraph"] == ev["paragraph"])
    return out


def _link_place(cands: list[dict], ev: dict, info: dict[str, dict]) -> dict | None:
    """Same sentence first (a specific place beats a city), then the nearest sentence."""
    if not cands:
        return None
    return min(cands, key=lambda c: (abs(c["sentence"] - ev["sentence"]),
                                     info[c["place_id"]]["kind"] in ("city", "governorate"),
                                     abs(c["start"] - ev["start"])))


def _link_date(cands: list[dict], ev: dict) -> dict | None:
    """Same sentence: nearest; else day-precision dates before the event first, then nearest."""
    if not cands:
        return None
    same = [c for c in cands if c["sentence"] == ev["sentence"]]
    if same:
        return min(same, key=lambda c: abs(c["start"] - ev["start"]))
    return min(cands, key=lambda c: (c["precision"] != "day", abs(c["sentence"] - ev["sentence"]),
                                     c["start"] > ev["start"], abs(c["start"] - ev["start"])))


def _assign_casualties(cas: list[dict], events: list[dict]) -> dict[int, list[dict]]:
    """Each killed/injured figure goes to the nearest event: its own sentence first, else the paragraph."""
    ev_index = _by_sentence(events)
    out: dict[int, list[dict]] = {}
    for c in cas:
        if c["casualty"] not in ("killed", "injured"):
            continue
        same = ev_index.get(c["sentence"], [])
        pool = same or [e for e in _near(ev_index, c)]
        if not pool:
            continue
        best = min(pool, key=lambda e: (abs(e["sentence"] - c["sentence"]), e["sentence"] > c["sentence"],
                                        abs(e["start"] - c["start"])))
        out.setdefault(best["_i"], []).append(c)
    return out


def _counts(found: list[dict]) -> dict:
    """fatalities/injuries (lower bounds) from the figures linked to one event: the largest of each."""
    row = {}
    for kind, col in (("killed", "fatalities"), ("injured", "injuries")):
        vals = [c for c in found if c["casualty"] == kind and c["value"] is not None]
        if vals:
            top = max(vals, key=lambda c: int(c["value"]))
            v = int(top["value"])
            row.update({col: v, f"{col}_low": v})
            if top["qualifier"] == "exact":
                row[f"{col}_high"] = v
    return row


def draft_incidents(text: str, published: date | datetime | str, source: str = "",
                    mentions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Draft incident rows: each event phrase linked to the nearest place, date and casualty figures.

    Places and dates are taken from the event's sentence, else its paragraph
    (at most ``CONTEXT_SENTENCES`` sentences away); a specific place (residence,
    base, zone …) beats a city or governorate in the same sentence; a date just
    before "elections"/"vote" is not taken for a non-election event; an event
    with no date nearby gets the story's lead date (noted, lower confidence).
    Killed/injured figures go to the nearest event (their sentence, else the
    paragraph) and fill ``fatalities``/``injuries`` (lower bounds, ``_high`` when
    exact). Drafts of the same event type at the same or a nested place on
    overlapping dates, or from the same sentence, are merged. Every row keeps its
    evidence text and span (into the original text) and has ``status`` "draft".

    Parameters
    ----------
    text : str
        Article text.
    published : date, datetime or str
        Publication date.
    source : str, optional
        File name or URL written to ``source`` and used in the draft ids.
    mentions : pandas.DataFrame, optional
        ``parse_text(text, published)`` when already computed (it is not parsed twice).

    Returns
    -------
    pandas.DataFrame
        Columns ``DRAFT_COLUMNS``, one row per distinct event.

    Examples
    --------
    >>> d = draft_incidents("One protester was killed in clashes in Basra on Friday.", "2021-11-07")
    >>> d[["sub_event_type", "place_id", "event_date", "fatalities"]].values.tolist()
    [['Armed clash', 'capital_basra', '2021-11-05', 1]]
    """
    pub = as_published(published)
    ct = clean_text(text)
    if mentions is None:
        recs = mention_records(text, pub, source, ct)
    else:
        recs = mentions.to_dict("records")
        for r in recs:
            r["value"] = None if pd.isna(r["value"]) else int(r["value"])
    return draft_frame(draft_records(text, pub, source, recs, ct))


def draft_records(text: str, pub: date, source: str, recs: list[dict], ct: CleanText) -> list[dict]:
    """The drafts of one text as dicts with every column of ``DRAFT_COLUMNS`` (see :func:`draft_incidents`).

    Parameters
    ----------
    text : str
        Article text.
    pub : datetime.date
        Publication date.
    source : str
        File name or URL (``source`` and the draft ids).
    recs : list of dict
        The text's mentions (:func:`~iraq_atlas.geoparse.mentions.mention_records`); not changed.
    ct : CleanText
        ``clean_text(text)``.

    Returns
    -------
    list of dict
        One per distinct event, ids ``DRAFT-<SOURCE>-001`` …

    Examples
    --------
    >>> t = "Clashes in Basra."
    >>> [d["place_id"] for d in draft_records(t, date(2021, 11, 7), "", mention_records(t, date(2021, 11, 7), "",
    ...                                                                   clean_text(t)), clean_text(t))]
    ['capital_basra']
    """
    info = _info()
    pl = _by_sentence([r for r in recs if r["kind"] == "place" and r["place_id"] in info])
    dt_all = [r for r in recs if r["kind"] == "date"
              and not _ELECTION_AFTER.match(text, int(r["end"]))]
    dt = _by_sentence(dt_all)
    events = [{**r, "_i": i} for i, r in enumerate(r for r in recs if r["kind"] == "event")]
    cas_of = _assign_casualties([r for r in recs if r["kind"] == "casualty"], events)
    sents = ct.sentences
    # the story's own date: the first day-precision date not after publication, in the first paragraphs
    lede = next((d for d in dt_all if d["precision"] == "day" and d["date_start"] == d["date_end"]
                 and d["paragraph"] <= 2 and d["date_start"] <= pub.isoformat()), None)
    ev_count = {s: len(v) for s, v in _by_sentence(events).items()}
    drafts: list[dict] = []
    for ev in events:
        chosen = _link_place(_near(pl, ev), ev, info)
        generic = ev["text"].lower().endswith("s") and ev["rule"] in ("event:drone", "event:rocket")
        near_d = _near(dt, ev)
        dchosen = _link_date([d for d in near_d if d["sentence"] == ev["sentence"]] if generic else near_d, ev)
        lede_used = False
        if dchosen is None and not generic and lede is not None:
            dchosen, lede_used = lede, True
        etype, sub = ev["event_type"], ev["sub_event_type"]
        if sents:
            a, b, _ = sents[min(ev["sentence"], len(sents) - 1)]
        else:
            a, b = 0, len(ct.text)
        ev_start, ev_end = ct.span(a, b)
        while ev_start < ev_end and text[ev_start].isspace():
            ev_start += 1
        while ev_end > ev_start and text[ev_end - 1].isspace():
            ev_end -= 1
        sent_text = text[ev_start:ev_end]
        w0 = ct.span(*sents[max(0, ev["sentence"] - 2)][:2])[0] if sents else 0
        window = text[w0:ev_end]
        if etype == "Battles" and sub == "Armed clash" and _RIOT_WORDS.search(window):
            etype, sub = "Riots", "Violent demonstration"
        if sub == "Peaceful protest" and _VIOLENT_PROTEST.search(sent_text):
            etype, sub = "Riots", "Violent demonstration"
        if ev["rule"] == "event:assassination" and _DRONE_WORD.search(window):
            etype, sub = "Explosions/Remote violence", "Air/drone strike"
        row = dict.fromkeys(DRAFT_COLUMNS, "")
        row.update(event_type=etype, sub_event_type=sub, source=source, status="draft",
                   evidence=sent_text or ev["text"], evidence_start=int(ev_start), evidence_end=int(ev_end),
                   notes=f"draft from text: {ev['text']!r}", confidence=0.3, _sentence=ev["sentence"])
        if chosen is not None:
            p = info[chosen["place_id"]]
            row.update(place_id=chosen["place_id"], location=p["name"], admin1=p["governorate_iso"],
                       latitude=p["lat"], longitude=p["lon"], geo_precision=p["geo_precision"],
                       confidence=round(0.4 + 0.2 * float(chosen["confidence"])
                                        + (0.1 if chosen["sentence"] == ev["sentence"] else 0), 3))
        if dchosen is not None:
            single = dchosen["date_start"] == dchosen["date_end"]
            row.update(date_start=dchosen["date_start"], date_end=dchosen["date_end"],
                       event_date=dchosen["date_start"],
                       time_precision=(1 if single else 2) if dchosen["precision"] == "day"
                       else {"week": 2}.get(dchosen["precision"], 3))
            if lede_used:
                row["notes"] += "; date taken from the story's lead"
                row["confidence"] = round(row["confidence"] - 0.1, 3)
        row.update(_counts(cas_of.get(ev["_i"], [])))
        row["_multi"] = ev_count.get(ev["sentence"], 1) > 1
        row["_anaphoric"] = bool((lede_used or dchosen is None) and _DEFINITE.search(text, max(0, ev["start"] - 5),
                                                                                  ev["start"] + 2))
        drafts.append(row)
    drafts = _merge_drafts(drafts, info)
    for d in drafts:
        d.pop("_sentence", None)
        d.pop("_multi", None)
        d.pop("_anaphoric", None)
    stem = re.sub(r"[^A-Za-z0-9]+", "_", Path(source).stem).strip("_").upper() or "TEXT"
    for i, d in enumerate(drafts):
        d["event_id_cnty"] = f"DRAFT-{stem}-{i + 1:03d}"
    return drafts


def draft_frame(records: list[dict], columns: list[str] = DRAFT_COLUMNS) -> pd.DataFrame:
    """The table of :func:`draft_records` (of one text or many joined), built once.

    Parameters
    ----------
    records : list of dict
        Draft records.
    columns : list of str
        Columns, in this order.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> draft_frame([]).shape
    (0, 33)
    """
    return pd.DataFrame(records, columns=columns)


_INFO_COLUMNS = ["name", "kind", "lat", "lon", "governorate_iso", "geo_precision", "parent_id"]


def _info() -> dict[str, dict]:
    """Per place id, the gazetteer facts a draft needs (built once per gazetteer)."""
    idx = _place_index()
    if idx.extra.get("drafts") is None:
        idx.extra["drafts"] = idx.places[_INFO_COLUMNS].to_dict("index")
    return idx.extra["drafts"]


_COARSE = ("city", "governorate")


def _related(a: str, b: str, info: dict[str, dict]) -> bool:
    """Same place, one inside the other, or a city/governorate and a finer place of its governorate."""
    if not a or not b or a == b:
        return True  # a place-less mention (a headline) joins a twin of the same type
    pa, pb = info[a], info[b]
    if pa["parent_id"] == b or pb["parent_id"] == a:
        return True
    coarse_a, coarse_b = pa["kind"] in _COARSE, pb["kind"] in _COARSE
    return (coarse_a != coarse_b or pa["kind"] == "governorate" or pb["kind"] == "governorate") \
        and pa["governorate_iso"] == pb["governorate_iso"]


def _overlap(a: dict, b: dict) -> bool:
    if not a["date_start"] or not b["date_start"]:
        return True  # an undated mention (a headline) joins a dated twin
    return a["date_start"] <= b["date_end"] and b["date_start"] <= a["date_end"]


def _same_event(o: dict, d: dict, info: dict[str, dict]) -> bool:
    if d["_anaphoric"] and o["event_type"] == d["event_type"]:
        return True  # "the bombing" with no date of its own: the one told before
    if o["_sentence"] == d["_sentence"] and _related(o["place_id"], d["place_id"], info) and _overlap(o, d):
        return True  # two phrases of one sentence ("suicide bombings … the attack") tell one event
    return (o["sub_event_type"] == d["sub_event_type"] and _related(o["place_id"], d["place_id"], info)
            and _overlap(o, d))


_MERGE_WINDOW = 30  # drafts looked back at when merging (keeps merging linear in long texts)


def _merge_drafts(drafts: list[dict], info: dict[str, dict]) -> list[dict]:
    out: list[dict] = []
    for d in drafts:
        twin = next((o for o in reversed(out[-_MERGE_WINDOW:]) if _same_event(o, d, info)), None)
        if twin is None:
            out.append(d)
            continue
        if _TYPE_RANK.get(d["event_type"], 9) < _TYPE_RANK.get(twin["event_type"], 9):
            twin["event_type"], twin["sub_event_type"] = d["event_type"], d["sub_event_type"]
        # keep the finer place and the narrower date; add the evidence
        finer = d["place_id"] and (not twin["place_id"] or info[d["place_id"]]["parent_id"] == twin["place_id"]
                                   or (info[twin["place_id"]]["kind"] in _COARSE
                                       and info[d["place_id"]]["kind"] not in _COARSE
                                       and _related(d["place_id"], twin["place_id"], info)))
        if finer and not d["_anaphoric"]:
            for k in ("place_id", "location", "admin1", "latitude", "longitude", "geo_precision"):
                twin[k] = d[k]
        if d["date_start"] and (not twin["date_start"] or (d["date_start"] == d["date_end"]
                                                           and twin["date_start"] != twin["date_end"])):
            for k in ("date_start", "date_end", "event_date", "time_precision"):
                twin[k] = d[k]
        for col in ("fatalities", "injuries"):  # the largest figure told; never summed (retold numbers)
            if d[col] != "" and (twin[col] == "" or int(d[col]) > int(twin[col])):
                for k in (col, f"{col}_low", f"{col}_high"):
                    twin[k] = d[k]
        if d["evidence"] not in twin["evidence"]:
            twin["evidence"] += " … " + d["evidence"]
        twin["confidence"] = max(twin["confidence"], d["confidence"])
    return out


def accept_drafts(drafts: pd.DataFrame, ids: Sequence[str], existing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows ready to append to the incident data for the accepted draft ``ids``.

    latitude/longitude/admin1/location/geo_precision come from the gazetteer.
    With ``existing`` incident rows, new ids continue their IRQIA numbering.

    Parameters
    ----------
    drafts : DataFrame
        Draft incidents, as from :func:`draft_incidents`.
    ids : sequence of str
        The ``event_id_cnty`` of the drafts to accept, in the order wanted.
    existing : DataFrame, optional
        Incident rows already kept; when given, the accepted rows get the next
        ``IRQIA`` ids after the highest one there.

    Returns
    -------
    DataFrame
        One row per accepted id with the columns of ``INCIDENT_COLUMNS``.

    Raises
    ------
    KeyError
        Naming unknown ids.
    DataError
        For drafts without a date or place.

    Examples
    --------
    >>> d = draft_incidents("Clashes in Basra on Friday. Two people were killed.", "2021-11-07")
    >>> a = accept_drafts(d, d.event_id_cnty[:1])
    >>> a[["event_date", "location", "admin1", "fatalities"]].values.tolist()
    [['2021-11-05', 'Basra', 'IQ-BA', 2]]
    >>> old = pd.DataFrame({"event_id_cnty": ["IRQIA0091", "IRQIA0092"]})
    >>> accept_drafts(d, d.event_id_cnty[:1], existing=old).event_id_cnty.tolist()
    ['IRQIA0093']
    """
    ids = list(ids)
    known = set(drafts["event_id_cnty"])
    missing = [i for i in ids if i not in known]
    if missing:
        raise KeyError(f"no draft with id(s) {missing}")
    chosen = drafts.set_index("event_id_cnty").loc[ids].reset_index()
    problems = []
    for n, r in enumerate(chosen.itertuples(), start=1):
        if not r.event_date:
            problems.append(Problem(str(r.event_id_cnty), n, "event_date", "draft has no date; set one before accepting"))
        if not r.place_id:
            problems.append(Problem(str(r.event_id_cnty), n, "place_id", "draft has no place; set one before accepting"))
    if problems:
        raise DataError(problems)
    places = place_table()
    start = 1
    if existing is not None and len(existing):
        nums = existing["event_id_cnty"].astype(str).str.extract(r"IRQIA(\d+)")[0].dropna().astype(int)
        start = int(nums.max()) + 1 if len(nums) else 1
    rows = []
    for k, r in enumerate(chosen.to_dict("records")):
        p = places.loc[r["place_id"]]
        row = {c: r.get(c, "") for c in INCIDENT_COLUMNS}
        row.update(latitude=p["lat"], longitude=p["lon"], admin1=p["governorate_iso"],
                   location=p["name"], geo_precision=p["geo_precision"],
                   notes=f"{r.get('notes', '')} Evidence: {r.get('evidence', '')}".strip())
        if existing is not None:
            row["event_id_cnty"] = f"IRQIA{start + k:04d}"
        rows.append(row)
    return pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
