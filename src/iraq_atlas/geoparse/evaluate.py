"""Scoring the geoparser against labelled texts.

:func:`evaluate` compares mentions span by span (places by id);
:func:`evaluate_corpus` scores a labelled corpus such as
``geodata/articles/eval`` by point: a predicted place counts when its point
lies within ``MATCH_KM`` of the label's point (or has the label's id; a
governorate label is met by any place inside it), and a trap or foreign label
that gets an Iraqi point is an error.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.geoparse.mentions import KINDS, parse_text
from iraq_atlas.geoparse.places import place_table

__all__ = ["MATCH_KM", "read_labels", "evaluate", "evaluate_corpus", "corpus_predictions"]

MATCH_KM = 5.0
SCORE_COLUMNS = ["split", "kind", "labels", "predicted", "matched_labels", "matched_predictions",
                 "precision", "recall", "errors"]


def read_labels(path: str | os.PathLike) -> pd.DataFrame:
    """A labels CSV (kind,start,end,text,place_id,date_start,date_end,value[,lat,lon,…]) with int spans.

    Parameters
    ----------
    path : str or path
        The ``*.labels.csv`` file.

    Returns
    -------
    DataFrame
        One row per label; ``start`` and ``end`` as int, every other column as str.

    Raises
    ------
    DataError
        When a start/end is not a whole number (row named).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "x.labels.csv"
    ...     _ = p.write_text("kind,start,end,text,place_id,date_start,date_end,value\\n"
    ...                      "place,11,16,Basra,capital_basra,,,\\n")
    ...     lab = read_labels(p)
    >>> lab[["kind", "start", "end", "place_id"]].values.tolist()
    [['place', 11, 16, 'capital_basra']]
    """
    from iraq_atlas.files import read_csv

    df = read_csv(path, required=["kind", "start", "end", "text", "place_id", "date_start", "date_end", "value"])
    problems = [Problem(Path(path).name, int(r._row), "start", "start/end must be whole numbers")
                for r in df.itertuples() if not (r.start.isdigit() and r.end.isdigit())]
    if problems:
        raise DataError(problems)
    df["start"] = df["start"].astype(int)
    df["end"] = df["end"].astype(int)
    return df.drop(columns="_row")


def _matches(p: pd.Series, lab: pd.Series) -> bool:
    if p["kind"] != lab["kind"] or not (p["start"] < lab["end"] and lab["start"] < p["end"]):
        return False
    if p.get("file", None) is not None and lab.get("file", None) is not None and p["file"] != lab["file"]:
        return False
    if lab["kind"] == "place":
        return str(p["place_id"]) == str(lab["place_id"])
    if lab["kind"] == "date":
        return str(p["date_start"]) == str(lab["date_start"])
    return True


def evaluate(predicted: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per mention kind, span by span.

    A prediction matches a label when the spans overlap (and, when both tables
    have a ``file`` column, the files agree); places must also agree on
    place_id, dates on date_start. Kinds are those present in the labels.

    Parameters
    ----------
    predicted : DataFrame
        Predicted mentions (``kind``, ``start``, ``end``, ``place_id``, ``date_start``
        and optionally ``file``), as from :func:`parse_text`.
    labels : DataFrame
        Labelled mentions with the same columns, as from :func:`read_labels`.

    Returns
    -------
    DataFrame
        One row per kind: ``kind``, ``labels``, ``predicted``, ``matched_labels``,
        ``matched_predictions``, ``precision``, ``recall``, ``f1`` (rounded to 3 places).

    Examples
    --------
    >>> lab = pd.DataFrame([dict(kind="place", start=11, end=16, place_id="capital_basra", date_start=""),
    ...                     dict(kind="place", start=30, end=36, place_id="capital_mosul", date_start="")])
    >>> pred = lab.assign(place_id=["capital_basra", "capital_baghdad"])
    >>> evaluate(pred, lab)[["kind", "matched_labels", "precision", "recall", "f1"]].values.tolist()
    [['place', 1, 0.5, 0.5, 0.5]]
    """
    rows = []
    kinds = [k for k in KINDS if k in set(labels["kind"])]
    for kind in kinds:
        P = predicted[predicted["kind"] == kind].reset_index(drop=True)
        L = labels[labels["kind"] == kind].reset_index(drop=True)
        hit_l = sum(any(_matches(p, lab) for _, p in P.iterrows()) for _, lab in L.iterrows())
        hit_p = sum(any(_matches(p, lab) for _, lab in L.iterrows()) for _, p in P.iterrows())
        prec = hit_p / len(P) if len(P) else 0.0
        rec = hit_l / len(L) if len(L) else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append(dict(kind=kind, labels=len(L), predicted=len(P), matched_labels=hit_l,
                         matched_predictions=hit_p, precision=round(prec, 3), recall=round(rec, 3),
                         f1=round(f1, 3)))
    return pd.DataFrame(rows, columns=["kind", "labels", "predicted", "matched_labels",
                                       "matched_predictions", "precision", "recall", "f1"])


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _place_hit(pred: dict, lab: dict, places: pd.DataFrame) -> bool:
    """Does a predicted place (with an Iraqi point) meet a place label?"""
    pid, lid = pred["place_id"], str(lab.get("place_id") or "")
    if lid and pid == lid:
        return True
    if pid not in places.index:
        return False
    if lid.startswith("gov_") and lid in places.index:  # containment in the governorate
        return places.at[pid, "governorate_iso"] == places.at[lid, "governorate_iso"]
    if lid and lid in places.index:
        llat, llon = _num(places.at[lid, "lat"]), _num(places.at[lid, "lon"])
    else:
        llat, llon = _num(lab.get("lat")), _num(lab.get("lon"))
    plat, plon = _num(places.at[pid, "lat"]), _num(places.at[pid, "lon"])
    if None in (llat, llon, plat, plon):
        return False
    return _km(plat, plon, llat, llon) <= MATCH_KM


