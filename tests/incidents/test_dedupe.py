"""Linking the same event across sources: constructed cases with known answers, nothing dropped."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

from iraq_atlas.cli import main
from iraq_atlas.incidents.dedupe import PAIR_COLUMNS, link_duplicates, types_compatible
from iraq_atlas.incidents.sources import acled, ucdp

LAT, LON = 33.30, 44.40  # Baghdad
KM_LAT = 1 / 111.2       # degrees of latitude per km


def _events(rows: list[dict], prefix: str) -> pd.DataFrame:
    base = {"event_date": "2021-11-07", "time_precision": 1, "event_type": "Explosions/Remote violence",
            "latitude": LAT, "longitude": LON, "geo_precision": 1, "fatalities": 2, "fatalities_low": pd.NA,
            "fatalities_high": pd.NA, "admin1": "IQ-BG"}
    df = pd.DataFrame([{**base, "event_id_cnty": f"{prefix}{i}", **r} for i, r in enumerate(rows, start=1)])
    df["event_date"] = pd.to_datetime(df["event_date"])
    for c in ("time_precision", "geo_precision", "fatalities", "fatalities_low", "fatalities_high"):
        df[c] = df[c].astype("Int64")
    return df


def test_same_strike_2_km_apart_same_day_is_linked_and_both_rows_kept():
    a = _events([{}], "A")
    u = _events([{"latitude": LAT + 2 * KM_LAT, "event_type": "Battles", "fatalities": 3}], "U")
    linked = link_duplicates({"acled": a, "ucdp": u})
    t = linked.timeline.set_index("uid")
    assert len(t) == 2
    assert pd.isna(t.loc["acled:A1", "duplicate_of"]) and t.loc["ucdp:U1", "duplicate_of"] == "acled:A1"
    assert 0.5 < t.loc["ucdp:U1", "match_score"] <= 1 and t.loc["ucdp:U1", "match_score"] == t.loc["acled:A1", "match_score"]
    assert list(linked.pairs.columns) == PAIR_COLUMNS and linked.pairs.linked.tolist() == [True]
    p = linked.pairs.iloc[0]
    assert math.isclose(p.distance_km, 2.0, abs_tol=0.05) and p.days_apart == 0
    assert "1 rows linked" in linked.summary()


@pytest.mark.parametrize("change", [
    {"latitude": LAT + 40 * KM_LAT},                         # 40 km apart
    {"event_type": "Protests"},                              # different kinds of event
    {"event_date": "2021-11-10"},                            # three days apart
    {"fatalities": 40},                                      # 2 against 40 killed
])
def test_not_linked(change):
    linked = link_duplicates({"acled": _events([{}], "A"), "ucdp": _events([change], "U")})
    assert linked.timeline["duplicate_of"].isna().all() and linked.pairs.empty
    assert len(linked.timeline) == 2


def test_rule_edges():
    assert types_compatible("Protests", "Riots") and not types_compatible("Riots", "Battles")
    assert not types_compatible("Strategic developments", "Battles")
    # a date known to the week, four days off: inside the widened window
    week = link_duplicates({"a": _events([{}], "A"), "b": _events([{"event_date": "2021-11-11", "time_precision": 2}], "B")})
    assert week.timeline.duplicate_of.notna().sum() == 1
    # unknown fatalities are compatible with any figure; overlapping ranges too
    unknown = link_duplicates({"a": _events([{}], "A"), "b": _events([{"fatalities": pd.NA}], "B")})
    assert unknown.timeline.duplicate_of.notna().sum() == 1
    ranged = link_duplicates({"a": _events([{"fatalities": 4, "fatalities_low": 3, "fatalities_high": 12}], "A"),
                              "b": _events([{"fatalities": 10}], "B")})
    assert ranged.timeline.duplicate_of.notna().sum() == 1
    # governorate-only rows: the same governorate stands in for the distance
    coarse = link_duplicates({"a": _events([{}], "A"),
                              "b": _events([{"latitude": LAT + 30 * KM_LAT, "geo_precision": 3}], "B")})
    assert coarse.timeline.duplicate_of.notna().sum() == 1
    with pytest.raises(ValueError):
        link_duplicates({"a": _events([{}], "A")}, distance_km=-1)


def test_one_row_links_to_one_row_per_source_and_the_other_candidate_is_listed():
    a = _events([{}], "A")
    u = _events([{"latitude": LAT + 1 * KM_LAT}, {"latitude": LAT + 6 * KM_LAT}], "U")
    linked = link_duplicates({"acled": a, "ucdp": u})
    t = linked.timeline.set_index("uid")
    assert t.loc["ucdp:U1", "duplicate_of"] == "acled:A1" and pd.isna(t.loc["ucdp:U2", "duplicate_of"])
    assert linked.pairs.linked.tolist() == [True, False]
    assert "better match" in linked.pairs.note.iloc[1]
    # rows of the same source are never linked to each other
    same = link_duplicates({"acled": _events([{}, {}], "A")})
    assert same.pairs.empty and same.timeline.duplicate_of.isna().all()


def test_three_sources_point_at_the_first():
    linked = link_duplicates({"curated": _events([{}], "C"), "acled": _events([{}], "A"), "ucdp": _events([{}], "U")})
    t = linked.timeline.set_index("uid")
    assert t.loc["acled:A1", "duplicate_of"] == "curated:C1" and t.loc["ucdp:U1", "duplicate_of"] == "curated:C1"
    assert pd.isna(t.loc["curated:C1", "duplicate_of"]) and len(t) == 3


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def test_cli_dedupe_acled_and_ucdp(tmp_path, capsys):
    arow = dict.fromkeys(acled.ACLED_COLUMNS, "")
    arow.update(event_id_cnty="IRQ1", event_date="2021-11-07", time_precision="1", event_type="Explosions/Remote violence",
                sub_event_type="Air/drone strike", country="Iraq", iso="368", admin1="Baghdad", location="Baghdad",
                latitude="33.30", longitude="44.40", geo_precision="1", fatalities="2")
    far = {**arow, "event_id_cnty": "IRQ2", "latitude": "33.66", "admin1": "Diyala"}
    urow = dict.fromkeys(ucdp.UCDP_COLUMNS, "")
    urow.update(id="9", type_of_violence="1", side_a="A", side_b="B", where_prec="1", latitude="33.318",
                longitude="44.40", country="Iraq", date_prec="1", date_start="2021-11-07", best="2", low="1", high="3",
                adm_1="Baghdad")
    a = _write(tmp_path / "acled.csv", acled.ACLED_COLUMNS, [arow, far])
    u = _write(tmp_path / "ged.csv", ucdp.UCDP_COLUMNS, [urow])
    pairs = tmp_path / "pairs.csv"
    code = main(["incidents", "--source", str(a), "--source", str(u), "--dedupe", "--pairs", str(pairs),
                 "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype=str).set_index("uid")
    assert len(table) == 3 and table.loc["ged:UCDP-9", "duplicate_of"] == "acled:IRQ1"
    assert pd.isna(table.loc["acled:IRQ2", "duplicate_of"])
    assert pd.read_csv(pairs).linked.tolist() == [True]
    assert "acled.csv: accepted 2" in err and "1 rows linked" in err
    assert main(["incidents", "--source", str(a), "--dedupe", "--format", "csv"]) == 2
