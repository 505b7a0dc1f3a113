"""Article geoparsing: spans, places, dates, casualties, drafts, evaluation (offline)."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from iraq_atlas import geoparse as gp
from iraq_atlas.errors import DataError
from iraq_atlas.places.gazetteer import place

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "fixtures" / "articles"
PUBLISHED = pd.read_csv(ARTICLES / "published.csv", dtype=str).set_index("file")["published"].to_dict()
OWN = sorted(p.name for p in ARTICLES.glob("*.txt"))

def own(name: str) -> str:
    return (ARTICLES / name).read_text(encoding="utf-8")


def one(df: pd.DataFrame, **eq) -> pd.Series:
    hit = df
    for k, v in eq.items():
        hit = hit[hit[k] == v]
    assert len(hit) >= 1, f"no mention with {eq} in\n{df[['kind', 'text', 'place_id', 'date_start']]}"
    return hit.iloc[0]


# --------------------------------------------------------------------------- fixtures themselves
def test_fixture_set_is_complete():
    assert len(OWN) >= 4
    for name in OWN:
        assert name in PUBLISHED, f"{name} has no publication date in published.csv"
        assert (ARTICLES / (Path(name).stem + ".labels.csv")).is_file()
        words = len(own(name).split())
        assert 120 <= words <= 250, (name, words)
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in own(n)) for n in OWN), "one text has an Arabic name"


@pytest.mark.parametrize("name", OWN)
def test_own_labels_index_their_text(name):
    text = own(name)
    labels = gp.read_labels(ARTICLES / (Path(name).stem + ".labels.csv"))
    for r in labels.itertuples():
        assert text[r.start:r.end] == r.text, (name, r.start, r.end, r.text)


# --------------------------------------------------------------------------- spans and cleaning
@pytest.mark.parametrize("name", OWN)
def test_spans_index_the_original_text(name):
    text = own(name)
    m = gp.parse_text(text, PUBLISHED[name])
    assert len(m) > 5
    for r in m.itertuples():
        assert text[r.start:r.end] == r.text


def test_boilerplate_removed_without_losing_mentions_after_it():
    text = ("Protesters gathered.Story continues below adThe crowd marched to Tahrir Square on Friday.\n"
            "Advertisement\nRead More\nShare this article\nSecurity forces were deployed in Kadhimiya.")
    ct = gp.clean_text(text)
    assert "Story continues" not in ct.text and "Advertisement" not in ct.text
    assert "Share this" not in ct.text and "Read More" not in ct.text
    assert "gathered. The crowd" in ct.text
    m = gp.parse_text(text, "2020-01-05")
    tahrir = one(m, place_id="tahrir_square")
    assert text[tahrir.start:tahrir.end] == "Tahrir Square"
    assert one(m, place_id="kadhimiya").start == text.index("Kadhimiya")
    assert one(m, kind="date").date_start == "2020-01-03"  # Friday before Sunday 5 Jan 2020


def test_glued_year_and_odd_quotes():
    text = "The uprising began in2019.” I am fine,” he said in Baghdad."
    m = gp.parse_text(text, "2021-11-07")
    y = one(m, kind="date")
    assert (y.text, y.date_start, y.date_end, y.precision) == ("2019", "2019-01-01", "2019-12-31", "year")
    assert one(m, place_id="capital_baghdad").text == "Baghdad"


@pytest.mark.parametrize("text", [
    "", "   ", "\n\n", "Story continues below ad", "Read More", "...!!??", "في بغداد", "in in in at near",
    "THE.THE.The.the", "Oct. 99 May 2 June 31 2019 in2019in", "killed killed injured 0 people",
    "a" * 5000, "<script>alert(1)</script> in Baghdad", "\x00\ufeffBaghdad\u200b", "near X", "at",
])
def test_noisy_text_does_not_crash(text):
    m = gp.parse_text(text, "2021-11-07")
    assert list(m.columns) == gp.MENTION_COLUMNS
    for r in m.itertuples():
        assert text[r.start:r.end] == r.text
    gp.draft_incidents(text, "2021-11-07")
    gp.highlight_html(text, m)


# --------------------------------------------------------------------------- places
def test_arabic_names_found():
    m = gp.parse_text(own("gate_clashes.txt"), PUBLISHED["gate_clashes.txt"])
    ar = one(m, text="المنطقة الخضراء")
    assert (ar.kind, ar.place_id) == ("place", "green_zone")
    m = gp.parse_text(own("erbil_rockets.txt"), PUBLISHED["erbil_rockets.txt"])
    assert one(m, text="مطار أربيل الدولي").place_id == "erbil_airport"
    m = gp.parse_text("وقع انفجار قرب مطار بغداد الدولي وفي الكاظمية", "2021-11-07")
    assert {"baghdad_airport", "kadhimiya"} <= set(m.place_id)


def test_pm_residence_contextual_rules():
    text = "A drone struck the home of Iraqi Prime Minister Mustafa al-Kadhimi early Sunday."
    home = one(gp.parse_text(text, "2021-11-07"), rule="context:home_of_pm")
    assert home.place_id == "pm_residence"
    assert home.text == "home of Iraqi Prime Minister Mustafa al-Kadhimi"
    for text, expect in [
        ("A drone hit the prime minister's house in the Green Zone.", "the prime minister's house"),
        ("Kadhimi said his residence had been struck.", "his residence"),
        ("The PM’s residence was damaged.", "The PM’s residence"),
    ]:
        m = gp.parse_text(text, "2021-11-07")
        r = one(m, place_id="pm_residence")
        assert r.text == expect
        assert r.rule.startswith("context:")


def test_green_zone_embassy_and_longest_match():
    text = "Rockets fell in Baghdad’s Green Zone, which houses the U.S. Embassy, on Sunday."
    m = gp.parse_text(text, "2021-11-07")
    gz = one(m, text="Baghdad’s Green Zone")
    assert gz.place_id == "green_zone"
    # longest match wins: no separate "Baghdad" mention inside that span
    inner = m[(m.start >= gz.start) & (m.end <= gz.end)]
    assert len(inner) == 1
    assert one(m, text="the U.S. Embassy").place_id == "us_embassy_baghdad"
    m = gp.parse_text("Clashes near the Sadr City market and in Basra and Anbar.", "2021-11-07")
    assert set(m[m.kind == "place"].place_id) == {"sadr_city", "capital_basra", "gov_iq_an"}


def test_person_named_sadr_is_not_sadr_city():
    m = gp.parse_text("Cleric Moqtada al-Sadr won the most seats.", "2021-11-07")
    assert "sadr_city" not in set(m.place_id)


def test_candidates_listed_not_dropped():
    # Rashidiya and Zubair were unknown to the 65-row gazetteer; the OCHA sub-district Al-Rashdia
    # (Baghdad) and the GeoNames town Az Zubayr now hold them
    m = gp.parse_text(own("taji_rockets.txt"), PUBLISHED["taji_rockets.txt"])
    assert one(m, text="Rashidiya").place_id == "IQG08Q01N03"
    m = gp.parse_text("Gunmen opened fire near Umm Qasr Port and in Zubair on Monday, then in Albu Aitha.",
                      "2021-11-07")
    cands = set(m[m.kind == "candidate"].text)
    assert {"Umm Qasr Port", "Albu Aitha"} <= cands
    assert one(m, text="Zubair").place_id == "gn_98245"
    assert "Monday" not in cands


def test_misspelt_place_after_preposition_is_geocoded():
    m = gp.parse_text(own("taji_rockets.txt"), PUBLISHED["taji_rockets.txt"])
    assert one(m, text="Camp Tajji").place_id == "camp_taji"


# --------------------------------------------------------------------------- dates
@pytest.mark.parametrize("phrase,published,start,end,precision", [
    ("early Sunday", "2021-11-07", "2021-11-07", "2021-11-07", "day"),    # published on a Sunday
    ("on Friday", "2021-11-07", "2021-11-05", "2021-11-05", "day"),
    ("last month", "2021-11-07", "2021-10-01", "2021-10-31", "month"),
    ("last month", "2021-01-15", "2020-12-01", "2020-12-31", "month"),
    ("this summer", "2021-11-07", "2021-06-01", "2021-08-31", "season"),
    ("May of last year", "2021-11-07", "2020-05-01", "2020-05-31", "month"),
    ("June 2019", "2021-11-07", "2019-06-01", "2019-06-30", "month"),
    ("Oct. 10", "2021-11-07", "2021-10-10", "2021-10-10", "day"),
    ("Dec. 31", "2020-01-03", "2019-12-31", "2019-12-31", "day"),
    ("3 January 2020", "2021-11-07", "2020-01-03", "2020-01-03", "day"),
    ("last week", "2021-11-07", "2021-10-25", "2021-10-31", "week"),
    ("yesterday", "2021-11-07", "2021-11-06", "2021-11-06", "day"),
    ("earlier this month", "2021-05-26", "2021-05-01", "2021-05-31", "month"),
    ("last year", "2021-11-07", "2020-01-01", "2020-12-31", "year"),
])
def test_dates_resolved_against_publication(phrase, published, start, end, precision):
    m = gp.parse_text(f"It happened {phrase} in Baghdad.", published)
    d = one(m, kind="date")
    assert (d.date_start, d.date_end, d.precision) == (start, end, precision)
    assert phrase.endswith(d.text) or d.text.endswith(phrase.split()[-1])


def test_hours_after_follows_the_last_date():
    m = gp.parse_text("The blast came early Sunday, hours after a march on Friday.", "2021-11-07")
    d = one(m, text="hours after")
    assert (d.date_start, d.date_end) == ("2021-11-07", "2021-11-07")


def test_published_datetime_is_taken_in_baghdad_time():
    late_utc = datetime(2021, 11, 6, 22, 30, tzinfo=timezone.utc)  # 01:30 on the 7th in Baghdad
    assert gp.as_published(late_utc) == date(2021, 11, 7)
    m = gp.parse_text("A drone struck today.", late_utc)
    assert one(m, kind="date").date_start == "2021-11-07"
    with pytest.raises(ValueError, match="published"):
        gp.as_published("7 Nov")


# --------------------------------------------------------------------------- casualties
@pytest.mark.parametrize("text,value,qualifier,what", [
    ("More than 125 people were injured in those clashes.", 125, "at_least", "injured"),
    ("Several members of his security detail suffered light injuries.", 2, "several", "injured"),
    ("The blast killed two and injured others.", 2, "exact", "killed"),
    ("Seven guards were wounded.", 7, "exact", "injured"),
    ("At least 21 protesters were killed nationwide.", 21, "at_least", "killed"),
    ("About a dozen other personnel were wounded.", 12, "approx", "injured"),
    ("Dozens of people were hurt.", 24, "at_least", "injured"),
])
def test_casualty_lower_bounds(text, value, qualifier, what):
    m = gp.parse_text(text, "2021-11-07")
    c = one(m, kind="casualty")
    assert (int(c.value), c.qualifier, c.casualty) == (value, qualifier, what)


@pytest.mark.parametrize("text,expected", [
    ("Three people were killed and 20 injured.", [(3, "exact", "killed"), (20, "exact", "injured")]),
    ("At least 12 people were killed and dozens injured.", [(12, "at_least", "killed"), (24, "at_least", "injured")]),
    ("Two were killed and five others wounded in the attack.", [(2, "exact", "killed"), (5, "exact", "injured")]),
    ("Rockets fell on the base in 2020 and 2021 killed nobody.", []),
])
def test_both_figures_of_a_killed_and_injured_pair(text, expected):
    m = gp.parse_text(text, "2021-11-07")
    c = m[m.kind == "casualty"]
    assert [(int(v), q, w) for v, q, w in zip(c.value, c.qualifier, c.casualty)] == expected


def test_bare_count_of_guards():
    m = gp.parse_text("Seven guards stood at the gate.", "2021-11-07")
    c = one(m, kind="casualty")
    assert (int(c.value), c.casualty) == (7, "count")


# --------------------------------------------------------------------------- drafts


def test_own_drafts_link_place_and_date():
    d = gp.draft_incidents(own("erbil_rockets.txt"), PUBLISHED["erbil_rockets.txt"], source="erbil_rockets.txt")
    r = one(d, place_id="erbil_airport")
    assert (r.event_date, r.sub_event_type) == ("2021-02-15", "Shelling/artillery/missile attack")
    d = gp.draft_incidents(own("muslih_arrest.txt"), PUBLISHED["muslih_arrest.txt"])
    assert not d[(d.sub_event_type == "Arrests") & (d.event_date == "2021-05-26")].empty
    d = gp.draft_incidents(own("airport_strike.txt"), PUBLISHED["airport_strike.txt"])
    r = one(d, sub_event_type="Air/drone strike", place_id="baghdad_airport")
    assert r.event_date == "2020-01-03"


def test_accept_drafts_fills_from_gazetteer():
    d = gp.draft_incidents(own("gate_clashes.txt"), PUBLISHED["gate_clashes.txt"], source="gate_clashes.txt")
    ids = d[(d.place_id != "") & (d.event_date != "")].event_id_cnty.tolist()
    assert ids
    rows = gp.accept_drafts(d, ids)
    assert list(rows.columns) == gp.INCIDENT_COLUMNS
    for r in rows.itertuples():
        p = place(r.place_id)
        assert r.admin1 == p.governorate_iso
        assert r.latitude == pytest.approx(p.lat) and r.longitude == pytest.approx(p.lon)
    existing = pd.DataFrame({"event_id_cnty": ["IRQIA0001", "IRQIA0050"]})
    renum = gp.accept_drafts(d, ids[:1], existing=existing)
    assert renum.event_id_cnty.tolist() == ["IRQIA0051"]
    with pytest.raises(KeyError, match="NOPE"):
        gp.accept_drafts(d, ["NOPE"])
    undated = d.copy()
    undated.loc[undated.event_id_cnty == ids[0], "event_date"] = ""
    with pytest.raises(DataError, match="event_date"):
        gp.accept_drafts(undated, ids[:1])


# --------------------------------------------------------------------------- outputs
def test_cli_table_columns_and_folder():
    t = gp.cli_table(str(ARTICLES), "2021-11-06")
    assert list(t.columns) == ["file", "kind", "text", "start", "end", "place_id", "lat", "lon",
                               "date_start", "date_end", "confidence"]
    assert t.file.nunique() == len(OWN)
    assert set(t.kind) <= set(gp.KINDS)
    gz = t[t.place_id == "green_zone"].iloc[0]
    assert gz.lat == pytest.approx(place("green_zone").lat)
    with pytest.raises(DataError, match="no such file"):
        gp.cli_table(ARTICLES / "missing.txt", "2021-11-06")


def test_highlight_html_escapes_text():
    text = "<script>alert('x')</script> A drone hit Baghdad & the <b>Green Zone</b>."
    m = gp.parse_text(text, "2021-11-07")
    out = gp.highlight_html(text, m)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<b>" not in out and "&amp;" in out
    assert '<mark class="ia-place"' in out and ">Baghdad</mark>" in out


# --------------------------------------------------------------------------- evaluation
def test_evaluate_counts_by_hand():
    labels = pd.DataFrame([
        dict(kind="place", start=0, end=7, place_id="capital_baghdad", date_start=""),
        dict(kind="place", start=20, end=30, place_id="green_zone", date_start=""),
        dict(kind="date", start=40, end=46, place_id="", date_start="2021-11-05"),
    ])
    predicted = pd.DataFrame([
        dict(kind="place", start=0, end=7, place_id="capital_baghdad", date_start=""),   # right
        dict(kind="place", start=22, end=26, place_id="pm_residence", date_start=""),    # wrong id
        dict(kind="date", start=38, end=46, place_id="", date_start="2021-11-05"),       # overlaps
        dict(kind="date", start=60, end=66, place_id="", date_start="2021-11-07"),       # spurious
    ])
    ev = gp.evaluate(predicted, labels).set_index("kind")
    assert (ev.loc["place", "precision"], ev.loc["place", "recall"]) == (0.5, 0.5)
    assert (ev.loc["date", "precision"], ev.loc["date", "recall"]) == (0.5, 1.0)
    assert ev.loc["date", "f1"] == pytest.approx(0.667, abs=1e-3)


def _evaluate(names, text_of) -> pd.DataFrame:
    preds, labels = [], []
    for name in names:
        p = gp.parse_text(text_of(name), PUBLISHED[name])
        p["file"] = name
        lab = gp.read_labels(ARTICLES / (Path(name).stem + ".labels.csv"))
        lab["file"] = name
        preds.append(p)
        labels.append(lab)
    return gp.evaluate(pd.concat(preds), pd.concat(labels)).set_index("kind")


# Floors sit just under what the parser achieves on these texts (see the notebook's table).
# The own fixtures were written alongside the rules, except dora_raid.txt (labelled before the
# parser was run on it): treat these as regression floors, not as accuracy on unseen news.
# Their one labelled candidate (Rashidiya) is a gazetteer place now, so candidates are checked
# in test_candidates_listed_not_dropped instead.
OWN_FLOORS = {"place": (0.95, 0.95), "date": (0.95, 0.95), "casualty": (0.9, 0.85)}


def test_evaluation_floors_on_own_fixtures():
    ev = _evaluate(OWN, own)
    for kind, (p, r) in OWN_FLOORS.items():
        assert ev.loc[kind, "precision"] >= p, (kind, ev.loc[kind].to_dict())
        assert ev.loc[kind, "recall"] >= r, (kind, ev.loc[kind].to_dict())


def test_geoparse_cli_prints_the_documented_columns(capsys):
    from iraq_atlas.cli import main

    art = Path(__file__).resolve().parents[1] / "fixtures" / "articles" / "gate_clashes.txt"
    assert main(["geoparse", str(art), "--published", "2021-11-05", "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(out.columns) == ["file", "kind", "text", "start", "end", "place_id", "lat", "lon",
                                 "date_start", "date_end", "confidence"]
    assert "green_zone" in set(out.place_id.dropna())
    text = art.read_text(encoding="utf-8")
    for r in out.itertuples():
        assert text[r.start:r.end] == r.text


@pytest.mark.parametrize("text", ["The strike killed Qassem Soleimani at the airport road.",
                                  "Soleimani had arrived from Damascus.", "اغتيال قاسم سليماني قرب المطار"])
def test_soleimani_the_general_is_never_sulaimani_the_city(text):
    m = gp.parse_text(text, "2020-01-03")
    assert "capital_sulaymaniyah" not in set(m["place_id"].dropna())