def _has_point(lab: dict, places: pd.DataFrame) -> bool:
    lid = str(lab.get("place_id") or "")
    if lid:
        return True
    return _num(lab.get("lat")) is not None and _num(lab.get("lon")) is not None


def corpus_predictions(folder: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, labels) for every text of a labelled corpus, with ``file`` and ``split`` columns.

    ``folder`` holds ``index.csv`` (slug, split, published …) and ``<split>/<slug>.txt`` with
    ``<slug>.labels.csv``; a split folder (``.../test``) gives that split only.

    Parameters
    ----------
    folder : str or path
        The corpus folder (holding ``index.csv``) or one of its split folders.

    Returns
    -------
    (DataFrame, DataFrame)
        The parser's mentions and the labels, each with ``file`` (the slug),
        ``split`` and ``language`` columns.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> text = "Clashes in Basra on Friday. Two people were killed. Tehran denied a role."
    >>> labels = ("kind,start,end,text,place_id,date_start,date_end,value\\n"
    ...           "place,11,16,Basra,capital_basra,,,\\n"
    ...           "date,17,26,on Friday,,2021-11-05,2021-11-05,\\n"
    ...           "casualty,28,50,Two people were killed,,,,2\\n"
    ...           "foreign,52,58,Tehran,,,,\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     root = pathlib.Path(d)
    ...     (root / "test").mkdir()
    ...     _ = (root / "index.csv").write_text("slug,split,language,published\\na,test,en,2021-11-07\\n")
    ...     _ = (root / "test" / "a.txt").write_text(text, encoding="utf-8")
    ...     _ = (root / "test" / "a.labels.csv").write_text(labels, encoding="utf-8")
    ...     preds, labs = corpus_predictions(root / "test")
    >>> preds[["file", "kind", "text"]].values.tolist()[1:]
    [['a', 'place', 'Basra'], ['a', 'date', 'on Friday'], ['a', 'casualty', 'Two people were killed'], ['a', 'foreign', 'Tehran']]
    >>> labs[["file", "split", "kind"]].values.tolist()[0]
    ['a', 'test', 'place']
    """
    folder = Path(folder)
    root, only = (folder, None) if (folder / "index.csv").is_file() else (folder.parent, folder.name)
    index = pd.read_csv(root / "index.csv", dtype=str, keep_default_na=False)
    if only:
        index = index[index.split == only]
    preds, labels = [], []
    for r in index.itertuples():
        txt = root / r.split / f"{r.slug}.txt"
        text = txt.read_text(encoding="utf-8")
        p = parse_text(text, r.published, source=txt.name)
        p["file"], p["split"], p["language"] = r.slug, r.split, r.language
        lab = read_labels(root / r.split / f"{r.slug}.labels.csv")
        lab["file"], lab["split"], lab["language"] = r.slug, r.split, r.language
        preds.append(p)
        labels.append(lab)
    return pd.concat(preds, ignore_index=True), pd.concat(labels, ignore_index=True)


def _overlapping(rows: list[dict], lab: dict) -> list[dict]:
    return [p for p in rows if p["start"] < lab["end"] and lab["start"] < p["end"]]


def evaluate_corpus(folder: str | os.PathLike, *, by: str = "split") -> pd.DataFrame:
    """Scores per split (or ``by="language"``) and kind on a labelled corpus.

    Rows (kind):

    - ``place``: recall = place labels met by an overlapping predicted place whose
      point is within ``MATCH_KM`` km of the label's point or has its id
      (governorate labels: any place inside the governorate); labels with no
      point are met by any overlapping place or candidate. precision = predicted
      places (kind ``place``) that meet a label / all predicted places.
    - ``trap`` / ``foreign``: ``errors`` = labels overlapped by a predicted Iraqi
      place; ``recall`` for foreign = labels recognised as ``foreign``.
    - ``date``: same span and same ``date_start``; ``casualty``: same span and value.

    The misses are in ``result.attrs["misses"]`` (a DataFrame) for reading.

    Parameters
    ----------
    folder : str or path
        The corpus folder (holding ``index.csv``) or one of its split folders.
    by : str
        Column to group by: ``"split"`` or ``"language"``.

    Returns
    -------
    DataFrame
        One row per group and kind (place, trap, foreign, date, casualty) with
        the columns ``by``, ``kind``, ``labels``, ``predicted``, ``matched_labels``,
        ``matched_predictions``, ``precision``, ``recall``, ``errors``; misses in
        ``attrs["misses"]``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> text = "Clashes in Basra on Friday. Two people were killed. Tehran denied a role."
    >>> labels = ("kind,start,end,text,place_id,date_start,date_end,value\\n"
    ...           "place,11,16,Basra,capital_basra,,,\\n"
    ...           "date,17,26,on Friday,,2021-11-05,2021-11-05,\\n"
    ...           "casualty,28,50,Two people were killed,,,,2\\n"
    ...           "foreign,52,58,Tehran,,,,\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     root = pathlib.Path(d)
    ...     (root / "test").mkdir()
    ...     _ = (root / "index.csv").write_text("slug,split,language,published\\na,test,en,2021-11-07\\n")
    ...     _ = (root / "test" / "a.txt").write_text(text, encoding="utf-8")
    ...     _ = (root / "test" / "a.labels.csv").write_text(labels, encoding="utf-8")
    ...     s = evaluate_corpus(d)
    >>> s[["split", "kind", "labels", "matched_labels", "recall"]].dropna().values.tolist()
    [['test', 'place', 1, 1, 1.0], ['test', 'foreign', 1, 1, 1.0], ['test', 'date', 1, 1, 1.0], ['test', 'casualty', 1, 1, 1.0]]
    >>> s.loc[s.kind == "place", "precision"].tolist(), len(s.attrs["misses"])
    ([1.0], 0)
    """
    preds, labels = corpus_predictions(folder)
    places = place_table()
    rows, misses = [], []
    for group in sorted(labels[by].unique()):
        P = preds[preds[by] == group]
        L = labels[labels[by] == group]
        per_file = {f: g.to_dict("records") for f, g in P.groupby("file")}
        counts = {k: dict(labels=0, predicted=0, ml=0, mp=0, errors=0) for k in ("place", "trap", "foreign",
                                                                                  "date", "casualty")}
        for f, lg in L.groupby("file"):
            pr = per_file.get(f, [])
            pl = [p for p in pr if p["kind"] == "place"]
            used = set()
            for lab in lg.to_dict("records"):
                k = lab["kind"]
                if k not in counts:
                    continue
                c = counts[k]
                c["labels"] += 1
                if k == "place":
                    over = _overlapping(pl, lab)
                    if _has_point(lab, places):
                        hit = [p for p in over if _place_hit(p, lab, places)]
                    else:
                        hit = over + [p for p in _overlapping(pr, lab) if p["kind"] == "candidate"]
                    if hit:
                        c["ml"] += 1
                        used.update(id(p) for p in hit)
                    else:
                        misses.append(dict(group=group, file=f, kind=k, text=lab["text"], start=lab["start"],
                                           why="missed" if not over else "wrong place: " + over[0]["place_id"]))
                elif k in ("trap", "foreign"):
                    bad = _overlapping(pl, lab)
                    if bad:
                        c["errors"] += 1
                        misses.append(dict(group=group, file=f, kind=k, text=lab["text"], start=lab["start"],
                                           why="resolved to " + bad[0]["place_id"]))
                    if k == "foreign" and any(p["kind"] == "foreign" for p in _overlapping(pr, lab)):
                        c["ml"] += 1
                    if k == "trap" and not bad:
                        c["ml"] += 1
                elif k == "date":
                    if any(p["kind"] == "date" and str(p["date_start"]) == str(lab["date_start"])
                           for p in _overlapping(pr, lab)):
                        c["ml"] += 1
                    else:
                        misses.append(dict(group=group, file=f, kind=k, text=lab["text"], start=lab["start"],
                                           why="missed or wrong date"))
                elif k == "casualty":
                    if any(p["kind"] == "casualty" and str(p["value"]) == str(lab["value"])
                           for p in _overlapping(pr, lab)):
                        c["ml"] += 1
            for p in pl:
                counts["place"]["predicted"] += 1
                if id(p) in used:
                    counts["place"]["mp"] += 1
                else:
                    misses.append(dict(group=group, file=f, kind="place", text=p["text"], start=p["start"],
                                       why="spurious: " + p["place_id"]))
            for k in ("date", "casualty", "foreign"):
                counts[k]["predicted"] += sum(1 for p in pr if p["kind"] == k)
        for k, c in counts.items():
            rows.append({by: group, "kind": k, "labels": c["labels"], "predicted": c["predicted"],
                         "matched_labels": c["ml"], "matched_predictions": c["mp"] if k == "place" else None,
                         "precision": round(c["mp"] / c["predicted"], 3) if k == "place" and c["predicted"] else None,
                         "recall": round(c["ml"] / c["labels"], 3) if c["labels"] else None,
                         "errors": c["errors"] if k in ("trap", "foreign") else None})
    out = pd.DataFrame(rows, columns=[by] + SCORE_COLUMNS[1:])
    out.attrs["misses"] = pd.DataFrame(misses, columns=["group", "file", "kind", "text", "start", "why"])
    return out
