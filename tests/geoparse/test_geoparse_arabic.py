"""Arabic text: clitics, spelling variants, Iraqi month names, weekdays, casualty phrases, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from iraq_atlas import geoparse as gp

SAMPLE = Path(__file__).parent / "fixtures" / "ar_sample.txt"
PUBLISHED = "2021-11-07"  # a Sunday


def kinds(m: pd.DataFrame, kind: str) -> pd.DataFrame:
    return m[m.kind == kind]


@pytest.mark.parametrize("text,place_id", [
    ("وقع الانفجار في الموصل", "capital_mosul"),
    ("وصل الوفد للموصل أمس", "capital_mosul"),          # li- + article
    ("انفجار ببغداد", "capital_baghdad"),              # bi-
    ("وبغداد هادئة", "capital_baghdad"),                 # wa-
    ("في البصرة والموصل", "capital_mosul"),             # wa- + article
    ("قرب مطار اربيل الدولي", "erbil_airport"),         # hamza dropped: اربيل for أربيل
    ("في محافظة ديالى", "gov_iq_di"),
    ("في محافظة ديالي", "gov_iq_di"),                  # alef maqsura written as ya
    ("في الحلة", "capital_hillah"),
    ("في الحله", "capital_hillah"),                    # ta marbuta written as ha
])
def test_arabic_place_with_clitics_and_variants(text, place_id):
    m = gp.parse_text(text, PUBLISHED)
    assert place_id in set(kinds(m, "place").place_id), m[["kind", "text", "place_id"]]
    for r in m.itertuples():
        assert text[r.start:r.end] == r.text


def test_arabic_trap_and_foreign_never_iraqi():
    text = "دانت حكومة إقليم كردستان وكتائب حزب الله الهجوم، وقال مسؤول في الولايات المتحدة وسوريا وطهران."
    m = gp.parse_text(text, PUBLISHED)
    assert kinds(m, "place").empty, m[["kind", "text", "place_id"]]
    assert {"الولايات المتحدة", "وسوريا", "وطهران"} <= set(kinds(m, "foreign").text)


@pytest.mark.parametrize("phrase,start,end", [
    ("في ٣ تشرين الثاني ٢٠٢١", "2021-11-03", "2021-11-03"),
    ("في 27 كانون الثاني 2020", "2020-01-27", "2020-01-27"),
    ("يوم 5 تشرين الأول", "2021-10-05", "2021-10-05"),      # no year: the last one before publication
    ("في 14 تموز", "2021-07-14", "2021-07-14"),
    ("في 2 نيسان", "2021-04-02", "2021-04-02"),
    ("في آذار 2019", "2019-03-01", "2019-03-31"),
    ("في شهر أيلول من عام 2017", "2017-09-01", "2017-09-30"),
    ("في 10 نوفمبر/تشرين الثاني 2019", "2019-11-10", "2019-11-10"),
    ("يوم الخميس", "2021-11-04", "2021-11-04"),
    ("الجمعة الماضي", "2021-11-05", "2021-11-05"),
    ("يوم الأحد", "2021-11-07", "2021-11-07"),                # published on a Sunday
    ("أمس", "2021-11-06", "2021-11-06"),
    ("هجوم الأمس", "2021-11-06", "2021-11-06"),
    ("اليوم", "2021-11-07", "2021-11-07"),
])
def test_arabic_dates(phrase, start, end):
    m = gp.parse_text(f"وقع الهجوم {phrase} في بغداد.", PUBLISHED)
    d = kinds(m, "date")
    assert len(d) == 1, d
    assert (d.iloc[0].date_start, d.iloc[0].date_end) == (start, end)


@pytest.mark.parametrize("text,value,what", [
    ("أسفر الهجوم عن مقتل 5 أشخاص", 5, "killed"),
    ("أسفر الهجوم عن مقتل ٥ أشخاص", 5, "killed"),             # Arabic-Indic digits
    ("وإصابة ١٢ آخرين", 12, "injured"),
    ("قتل ثلاثة جنود", 3, "killed"),
    ("جرح 20 شخصا", 20, "injured"),
    ("مقتل ما لا يقل عن ١٥ شخصا", 15, "killed"),
    ("سقط 7 قتلى", 7, "killed"),
    ("و 4 جرحى", 4, "injured"),
    ("قتل متظاهر في ساحة التحرير", 1, "killed"),               # one person, no figure
    ("وأدى الانفجار إلى إصابة شرطي", 1, "injured"),
    ("استشهاد جنديا", 1, "killed"),
    ("مقتل المتظاهر", 1, "killed"),
])
def test_arabic_casualties(text, value, what):
    c = kinds(gp.parse_text(text, PUBLISHED), "casualty")
    assert len(c) == 1, c
    assert (int(c.iloc[0].value), c.iloc[0].casualty) == (value, what)


def test_arabic_one_killed_and_three_injured():
    c = kinds(gp.parse_text("أسفر الهجوم عن مقتل شخص وإصابة ثلاثة", PUBLISHED), "casualty")
    assert sorted(zip(c.value.astype(int), c.casualty)) == [(1, "killed"), (3, "injured")]


@pytest.mark.parametrize("text", ["مقتل متظاهرين", "مقتل المتظاهرين", "قتل شخصين"])
def test_arabic_dual_or_plural_is_not_one_person(text):
    c = kinds(gp.parse_text(text, PUBLISHED), "casualty")
    assert 1 not in set(c.value.astype(int)), c


def test_arabic_casualty_at_least():
    c = kinds(gp.parse_text("مقتل ما لا يقل عن ١٥ شخصا", PUBLISHED), "casualty").iloc[0]
    assert c.qualifier == "at_least"


def test_arabic_sample_through_the_cli(capsys):
    from iraq_atlas.cli import main

    assert main(["geoparse", str(SAMPLE), "--published", PUBLISHED, "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"place_id": str})
    text = SAMPLE.read_text(encoding="utf-8")
    for r in out.itertuples():
        assert text[r.start:r.end] == r.text
    places = set(out[out.kind == "place"].place_id)
    assert {"capital_baghdad", "sadr_city", "baghdad_airport", "capital_mosul", "gov_iq_ni"} <= places
    dates = out[out.kind == "date"].set_index("text").date_start.to_dict()
    assert dates["يوم الخميس"] == "2021-11-04"
    assert dates["٣ تشرين الثاني ٢٠٢١"] == "2021-11-03"
    assert "عمّان" in set(out[out.kind == "foreign"].text)
    # the trap's Kurdistan is no place; Amman is not placed in Iraq
    assert out[(out.kind == "place") & out.text.str.contains("كردستان|عم", regex=True)].empty
    baghdad = out[out.place_id == "capital_baghdad"].iloc[0]
    assert (baghdad.lat, baghdad.lon) == pytest.approx((33.3, 44.4), abs=0.2)


def test_arabic_sample_drafts_carry_casualties():
    text = SAMPLE.read_text(encoding="utf-8")
    d = gp.draft_incidents(text, PUBLISHED, source=SAMPLE.name)
    assert len(d) == 2, d[["sub_event_type", "place_id", "event_date", "fatalities"]]
    main_ = d[d.place_id == "sadr_city"].iloc[0]
    assert (main_.event_date, main_.fatalities, main_.injuries) == ("2021-11-04", 5, 12)
    assert main_.event_type == "Explosions/Remote violence"
    airport = d[d.place_id == "baghdad_airport"].iloc[0]
    assert (airport.event_date, airport.fatalities) == ("2021-11-03", 3)


@pytest.mark.slow
@pytest.mark.notebook
def test_arabic_sample_through_the_notebook(tmp_path):
    """Notebook 05 on the Arabic sample: Arabic places mapped, Arabic dates resolved, the text shown as Arabic."""
    import json

    from conftest import run_notebook

    out = tmp_path / "out"
    nb = run_notebook("05_article_geoparse.ipynb", out, text_paths=str(SAMPLE), published=PUBLISHED)
    mentions = pd.read_csv(out / "tables" / "05_mentions.csv", dtype={"place_id": str})
    assert set(mentions["file"]) == {SAMPLE.name}
    assert {"capital_baghdad", "sadr_city", "capital_mosul"} <= set(mentions.place_id.dropna())
    dates = mentions[mentions.kind == "date"].set_index("text").date_start.to_dict()
    assert dates["يوم الخميس"] == "2021-11-04"
    drafts = pd.read_csv(out / "tables" / "05_draft_incidents.csv", dtype={"place_id": str})
    assert "sadr_city" in set(drafts.place_id)
    shown = json.dumps([c.get("outputs", []) for c in json.loads(Path(nb).read_text())["cells"]], ensure_ascii=False)
    assert "مدينة الصدر" in shown or "الصدر" in shown  # the highlighted text is Arabic, not escapes
